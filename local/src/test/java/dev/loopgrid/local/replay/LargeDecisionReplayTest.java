package dev.loopgrid.local.replay;

import dev.loopgrid.local.TestApps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.worker.ReplayWorkerHandler;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.InMemoryContentStore;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.replay.ReplayExecutor;
import dev.loopgrid.core.replay.ReplayRecord;
import dev.loopgrid.core.replay.ReplayStatus;
import dev.loopgrid.local.EmbeddedDynamo;
import dev.loopgrid.local.EmbeddedSqs;
import dev.loopgrid.local.QueuePoller;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Replays of decisions whose content lives in the content store: the replay is queued by a function that cannot
 * read content (as {@code POST /v1/replays} runs on AWS), the worker fetches the content; a result too large to
 * record, or content that fails its check, ends the replay as failed with the reason instead of failing on
 * every delivery.
 */
class LargeDecisionReplayTest {
    static final String TENANT = ReplayWorkerTest.TENANT;
    static EmbeddedDynamo dynamo;
    static EmbeddedSqs sqs;

    @BeforeAll
    static void start() throws Exception {
        dynamo = EmbeddedDynamo.start(null);
        sqs = EmbeddedSqs.start();
    }

    @AfterAll
    static void stop() {
        if (sqs != null) sqs.close();
        if (dynamo != null) dynamo.close();
    }

    record Apps(App worker, App enqueuer, InMemoryContentStore contents, EmbeddedSqs.Queues queues, ReplayWorkerHandler handler) {}

    static Apps apps(ReplayWorkerTest.FakeProvider provider) {
        String table = "ledger-" + UUID.randomUUID().toString().substring(0, 8);
        dynamo.ensureTable(table);
        EmbeddedSqs.Queues q = sqs.createQueues("replays-" + UUID.randomUUID().toString().substring(0, 8), 5, 30);
        App.Config config = new App.Config(table, TENANT, DecisionService.DEFAULT_MAX_CONTENT_BYTES);
        App.ReplayConfig rc = new App.ReplayConfig(q.queueUrl(), 5, 0, 60_000);
        InMemoryContentStore contents = new InMemoryContentStore();
        App worker = TestApps.create(dynamo.client(), sqs.client(), null, contents, config, rc, App.ReportConfig.defaults(),
                provider == null ? Map.of() : Map.of("openai", provider), Clock.systemUTC());
        App enqueuer = TestApps.create(dynamo.client(), sqs.client(), config, rc, Map.of(), Clock.systemUTC());
        return new Apps(worker, enqueuer, contents, q, new ReplayWorkerHandler(worker));
    }

    static DecisionRecord record(App app, String input, String output) {
        ObjectNode body = Json.object();
        body.put("service_name", "support-agent");
        body.put("decision_type", "summary");
        body.putObject("input").put("document", input);
        body.putObject("model").put("provider", "openai").put("name", "gpt-4");
        body.putObject("output").put("response", output);
        return app.decisions.record(TENANT, body, null).decision();
    }

    static ReplayRecord run(Apps a, String decisionId) {
        ReplayRecord replay = ReplayWorkerTest.createReplay(a.enqueuer(), decisionId);
        List<Message> messages = List.of();
        for (int i = 0; i < 20 && messages.isEmpty(); i++) {
            messages = sqs.client().receiveMessage(b -> b.queueUrl(a.queues().queueUrl()).maxNumberOfMessages(1)
                    .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
                    .messages();
        }
        SQSBatchResponse r = a.handler().handleRequest(QueuePoller.toEvent(messages), null);
        assertEquals(List.of(), r.getBatchItemFailures(), "the message is done with, not retried");
        return a.worker().replays.get(TENANT, replay.replayId());
    }

    @Test
    void aDecisionWithALargeInput_isQueuedWithoutReadingItsContent_andReplayedLiveWithIt() {
        ReplayWorkerTest.FakeProvider provider = new ReplayWorkerTest.FakeProvider();
        Apps a = apps(provider);
        String document = "d".repeat(400_000);
        DecisionRecord d = record(a.worker(), document, "Approved.");
        assertTrue(d.contentKey() != null);
        int gets = a.contents().gets.get();

        ReplayRecord done = run(a, d.decisionId());

        assertEquals(ReplayStatus.COMPLETED, done.status(), String.valueOf(done.error()));
        assertEquals("live", done.mode());
        assertEquals(1, provider.calls.get());
        assertEquals(gets + 1, a.contents().gets.get(), "only the worker read the content");
        assertTrue(a.worker().integrity.verify(TENANT, "support-agent").valid());
    }

    @Test
    void aReplayResultTooLargeToRecord_endsAsFailedWithTheReason() {
        Apps a = apps(null);
        DecisionRecord d = record(a.worker(), "short", "o".repeat(300_000));

        ReplayRecord done = run(a, d.decisionId()); // simulated: the recorded output with a changed response

        assertEquals(ReplayStatus.FAILED, done.status());
        assertTrue(done.error().contains("at most " + ReplayExecutor.MAX_RESULT_BYTES + " bytes"), done.error());
        assertNull(done.output());
        assertTrue(a.worker().integrity.verify(TENANT, "support-agent").valid());
    }

    @Test
    void aDecisionWhoseContentFailsItsCheck_isNotReplayed() {
        ReplayWorkerTest.FakeProvider provider = new ReplayWorkerTest.FakeProvider();
        Apps a = apps(provider);
        DecisionRecord d = record(a.worker(), "e".repeat(300_000), "Approved.");
        a.contents().overwrite(d.contentKey(), "{\"not\":\"it\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));

        ReplayRecord done = run(a, d.decisionId());

        assertEquals(ReplayStatus.FAILED, done.status());
        assertTrue(done.error().contains("cannot be read intact") && done.error().contains("no longer matches"),
                done.error());
        assertEquals(0, provider.calls.get());
    }
}

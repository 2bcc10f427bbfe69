package dev.loopgrid.local.replay;

import dev.loopgrid.local.TestApps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.queue.SqsWorkQueue;
import dev.loopgrid.aws.worker.ReplayWorkerHandler;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.replay.LlmProvider;
import dev.loopgrid.core.replay.ProviderException;
import dev.loopgrid.core.replay.ProviderRequest;
import dev.loopgrid.core.replay.ProviderResult;
import dev.loopgrid.core.replay.ReplayRecord;
import dev.loopgrid.core.replay.ReplayStatus;
import dev.loopgrid.local.EmbeddedDynamo;
import dev.loopgrid.local.EmbeddedSqs;
import dev.loopgrid.local.QueuePoller;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/** The replay worker against ElasticMQ (SQS) and DynamoDB Local, through the real AWS SDK. */
class ReplayWorkerTest {
    static final String TENANT = "local";
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

    /** A provider that counts calls and answers as told. */
    static final class FakeProvider implements LlmProvider {
        final AtomicInteger calls = new AtomicInteger();
        volatile RuntimeException failure;

        @Override
        public String name() {
            return "openai";
        }

        @Override
        public ProviderResult call(ProviderRequest request) {
            calls.incrementAndGet();
            if (failure != null) throw failure;
            return new ProviderResult("Refund issued for the double charge.", null, request.model(), "stop", 12L, 7L,
                    "fp_1", 5);
        }
    }

    record Setup(App app, EmbeddedSqs.Queues queues, ReplayWorkerHandler worker, String table) {}

    static Setup setup(FakeProvider provider, int maxReceives) {
        String table = "ledger-" + UUID.randomUUID().toString().substring(0, 8);
        dynamo.ensureTable(table);
        EmbeddedSqs.Queues q = sqs.createQueues("replays-" + UUID.randomUUID().toString().substring(0, 8), maxReceives, 30);
        App app = TestApps.create(dynamo.client(), sqs.client(),
                new App.Config(table, TENANT, DecisionService.DEFAULT_MAX_CONTENT_BYTES),
                new App.ReplayConfig(q.queueUrl(), maxReceives, 0, 60_000),
                provider == null ? Map.of() : Map.of("openai", provider), Clock.systemUTC());
        return new Setup(app, q, new ReplayWorkerHandler(app), table);
    }

    static String recordDecision(App app) {
        ObjectNode body = Json.object();
        body.put("service_name", "support-agent");
        body.put("decision_type", "customer_support_reply");
        body.putObject("input").put("message", "I was charged twice");
        body.putObject("model").put("provider", "openai").put("name", "gpt-4");
        body.putObject("output").put("response", "Your account looks fine.");
        return app.decisions.record(TENANT, body, null).decision().decisionId();
    }

    static ReplayRecord createReplay(App app, String decisionId) {
        ObjectNode body = Json.object();
        body.put("decision_id", decisionId);
        body.putObject("overrides").putObject("prompt").put("text", "Check billing first.");
        return app.replays.create(TENANT, body);
    }

    static List<Message> receive(String queueUrl, int atLeast) {
        List<Message> all = new ArrayList<>();
        for (int i = 0; i < 20 && all.size() < atLeast; i++) {
            all.addAll(sqs.client().receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages());
        }
        return all;
    }

    static SQSEvent event(List<Message> messages) {
        return QueuePoller.toEvent(messages);
    }

    static List<Entry> chain(App app) {
        ChainHead head = app.chains.readHead(new ChainKey(TENANT, "support-agent")).orElseThrow();
        List<Entry> out = new ArrayList<>();
        for (Iterator<Entry> it = app.chains.readEntries(new ChainKey(TENANT, "support-agent"), 1, head.sequence()); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    @Test
    void messageDeliveredTwice_runsOnce_andAppendsOneReplayEntry() {
        // given a replay whose message is duplicated on the queue
        FakeProvider provider = new FakeProvider();
        Setup s = setup(provider, 5);
        String decisionId = recordDecision(s.app());
        ReplayRecord replay = createReplay(s.app(), decisionId);
        sqs.client().sendMessage(b -> b.queueUrl(s.queues().queueUrl()).messageBody(SqsWorkQueue.body(TENANT, replay.replayId())));
        List<Message> both = receive(s.queues().queueUrl(), 2);
        assertEquals(2, both.size());

        // when the worker gets both in one batch, and then the same batch again (a redelivery)
        SQSBatchResponse first = s.worker().handleRequest(event(both), null);
        SQSBatchResponse again = s.worker().handleRequest(event(both), null);

        // then the provider ran once, the replay completed live, and exactly one replay entry was appended
        assertEquals(List.of(), first.getBatchItemFailures());
        assertEquals(List.of(), again.getBatchItemFailures());
        assertEquals(1, provider.calls.get());
        ReplayRecord done = s.app().replays.get(TENANT, replay.replayId());
        assertEquals(ReplayStatus.COMPLETED, done.status());
        assertEquals("live", done.mode());
        assertTrue(done.outputChanged());
        assertEquals(1, done.attempts());
        List<Entry> entries = chain(s.app());
        assertEquals(List.of(EntryType.DECISION, EntryType.REPLAY), entries.stream().map(Entry::type).toList());
        assertEquals(replay.replayId(), entries.get(1).id());
        assertEquals(entries.get(1).sequence(), done.entrySequence());
        assertEquals(entries.get(1).chainHash(), done.entryHash());
        assertTrue(s.app().integrity.verify(TENANT, "support-agent").valid());
    }

    @Test
    void batchWithOneBadMessage_reportsOnlyThatOneAsFailed() {
        // given two good replays (simulated: no provider configured) and one message that is not ours
        Setup s = setup(null, 5);
        String decisionId = recordDecision(s.app());
        createReplay(s.app(), decisionId);
        createReplay(s.app(), decisionId);
        sqs.client().sendMessage(b -> b.queueUrl(s.queues().queueUrl()).messageBody("{not json"));
        List<Message> messages = receive(s.queues().queueUrl(), 3);
        assertEquals(3, messages.size());
        String bad = messages.stream().filter(m -> m.body().startsWith("{not")).findFirst().orElseThrow().messageId();

        // when
        SQSBatchResponse r = s.worker().handleRequest(event(messages), null);

        // then
        assertEquals(List.of(bad), r.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList());
        List<Entry> entries = chain(s.app());
        assertEquals(3, entries.size(), "decision + two replay entries");
        for (Entry e : entries.subList(1, 3)) {
            ReplayRecord rr = s.app().replays.get(TENANT, e.id());
            assertEquals(ReplayStatus.COMPLETED, rr.status());
            assertEquals("simulated", rr.mode());
            assertTrue(Json.parseStored(rr.output()).get("response").textValue().startsWith("[simulated]"));
        }
    }

    @Test
    @SuppressWarnings("try") // the poller works the queue while the try block waits on the dead-letter queue
    void poisonMessages_landInTheDeadLetterQueue_andTheReplayIsMarkedFailed() throws Exception {
        // given a provider that always fails with a retryable error, a receive limit of 3, and a garbage message
        FakeProvider provider = new FakeProvider();
        provider.failure = new ProviderException("provider answered 500", true, 500, null);
        Setup s = setup(provider, 3);
        String decisionId = recordDecision(s.app());
        ReplayRecord replay = createReplay(s.app(), decisionId);
        sqs.client().sendMessage(b -> b.queueUrl(s.queues().queueUrl()).messageBody("garbage"));

        // when the local poller (what Lambda's event source mapping does in AWS) works the queue
        List<Message> dead = new ArrayList<>();
        try (QueuePoller poller = new QueuePoller(sqs.client(), s.queues().queueUrl(), s.worker(), 1)) {
            for (int i = 0; i < 40 && dead.size() < 2; i++) {
                dead.addAll(sqs.client().receiveMessage(b -> b.queueUrl(s.queues().deadLetterUrl())
                        .maxNumberOfMessages(10).waitTimeSeconds(1)).messages());
            }
        }

        // then both messages reached the DLQ after 3 receives; the replay failed with a clear error, once recorded
        assertEquals(2, dead.size(), "both messages in the dead-letter queue");
        assertTrue(dead.stream().anyMatch(m -> m.body().equals("garbage")));
        assertEquals(3, provider.calls.get(), "one provider call per receive");
        ReplayRecord failed = s.app().replays.get(TENANT, replay.replayId());
        assertEquals(ReplayStatus.FAILED, failed.status());
        assertEquals("error", failed.mode());
        assertTrue(failed.error().contains("gave up after 3 attempts") && failed.error().contains("500"), failed.error());
        List<Entry> entries = chain(s.app());
        assertEquals(List.of(EntryType.DECISION, EntryType.REPLAY), entries.stream().map(Entry::type).toList());
        assertFalse(Json.parseStored(entries.get(1).content()).get("error").isNull());
    }

    @Test
    void nonRetryableProviderFailure_failsAtOnce_withoutTheDeadLetterQueue() {
        FakeProvider provider = new FakeProvider();
        provider.failure = new ProviderException("openai answered 400: model not found", false, 400, null);
        Setup s = setup(provider, 5);
        ReplayRecord replay = createReplay(s.app(), recordDecision(s.app()));
        List<Message> messages = receive(s.queues().queueUrl(), 1);

        SQSBatchResponse r = s.worker().handleRequest(event(messages), null);

        assertEquals(List.of(), r.getBatchItemFailures());
        ReplayRecord failed = s.app().replays.get(TENANT, replay.replayId());
        assertEquals(ReplayStatus.FAILED, failed.status());
        assertEquals("openai answered 400: model not found", failed.error());
        assertEquals(1, provider.calls.get());
    }
}

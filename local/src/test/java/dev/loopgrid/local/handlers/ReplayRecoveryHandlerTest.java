package dev.loopgrid.local.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.App;
import dev.loopgrid.aws.handlers.CreateReplayHandler;
import dev.loopgrid.aws.handlers.RecordDecisionHandler;
import dev.loopgrid.aws.queue.SqsWorkQueue;
import dev.loopgrid.aws.worker.ReplayRecoveryHandler;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.local.EmbeddedSqs;
import dev.loopgrid.local.TestApps;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduled replay recovery over DynamoDB Local and ElasticMQ: a replay older than the grace whose message is gone
 * is queued again; one running under a live lease is left alone (on AWS other workers may hold it); a young one waits.
 */
class ReplayRecoveryHandlerTest extends HandlerTestSupport {
    static EmbeddedSqs sqs;
    EmbeddedSqs.Queues queues;
    App app;

    @BeforeAll
    static void startSqs() {
        sqs = EmbeddedSqs.start();
    }

    @AfterAll
    static void stopSqs() {
        if (sqs != null) sqs.close();
    }

    @BeforeEach
    void app() {
        queues = sqs.createQueues("recovery-" + UUID.randomUUID().toString().substring(0, 8), 3, 30);
        app = appAt(Clock.systemUTC());
    }

    private App appAt(Clock clock) {
        return TestApps.create(dynamo.client(), sqs.client(),
                new App.Config(TABLE, "local", DecisionService.DEFAULT_MAX_CONTENT_BYTES),
                new App.ReplayConfig(queues.queueUrl(), 3, 0, 60_000), Map.of(), clock);
    }

    /** A pending replay whose message was lost (received and deleted, as if the send had never happened). */
    private String strandedReplay() {
        String decision = body(invoke(new RecordDecisionHandler(app), load("record-decision.json"))).get("decision_id").asText();
        var create = load("create-replay.json");
        var b = (com.fasterxml.jackson.databind.node.ObjectNode) Json.parse(create.getBody());
        b.put("decision_id", decision);
        String replayId = body(invoke(new CreateReplayHandler(app), create.withBody(Json.write(b)))).get("replay_id").asText();
        assertTrue(queuedReplays().contains(replayId));
        return replayId;
    }

    /** Receives (and deletes) every message of the queue: the replay ids. */
    private List<String> queuedReplays() {
        List<String> out = new ArrayList<>();
        while (true) {
            var messages = sqs.client().receiveMessage(r -> r.queueUrl(queues.queueUrl()).maxNumberOfMessages(10)
                    .waitTimeSeconds(1)).messages();
            if (messages.isEmpty()) return out;
            for (var m : messages) {
                out.add(SqsWorkQueue.parse(m.body())[1]);
                sqs.client().deleteMessage(d -> d.queueUrl(queues.queueUrl()).receiptHandle(m.receiptHandle()));
            }
        }
    }

    private static Map<String, Object> sweep(App at) {
        return new ReplayRecoveryHandler(at).handleRequest(Map.of(), null);
    }

    @Test
    void strandedReplay_isQueuedAgain_onceOlderThanTheGrace() {
        String replayId = strandedReplay();

        // within the grace: its message may still be in flight
        Map<String, Object> young = sweep(app);
        assertEquals(true, young.get("complete"));
        assertFalse(queuedReplays().contains(replayId), "queued again within the grace");

        // past it: queued again
        Map<String, Object> later = sweep(appAt(Clock.offset(Clock.systemUTC(),
                Duration.ofSeconds(ReplayRecoveryHandler.GRACE_SECONDS + 60))));
        assertEquals(true, later.get("complete"));
        assertTrue((Integer) later.get("requeued") >= 1, String.valueOf(later));
        assertTrue(queuedReplays().contains(replayId));
        assertEquals("pending", app.replays.get("local", replayId).status().wire());
    }

    @Test
    void runningReplayUnderALiveLease_isLeftAlone() {
        String replayId = strandedReplay();
        long now = System.currentTimeMillis();
        Duration past = Duration.ofSeconds(ReplayRecoveryHandler.GRACE_SECONDS + 60);
        assertTrue(app.replayStore.claim("local", replayId, now, now + past.toMillis() + 3_600_000).isPresent());

        Map<String, Object> r = sweep(appAt(Clock.offset(Clock.systemUTC(), past)));

        assertEquals(true, r.get("complete"));
        assertTrue((Integer) r.get("leased") >= 1, String.valueOf(r));
        assertFalse(queuedReplays().contains(replayId), "a live lease is not released on AWS");
        assertEquals("running", app.replays.get("local", replayId).status().wire());
    }

    @Test
    void withoutAReplayQueue_theHandlerRefusesToStart() {
        App noQueue = TestApps.create(dynamo.client(), sqs.client(),
                new App.Config(TABLE, "local", DecisionService.DEFAULT_MAX_CONTENT_BYTES),
                App.ReplayConfig.none(), Map.of(), Clock.systemUTC());
        assertThrows(IllegalStateException.class, () -> new ReplayRecoveryHandler(noQueue));
    }
}

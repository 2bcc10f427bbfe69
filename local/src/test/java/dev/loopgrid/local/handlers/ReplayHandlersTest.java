package dev.loopgrid.local.handlers;

import dev.loopgrid.local.TestApps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.handlers.CompareReplayHandler;
import dev.loopgrid.aws.handlers.CreateReplayHandler;
import dev.loopgrid.aws.handlers.GetReplayHandler;
import dev.loopgrid.aws.handlers.RecordDecisionHandler;
import dev.loopgrid.aws.queue.SqsWorkQueue;
import dev.loopgrid.aws.worker.ReplayWorkerHandler;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.EmbeddedSqs;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The replay events of {@code events/} through the replay handlers and the worker, over DynamoDB Local and ElasticMQ. */
class ReplayHandlersTest extends HandlerTestSupport {
    static final String PLACEHOLDER_REPLAY = "rep_Q2hS7pXv4LmN9tRw3KcY8b";
    static EmbeddedSqs sqs;
    App replayApp;
    EmbeddedSqs.Queues queues;

    @BeforeAll
    static void startSqs() {
        sqs = EmbeddedSqs.start();
    }

    @AfterAll
    static void stopSqs() {
        if (sqs != null) sqs.close();
    }

    @BeforeEach
    void replayApp() {
        queues = sqs.createQueues("handler-replays-" + UUID.randomUUID().toString().substring(0, 8), 3, 30);
        replayApp = TestApps.create(dynamo.client(), sqs.client(),
                new App.Config(TABLE, "local", DecisionService.DEFAULT_MAX_CONTENT_BYTES),
                new App.ReplayConfig(queues.queueUrl(), 3, 0, 60_000), Map.of(), Clock.systemUTC());
    }

    private String recordDecision() {
        return body(invoke(new RecordDecisionHandler(replayApp), load("record-decision.json"))).get("decision_id").asText();
    }

    private static APIGatewayProxyRequestEvent withBodyDecision(APIGatewayProxyRequestEvent e, String id) {
        ObjectNode b = (ObjectNode) Json.parse(e.getBody());
        b.put("decision_id", id);
        return e.withBody(Json.write(b));
    }

    private static APIGatewayProxyRequestEvent withIds(APIGatewayProxyRequestEvent e, String decisionId, String replayId) {
        Map<String, String> p = new HashMap<>(e.getPathParameters());
        if (p.containsKey("decision_id")) p.put("decision_id", decisionId);
        if (p.containsKey("replay_id")) p.put("replay_id", replayId);
        return e.withPathParameters(p);
    }

    @Test
    void createReplayEvent_isAccepted_andQueued_thenTheWorkerFinishesIt() {
        String id = recordDecision();
        APIGatewayProxyResponseEvent r = invoke(new CreateReplayHandler(replayApp), withBodyDecision(load("create-replay.json"), id));
        assertEquals(202, r.getStatusCode(), r.getBody());
        JsonNode replay = body(r);
        assertEquals("pending", replay.get("execution_status").asText());
        assertEquals("console", replay.get("triggered_by").asText());
        assertEquals("/v1/replays/" + replay.get("replay_id").asText(), r.getHeaders().get("Location"));

        // the queued message, delivered as Lambda would
        var messages = sqs.client().receiveMessage(b -> b.queueUrl(queues.queueUrl()).waitTimeSeconds(2)).messages();
        assertEquals(1, messages.size());
        SQSEvent event = new SQSEvent();
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId(messages.get(0).messageId());
        m.setBody(messages.get(0).body());
        m.setAttributes(Map.of("ApproximateReceiveCount", "1"));
        event.setRecords(List.of(m));
        assertEquals(List.of(), new ReplayWorkerHandler(replayApp).handleRequest(event, null).getBatchItemFailures());

        String replayId = replay.get("replay_id").asText();
        JsonNode done = body(invoke(new GetReplayHandler(replayApp), withIds(load("get-replay.json"), id, replayId)));
        assertEquals("completed", done.get("execution_status").asText());
        assertEquals("simulated", done.get("execution_mode").asText());
        assertTrue(done.get("output_changed").asBoolean());
        JsonNode cmp = body(invoke(new CompareReplayHandler(replayApp), withIds(load("compare-replay.json"), id, replayId)));
        assertEquals(id, cmp.get("decision_id").asText());
        assertTrue(cmp.get("diff").size() > 0);
    }

    @Test
    void triggeredBy_isApi_unlessTheBodyOrTheClientHeaderSaysOtherwise() {
        // given a decision and the sample event without its triggered_by
        String id = recordDecision();
        APIGatewayProxyRequestEvent plain = withBodyDecision(load("create-replay.json"), id);
        ObjectNode b = (ObjectNode) Json.parse(plain.getBody());
        b.remove("triggered_by");
        plain.setBody(Json.write(b));
        CreateReplayHandler handler = new CreateReplayHandler(replayApp);

        // then: a bare API call is "api", an SDK's header names the SDK, the body's member wins over both
        assertEquals("api", body(invoke(handler, plain)).get("triggered_by").asText());
        assertEquals("sdk-python/0.2.0", body(invoke(handler, withHeader(plain, "x-loopgrid-client", "sdk-python/0.2.0")))
                .get("triggered_by").asText());
        assertEquals("console", body(invoke(handler, withHeader(withBodyDecision(load("create-replay.json"), id),
                "X-LoopGrid-Client", "sdk-js/0.2.0"))).get("triggered_by").asText());
        // and a header that is no client name is refused before anything is stored
        assertError(invoke(handler, withHeader(plain, "X-LoopGrid-Client", "two words")), 400, "invalid_header");
        assertError(invoke(handler, withHeader(plain, "X-LoopGrid-Client", "x".repeat(101))), 400, "invalid_header");
    }

    private static APIGatewayProxyRequestEvent withHeader(APIGatewayProxyRequestEvent e, String name, String value) {
        Map<String, String> h = new HashMap<>(e.getHeaders());
        h.put(name, value);
        return new APIGatewayProxyRequestEvent().withHttpMethod(e.getHttpMethod()).withPath(e.getPath())
                .withResource(e.getResource()).withHeaders(h).withBody(e.getBody())
                .withRequestContext(e.getRequestContext()).withQueryStringParameters(e.getQueryStringParameters());
    }

    @Test
    void invalidAndUnknownReplayEvents_answerWithDetail() {
        assertError(invoke(new CreateReplayHandler(replayApp), load("create-replay-invalid.json")), 422, "validation_failed");
        assertError(invoke(new GetReplayHandler(replayApp), load("get-replay-unknown.json")), 404, "replay_not_found");
        assertError(invoke(new CompareReplayHandler(replayApp), load("compare-replay.json")), 404, "decision_not_found");
        assertError(invoke(new CreateReplayHandler(replayApp), withBodyDecision(load("create-replay.json"), PLACEHOLDER_ID)),
                404, "decision_not_found");
    }

    @Test
    void sqsBatchEvent_reportsOnlyTheForeignMessageAsFailed() {
        // given the sample batch, its replay message pointing at a real pending replay
        String id = recordDecision();
        String replayId = body(invoke(new CreateReplayHandler(replayApp), withBodyDecision(load("create-replay.json"), id)))
                .get("replay_id").asText();
        SQSEvent event = EventLoader.loadSQSEvent("../events/sqs-replay-batch.json");
        event.getRecords().get(0).setBody(event.getRecords().get(0).getBody().replace(PLACEHOLDER_REPLAY, replayId));
        for (SQSEvent.SQSMessage m : event.getRecords()) m.setReceiptHandle(null); // not from this queue

        // when
        SQSBatchResponse r = new ReplayWorkerHandler(replayApp).handleRequest(event, null);

        // then
        assertEquals(List.of("5d1f2b3c-8e9a-4b7c-a6d5-e4f3a2b1c0d9"),
                r.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList());
        assertEquals("completed", replayApp.replays.get("local", replayId).status().wire());
        assertEquals(SqsWorkQueue.body("local", PLACEHOLDER_REPLAY),
                EventLoader.loadSQSEvent("../events/sqs-replay-batch.json").getRecords().get(0).getBody());
    }
}

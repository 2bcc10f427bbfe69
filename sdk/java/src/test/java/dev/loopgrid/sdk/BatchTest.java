package dev.loopgrid.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.sdk.FakeServer.Respond;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** recordDecisions and the background Batcher, against scripted servers. */
class BatchTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String DECISION_JSON = LoopGridResilienceTest.DECISION_JSON;

    final List<String> logs = new CopyOnWriteArrayList<>();
    final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            Object[] p = r.getParameters();
            logs.add(p == null ? r.getMessage() : java.text.MessageFormat.format(r.getMessage(), p));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void captureLogs() {
        Logger.getLogger("loopgrid").addHandler(handler);
    }

    @AfterEach
    void releaseLogs() {
        Logger.getLogger("loopgrid").removeHandler(handler);
    }

    /** True when System.Logger goes to java.util.logging (the JDK's default), where {@link #handler} sees it. */
    static boolean julBacked() {
        return System.LoggerFinder.getLoggerFinder().getClass().getName().startsWith("sun.util.logging");
    }

    void assertLogged(String text) {
        if (julBacked()) assertTrue(logs.stream().anyMatch(l -> l.contains(text)), logs.toString());
    }

    static LoopGrid client(String url) {
        return LoopGrid.builder().baseUrl(url).serviceName("s").timeout(Duration.ofSeconds(5))
                .retryDelay(Duration.ofMillis(10)).maxRetryDelay(Duration.ofMillis(50)).build();
    }

    static NewDecision decision(int i) {
        return NewDecision.builder("t").input(Map.of("i", i)).model("openai", "gpt-4").output(Map.of()).build();
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<JsonNode> items(FakeServer.Request r) {
        List<JsonNode> out = new ArrayList<>();
        json(r.body()).get("decisions").forEach(out::add);
        return out;
    }

    static List<JsonNode> sent(FakeServer s) {
        List<JsonNode> out = new ArrayList<>();
        for (FakeServer.Request r : s.requests) out.addAll(items(r));
        return out;
    }

    static List<Integer> sizes(FakeServer s) {
        List<Integer> out = new ArrayList<>();
        for (FakeServer.Request r : s.requests) out.add(items(r).size());
        return out;
    }

    /** Answers every item 201 with a decision named after its input. */
    static FakeServer.Action batchOk(FakeServer.Request r) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode results = body.putArray("results");
        for (JsonNode item : items(r)) {
            ObjectNode d = (ObjectNode) json(DECISION_JSON);
            d.put("status", 201);
            d.put("decision_id", "dec_" + item.path("input").path("i").asInt());
            results.add(d);
        }
        return Respond.json(200, body.toString());
    }

    static void until(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(5);
    }

    // ---------------------------------------------------------------- recordDecisions

    @Test
    void recordDecisions_mapsTheResultsInOrder_withARejectedItem() throws Exception {
        // given a server that records the first, rejects the second and recognises the third as a retry
        String answer = "{\"results\": ["
                + DECISION_JSON.replace("\"status\": \"recorded\"", "\"status\": 201").replace("dec_1", "dec_a") + ", "
                + "{\"status\": 422, \"code\": \"validation_error\", \"detail\": \"output is required\","
                + " \"errors\": [{\"field\": \"output\", \"message\": \"required\"}]}, "
                + DECISION_JSON.replace("\"status\": \"recorded\"", "\"status\": 200").replace("dec_1", "dec_c") + "]}";
        try (FakeServer s = new FakeServer(r -> Respond.json(200, answer))) {
            // when
            List<DecisionResult> results = client(s.url()).recordDecisions(List.of(decision(1), decision(2),
                    NewDecision.builder("t").input(Map.of()).model("openai", "gpt-4").output(Map.of())
                            .idempotencyKey("k3").build()));

            // then
            assertEquals(List.of(201, 422, 200), results.stream().map(DecisionResult::status).toList());
            assertEquals(List.of(true, false, true), results.stream().map(DecisionResult::ok).toList());
            assertEquals("dec_a", results.get(0).decision().decisionId());
            assertNull(results.get(1).decision());
            assertEquals("validation_error", results.get(1).code());
            assertEquals("output is required", results.get(1).detail());
            assertEquals("output", results.get(1).errors().get(0).field());
            assertEquals("dec_c", results.get(2).decision().decisionId());
            FakeServer.Request r = s.requests.get(0);
            assertEquals(1, s.requests.size());
            assertEquals("POST", r.method());
            assertEquals("/v1/decisions/batch", r.target());
            assertEquals(LoopGrid.CLIENT, r.header("X-LoopGrid-Client"));
            List<JsonNode> items = items(r);
            for (JsonNode item : items) assertEquals("s", item.get("service_name").asText());
            assertEquals("k3", items.get(2).get("idempotency_key").asText());
            assertEquals(3, new HashSet<>(items.stream().map(i -> i.get("idempotency_key").asText()).toList()).size());
            assertEquals(items.stream().map(i -> i.get("idempotency_key").asText()).toList(),
                    results.stream().map(DecisionResult::idempotencyKey).toList());
        }
    }

    @Test
    void recordDecisions_takesADecisionWhoseOwnStatusOverwroteTheItemStatus_asRecorded() throws Exception {
        try (FakeServer s = new FakeServer(r -> Respond.json(200, "{\"results\": [" + DECISION_JSON + "]}"))) {
            DecisionResult r = client(s.url()).recordDecisions(List.of(decision(1))).get(0);
            assertTrue(r.ok());
            assertEquals("recorded", r.decision().status());
        }
    }

    @Test
    void recordDecisions_splitsLongListsIntoRequestsOf100() throws Exception {
        try (FakeServer s = new FakeServer(BatchTest::batchOk)) {
            List<NewDecision> list = new ArrayList<>();
            for (int i = 0; i < 250; i++) list.add(decision(i));
            List<DecisionResult> results = client(s.url()).recordDecisions(list);
            assertEquals(250, results.size());
            for (int i = 0; i < 250; i++) assertEquals("dec_" + i, results.get(i).decision().decisionId());
            assertEquals(List.of(100, 100, 50), sizes(s));
        }
    }

    @Test
    void recordDecisions_throwsOnAnErrorOfTheWholeRequest() throws Exception {
        try (FakeServer s = new FakeServer(r -> Respond.json(413, "{\"detail\": \"too large\", \"code\": \"payload_too_large\"}"))) {
            LoopGridApiException e = assertThrows(LoopGridApiException.class,
                    () -> client(s.url()).recordDecisions(List.of(decision(1))));
            assertEquals(413, e.status());
        }
    }

    // ---------------------------------------------------------------- Batcher

    @Test
    void batcher_flushesBySize_thenTheRestOnClose() throws Exception {
        try (FakeServer s = new FakeServer(BatchTest::batchOk)) {
            Batcher b = client(s.url()).batcherBuilder().maxBatch(10).flushInterval(Duration.ofMinutes(1)).build();
            for (int i = 0; i < 25; i++) assertTrue(b.record(decision(i)));
            until(() -> b.recorded() >= 20);
            assertEquals(20, b.recorded());
            assertEquals(5, b.pending());
            assertEquals(List.of(10, 10), sizes(s));
            assertTrue(b.close(Duration.ofSeconds(5)));
            assertEquals(25, b.recorded());
            List<Integer> inputs = sent(s).stream().map(d -> d.get("input").get("i").asInt()).toList();
            for (int i = 0; i < 25; i++) assertEquals(i, inputs.get(i));
        }
    }

    @Test
    void batcher_flushesByInterval() throws Exception {
        try (FakeServer s = new FakeServer(BatchTest::batchOk);
             Batcher b = client(s.url()).batcherBuilder().flushInterval(Duration.ofMillis(50)).build()) {
            b.record(NewDecision.builder("t").input(Map.of("i", 1)).model("openai", "gpt-4").output(Map.of())
                    .metadata(Map.of("m", 1)).subjectId("u1").serviceName("other").build());
            until(() -> b.recorded() >= 1);
            assertEquals(1, b.recorded());
            JsonNode item = sent(s).get(0);
            assertEquals("other", item.get("service_name").asText());
            assertEquals("u1", item.get("subject_id").asText());
            assertEquals(1, item.get("metadata").get("m").asInt());
            assertFalse(item.get("idempotency_key").asText().isEmpty());
            assertFalse(item.has("prompt"));
        }
    }

    @Test
    void batcher_flushAndCloseSendWhatIsQueued_andAClosedBatcherDrops() throws Exception {
        try (FakeServer s = new FakeServer(BatchTest::batchOk)) {
            Batcher b = client(s.url()).batcherBuilder().flushInterval(Duration.ofMinutes(1)).build();
            b.record(decision(1));
            assertTrue(b.flush(Duration.ofSeconds(5)));
            assertEquals(1, b.recorded());
            b.record(decision(2));
            b.close();
            assertEquals(2, b.recorded());
            assertEquals(0, b.pending());
            assertFalse(b.record(decision(3)));
            assertFalse(b.record(decision(4)));
            assertEquals(2, b.dropped());
            if (julBacked()) assertEquals(1, logs.stream().filter(l -> l.contains("closed")).count(), logs.toString());
            assertEquals(List.of(1, 2), sent(s).stream().map(d -> d.get("input").get("i").asInt()).toList());
        }
    }

    @Test
    void batcher_dropsAndCountsOnAFullQueue_withoutBlocking() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (FakeServer s = new FakeServer(r -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return batchOk(r);
        })) {
            Batcher b = client(s.url()).batcherBuilder().maxBatch(1).maxQueue(3).flushInterval(Duration.ofMinutes(1))
                    .build();
            b.record(decision(0));
            until(() -> s.requests.size() == 1); // the thread is stuck sending item 0
            long started = System.nanoTime();
            List<Boolean> accepted = new ArrayList<>();
            for (int i = 1; i <= 10; i++) accepted.add(b.record(decision(i)));
            assertTrue(System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(500));
            assertEquals(List.of(true, true, true, false, false, false, false, false, false, false), accepted);
            assertEquals(7, b.dropped());
            release.countDown();
            assertTrue(b.close(Duration.ofSeconds(5)));
            assertEquals(4, b.recorded());
            assertLogged("7 decisions dropped");
        }
    }

    @Test
    void batcher_retriesA503_withTheSameIdempotencyKeys() throws Exception {
        AtomicInteger n = new AtomicInteger();
        try (FakeServer s = new FakeServer(r -> n.incrementAndGet() == 1
                ? Respond.json(503, "{\"detail\": \"busy\", \"code\": \"conflict_retry_exhausted\"}") : batchOk(r))) {
            Batcher b = client(s.url()).batcherBuilder().flushInterval(Duration.ofMinutes(1))
                    .retryDelay(Duration.ofMillis(10)).build();
            for (int i = 0; i < 3; i++) b.record(decision(i));
            assertTrue(b.close(Duration.ofSeconds(5)));
            assertEquals(List.of(3L, 0L, 0L), List.of(b.recorded(), b.failed(), b.dropped()));
            assertEquals(2, s.requests.size());
            List<String> first = items(s.requests.get(0)).stream().map(d -> d.get("idempotency_key").asText()).toList();
            List<String> second = items(s.requests.get(1)).stream().map(d -> d.get("idempotency_key").asText()).toList();
            assertEquals(first, second);
            assertEquals(3, new HashSet<>(first).size());
        }
    }

    @Test
    void batcher_resendsTransientItems_andCountsRejectedOnesAsFailed() throws Exception {
        List<List<Integer>> calls = new CopyOnWriteArrayList<>();
        try (FakeServer s = new FakeServer(r -> {
            List<Integer> is = items(r).stream().map(d -> d.get("input").get("i").asInt()).toList();
            calls.add(is);
            StringBuilder out = new StringBuilder("{\"results\": [");
            for (int k = 0; k < is.size(); k++) {
                if (k > 0) out.append(", ");
                int i = is.get(k);
                if (i == 1) out.append("{\"status\": 422, \"code\": \"validation_error\", \"detail\": \"bad\"}");
                else if (i == 2 && calls.size() == 1) out.append("{\"status\": 503, \"code\": \"conflict_retry_exhausted\", \"detail\": \"busy\"}");
                else out.append(DECISION_JSON.replace("\"status\": \"recorded\"", "\"status\": 201"));
            }
            return Respond.json(200, out.append("]}").toString());
        })) {
            Batcher b = client(s.url()).batcherBuilder().flushInterval(Duration.ofMinutes(1))
                    .retryDelay(Duration.ofMillis(10)).build();
            for (int i = 0; i < 3; i++) b.record(decision(i));
            assertTrue(b.close(Duration.ofSeconds(5)));
            assertEquals(List.of(List.of(0, 1, 2), List.of(2)), calls);
            assertEquals(2, b.recorded());
            assertEquals(1, b.failed());
            assertLogged("422 validation_error bad");
        }
    }

    @Test
    void batcher_neverThrowsIntoRecord_whenTheServerFails() throws Exception {
        try (FakeServer s = new FakeServer(r -> Respond.json(500, "{\"detail\": \"boom\"}"))) {
            Batcher b = client(s.url()).batcherBuilder().maxBatch(2).flushInterval(Duration.ofMillis(20)).maxRetries(1)
                    .retryDelay(Duration.ofMillis(10)).build();
            for (int i = 0; i < 4; i++) assertTrue(b.record(decision(i)));
            // not JSON: counted as failed, not thrown
            assertFalse(b.record(NewDecision.builder("t").input(new Object()).model("openai", "gpt-4").output(Map.of()).build()));
            assertTrue(b.close(Duration.ofSeconds(5)));
            assertEquals(0, b.recorded());
            assertEquals(5, b.failed());
            assertEquals(4, s.requests.size()); // two batches, each tried twice
            assertLogged("not recorded after 2 attempts");
        }
    }

    @Test
    void batcher_neverThrowsIntoRecord_whenTheServerIsUnreachable() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Batcher b = client("http://127.0.0.1:" + port).batcherBuilder().flushInterval(Duration.ofMillis(20))
                .maxRetries(1).retryDelay(Duration.ofMillis(10)).build();
        assertTrue(b.record(decision(1)));
        assertTrue(b.close(Duration.ofSeconds(5)));
        assertEquals(1, b.failed());
        assertLogged("not recorded after 2 attempts");
    }

    @Test
    void batcher_checksItsOptions() {
        LoopGrid grid = LoopGrid.builder().build();
        assertThrows(IllegalArgumentException.class, () -> grid.batcherBuilder().maxBatch(0));
        assertThrows(IllegalArgumentException.class, () -> grid.batcherBuilder().maxBatch(101));
        assertThrows(IllegalArgumentException.class, () -> grid.batcherBuilder().flushInterval(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> grid.batcherBuilder().maxQueue(0));
        try (Batcher b = grid.batcher()) {
            assertNotNull(b.toString());
        }
    }
}

package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.local.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/decisions/batch} through the local stack: per-item answers in order, idempotency, concurrency. */
class BatchIngestionTest {
    private Main.Running stack;
    private HttpTestClient http;

    @BeforeEach
    void start() throws Exception {
        stack = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0"}),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        http = new HttpTestClient(stack.url());
    }

    @AfterEach
    void stop() {
        if (stack != null) stack.close();
    }

    private static String decision(String service, String text, String key) {
        return "{\"service_name\":\"" + service + "\",\"decision_type\":\"refund\","
                + (key == null ? "" : "\"idempotency_key\":\"" + key + "\",")
                + "\"input\":{\"q\":\"" + text + "\"},\"model\":{\"provider\":\"openai\",\"name\":\"gpt-4\"},"
                + "\"output\":{\"a\":\"" + text + "\"}}";
    }

    @Test
    void everyItemIsAnsweredInOrder_asItWouldBeAlone() {
        String single = http.post("/v1/decisions", decision("svc-a", "first", null), "Idempotency-Key", "k-0")
                .ok(201).get("decision_id").asText();
        String body = "{\"decisions\":[" + String.join(",", List.of(
                decision("svc-a", "one", null),
                decision("svc-b", "two", null),
                "{\"service_name\":\"svc-a\",\"decision_type\":\"refund\",\"input\":{},\"output\":{}}",
                decision("svc-a", "first", "k-0"),
                decision("svc-a", "other body", "k-0"),
                decision("svc-a", "three", "k-3"),
                decision("svc-a", "three", "k-3"),
                "42")) + "]}";
        JsonNode results = http.post("/v1/decisions/batch", body).ok(200).get("results");
        assertEquals(8, results.size());
        assertEquals(201, results.get(0).get("status").asInt());
        assertEquals("one", results.get(0).at("/input/q").asText());
        assertEquals(201, results.get(1).get("status").asInt());
        assertEquals("svc-b", results.get(1).get("service_name").asText());
        assertEquals(422, results.get(2).get("status").asInt());
        assertEquals("validation_failed", results.get(2).get("code").asText());
        assertTrue(results.get(2).get("errors").findValuesAsText("field").contains("model"), results.get(2).toString());
        assertEquals(200, results.get(3).get("status").asInt(), "a retry of an earlier key answers the original");
        assertEquals(single, results.get(3).get("decision_id").asText());
        assertEquals(409, results.get(4).get("status").asInt());
        assertEquals("idempotency_key_reused", results.get(4).get("code").asText());
        assertEquals(201, results.get(5).get("status").asInt());
        assertEquals(200, results.get(6).get("status").asInt(), "the same key twice in one batch records once");
        assertEquals(results.get(5).get("decision_id").asText(), results.get(6).get("decision_id").asText());
        assertEquals(422, results.get(7).get("status").asInt());
        // the items of one chain keep their request order: one, then three
        assertTrue(results.get(5).get("sequence").asLong() > results.get(0).get("sequence").asLong());
        assertTrue(http.get("/v1/integrity/verify").ok(200).at("/integrity/valid").asBoolean());
    }

    @Test
    void malformedOrOversizedBatches_areRefusedWhole() {
        http.post("/v1/decisions/batch", "{\"decisions\":[]}").error(422, "validation_failed");
        http.post("/v1/decisions/batch", "{\"items\":[]}").error(422, "validation_failed");
        StringBuilder many = new StringBuilder("{\"decisions\":[");
        for (int i = 0; i < 101; i++) many.append(i == 0 ? "" : ",").append(decision("svc", "x" + i, null));
        http.post("/v1/decisions/batch", many.append("]}").toString()).error(422, "validation_failed");
        String big = "x".repeat(1_400_000);
        StringBuilder huge = new StringBuilder("{\"decisions\":[");
        for (int i = 0; i < 4; i++) huge.append(i == 0 ? "" : ",").append(decision("svc", big + i, null));
        http.post("/v1/decisions/batch", huge.append("]}").toString()).error(413, "payload_too_large");
        assertEquals(0, http.get("/v1/decisions?service_name=svc").ok(200).get("total").asInt(), "nothing recorded");
    }

    @Test
    void concurrentBatchesToOneChain_leaveNoGapForkOrDuplicate() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<JsonNode>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            fs.add(pool.submit(() -> {
                StringBuilder b = new StringBuilder("{\"decisions\":[");
                for (int i = 0; i < 50; i++) b.append(i == 0 ? "" : ",").append(decision("hot", thread + "-" + i, null));
                return http.post("/v1/decisions/batch", b.append("]}").toString()).ok(200).get("results");
            }));
        }
        Set<Long> sequences = new HashSet<>();
        for (Future<JsonNode> f : fs) {
            for (JsonNode r : f.get()) {
                assertEquals(201, r.get("status").asInt(), r.toString());
                assertTrue(sequences.add(r.get("sequence").asLong()), "a sequence twice: " + r);
            }
        }
        pool.shutdown();
        assertEquals(400, sequences.size());
        for (long s = 1; s <= 400; s++) assertTrue(sequences.contains(s), "gap at " + s);
        assertTrue(http.get("/v1/integrity/verify").ok(200).at("/integrity/valid").asBoolean());
    }
}

package dev.loopgrid.local.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.bench.CrashBench;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays survive a crash of the local stack: the real {@code Main serve --data-dir} in a child JVM is killed with
 * SIGKILL while most of its replays are pending or running (a slow fake OpenAI answers in 1 s), started again on the
 * same data directory, and every replay reaches a terminal state with exactly one {@code replay} entry in the ledger.
 */
class ReplayRecoveryCrashTest {
    private static final int REPLAYS = 30;
    private static final String SERVICE = "recovery";
    /** C1 only and the serial collector: the child starts sooner, and speed does not matter here. */
    private static final List<String> CHILD_JVM = List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void killedWithReplaysPendingAndRunning_restarted_everyReplayFinishesOnceWithOneLedgerEntry() throws Exception {
        HttpServer openAi = slowOpenAi();
        Path data = dir.resolve("data");
        Map<String, String> env = Map.of("OPENAI_API_KEY", "sk-test-recovery",
                "OPENAI_BASE_URL", "http://127.0.0.1:" + openAi.getAddress().getPort());
        CrashBench.Child child = CrashBench.Child.start(data, CHILD_JVM, env);
        List<String> ids = new ArrayList<>();
        try {
            // given a decision and replays queued faster than the worker (4 threads, 1 s a call) runs them
            String decisionId = post(child.url(), "/v1/decisions", decision()).path("decision_id").asText();
            for (int i = 0; i < REPLAYS; i++) {
                ObjectNode body = Json.object();
                body.put("decision_id", decisionId);
                body.putObject("overrides").putObject("prompt").put("text", "Variant " + i);
                ids.add(post(child.url(), "/v1/replays", body).path("replay_id").asText());
            }
            // when the stack is killed with SIGKILL and started again on the same data directory
            child.kill();
            child = CrashBench.Child.start(data, CHILD_JVM, env);

            // then every replay finishes …
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            Map<String, JsonNode> finished = new java.util.HashMap<>();
            while (finished.size() < ids.size() && System.nanoTime() < deadline) {
                for (String id : ids) {
                    if (finished.containsKey(id)) continue;
                    JsonNode r = get(child.url(), "/v1/replays/" + id);
                    String s = r.path("execution_status").asText();
                    if (s.equals("completed") || s.equals("failed")) finished.put(id, r);
                }
                if (finished.size() < ids.size()) Thread.sleep(200);
            }
            String log = Files.readString(data.resolveSibling("data.child.log"), StandardCharsets.UTF_8);
            assertEquals(ids.size(), finished.size(), "replays not finished within 60 s after the restart:\n" + log);
            assertTrue(log.contains("replay recovery (after the restart): examined="),
                    "the restart found no replay to recover (were they all done before the kill?):\n" + log);
            // … completed, each with its own ledger entry …
            Set<Long> sequences = new HashSet<>();
            for (JsonNode r : finished.values()) {
                assertEquals("completed", r.path("execution_status").asText(), r.toString());
                assertTrue(sequences.add(r.path("ledger_entry").path("sequence").asLong(-1)), r.toString());
            }
            // … and the chain holds exactly the decision and one replay entry per replay, and verifies
            JsonNode integrity = get(child.url(), "/v1/integrity/verify?service_name=" + SERVICE).path("integrity");
            assertTrue(integrity.path("valid").asBoolean(false), integrity.toString());
            assertEquals(1 + REPLAYS, integrity.path("total").asLong(), integrity.toString());
        } finally {
            child.kill();
            openAi.stop(0);
        }
    }

    private static ObjectNode decision() {
        ObjectNode d = Json.object();
        d.put("service_name", SERVICE);
        d.put("decision_type", "customer_support_reply");
        d.putObject("input").put("message", "I was charged twice.");
        d.putObject("model").put("provider", "openai").put("name", "gpt-4o-mini");
        d.putObject("output").put("response", "Your account looks fine.");
        d.putObject("prompt").put("text", "You are a support agent.");
        return d;
    }

    /** A Chat Completions endpoint that takes 1 s to answer. */
    private static HttpServer slowOpenAi() throws java.io.IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-openai");
            t.setDaemon(true);
            return t;
        }));
        s.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = ("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"Refund issued.\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        s.start();
        return s;
    }

    private JsonNode post(URI base, String path, JsonNode body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() / 100 == 2, path + " answered " + r.statusCode() + ": " + r.body());
        return Json.parseStored(r.body());
    }

    private JsonNode get(URI base, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return Json.parseStored(r.body());
    }
}

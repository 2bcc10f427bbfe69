package dev.loopgrid.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.sdk.FakeServer.Drop;
import dev.loopgrid.sdk.FakeServer.Hang;
import dev.loopgrid.sdk.FakeServer.Respond;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Retries, timeouts, refused connections and odd answers, against scripted servers. */
class LoopGridResilienceTest {
    static final String DECISION_JSON = "{\"decision_id\": \"dec_1\", \"service_name\": \"s\", \"decision_type\": \"t\","
            + " \"input\": {}, \"model\": {\"provider\": \"openai\", \"name\": \"gpt-4\"}, \"output\": {},"
            + " \"status\": \"recorded\", \"content_hash\": \"c\", \"chain_hash\": \"h\", \"created_at\": \"2026-11-23T20:12:00.123Z\"}";

    static LoopGrid client(String url, int retries, Duration timeout) {
        return LoopGrid.builder().baseUrl(url).serviceName("s").maxRetries(retries).timeout(timeout)
                .retryDelay(Duration.ofMillis(10)).maxRetryDelay(Duration.ofMillis(50)).build();
    }

    static Decision record(LoopGrid g) {
        return g.recordDecision("t", Map.of(), Map.of("provider", "openai", "name", "gpt-4"), Map.of());
    }

    @Test
    void record_retries503And429_withTheSameIdempotencyKey() throws Exception {
        // given a server that is overloaded, then throttles, then records
        AtomicInteger n = new AtomicInteger();
        try (FakeServer s = new FakeServer(r -> switch (n.incrementAndGet()) {
            case 1 -> new Respond(503, "application/json", "{\"detail\": \"busy\", \"code\": \"conflict_retry_exhausted\"}",
                    Map.of("Retry-After", "0"));
            case 2 -> Respond.json(429, "{\"message\": \"Too Many Requests\"}");
            default -> Respond.json(201, DECISION_JSON);
        })) {
            // when
            Decision d = record(client(s.url(), 3, Duration.ofSeconds(5)));

            // then
            assertEquals("dec_1", d.decisionId());
            assertEquals(3, s.requests.size());
            String key = s.requests.get(0).header("Idempotency-Key");
            assertNotNull(key);
            for (FakeServer.Request r : s.requests) assertEquals(key, r.header("Idempotency-Key"));
            assertTrue(s.requests.get(0).body().contains("\"service_name\":\"s\""));
        }
    }

    @Test
    void record_retriesADroppedConnection_withTheSameKey() throws Exception {
        AtomicInteger n = new AtomicInteger();
        try (FakeServer s = new FakeServer(r -> n.incrementAndGet() <= 2 ? new Drop() : Respond.json(201, DECISION_JSON))) {
            assertEquals("dec_1", record(client(s.url(), 3, Duration.ofSeconds(5))).decisionId());
            assertEquals(3, s.requests.size());
            assertEquals(1, s.requests.stream().map(r -> r.header("Idempotency-Key")).distinct().count());
        }
    }

    @Test
    void eachRecordCall_hasItsOwnKey() throws Exception {
        try (FakeServer s = new FakeServer(r -> Respond.json(201, DECISION_JSON))) {
            LoopGrid g = client(s.url(), 0, Duration.ofSeconds(5));
            record(g);
            record(g);
            assertEquals(2, s.requests.stream().map(r -> r.header("Idempotency-Key")).distinct().count());
        }
    }

    @Test
    void aStoredExport_isFollowedToItsLink_withoutTheApiKey() throws Exception {
        // given a server that answers the CSV export 303 to a presigned link, then serves the file there
        try (FakeServer s = new FakeServer(r -> r.target().startsWith("/v1/export/decisions")
                ? new Respond(303, "application/json", "{\"download_url\": \"/stored/x.csv?sig=1\"}",
                        Map.of("Location", "/stored/x.csv?sig=1"))
                : new Respond(200, "text/csv", "decision_id,created_at\ndec_1,2026\n", Map.of()))) {
            LoopGrid g = LoopGrid.builder().baseUrl(s.url()).apiKey("lg_secret").maxRetries(0).build();

            // when
            String csv = g.exportDecisionsCsv("svc", "corrected");

            // then
            assertEquals("decision_id,created_at\ndec_1,2026\n", csv);
            assertEquals(2, s.requests.size());
            assertEquals("/v1/export/decisions?service_name=svc&status=corrected&format=csv", s.requests.get(0).target());
            assertEquals("Bearer lg_secret", s.requests.get(0).header("Authorization"));
            assertEquals("text/csv", s.requests.get(0).header("Accept"));
            assertEquals(LoopGrid.CLIENT, s.requests.get(0).header("X-LoopGrid-Client"));
            assertEquals("/stored/x.csv?sig=1", s.requests.get(1).target());
            assertNull(s.requests.get(1).header("Authorization"), "the link is signed; the key stays with LoopGrid");
        }
    }

    @Test
    void aStoredExportThatCannotBeDownloaded_isAnApiError() throws Exception {
        try (FakeServer s = new FakeServer(r -> r.target().startsWith("/v1/")
                ? new Respond(303, "application/json", "{}", Map.of("Location", "/stored/gone.jsonl"))
                : new Respond(403, "application/xml", "<Error>expired</Error>", Map.of()))) {
            LoopGridApiException e = assertThrows(LoopGridApiException.class,
                    () -> client(s.url(), 0, Duration.ofSeconds(5)).exportGroundTruth());
            assertEquals(403, e.status());
            assertTrue(e.detail().contains("expired"), e.detail());
        }
    }

    @Test
    void aGroundTruthLineThatIsNotJson_isALoopGridError() throws Exception {
        try (FakeServer s = new FakeServer(r -> new Respond(200, "application/x-ndjson", "{\"a\": 1}\nnot json\n", Map.of()))) {
            LoopGridException e = assertThrows(LoopGridException.class,
                    () -> client(s.url(), 0, Duration.ofSeconds(5)).exportGroundTruth("svc"));
            assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        }
    }

    @Test
    void aFlag_isNotResent_whenTheConnectionDropsAfterSending() throws Exception {
        // a second delivery would append a second flag entry
        try (FakeServer s = new FakeServer(r -> new Drop())) {
            LoopGridException e = assertThrows(LoopGridException.class,
                    () -> client(s.url(), 3, Duration.ofSeconds(5)).markIncorrect("dec_1", "r"));
            assertTrue(e.getMessage().contains("failed during POST"), e.getMessage());
            assertEquals(1, s.requests.size());
        }
    }

    @Test
    void aFlag_isRetried_whenTheServerRefusedIt() throws Exception {
        AtomicInteger n = new AtomicInteger();
        try (FakeServer s = new FakeServer(r -> n.incrementAndGet() == 1
                ? new Respond(503, "application/json", "{\"detail\": \"busy\"}", Map.of("Retry-After", "0"))
                : Respond.json(200, DECISION_JSON.replace("recorded", "incorrect")))) {
            assertEquals("incorrect", client(s.url(), 3, Duration.ofSeconds(5)).markIncorrect("dec_1").status());
            assertEquals(2, s.requests.size());
        }
    }

    @Test
    void retriesRunOut_andTheLastErrorIsThrown() throws Exception {
        try (FakeServer s = new FakeServer(r -> new Respond(503, "application/json",
                "{\"detail\": \"The chain head kept moving\", \"code\": \"conflict_retry_exhausted\"}", Map.of("Retry-After", "0")))) {
            LoopGridApiException e = assertThrows(LoopGridApiException.class, () -> client(s.url(), 2, Duration.ofSeconds(5)).health());
            assertEquals(503, e.status());
            assertEquals("conflict_retry_exhausted", e.code());
            assertEquals("The chain head kept moving", e.detail());
            assertEquals(3, s.requests.size());
        }
    }

    @Test
    void aServerThatHangs_timesOut_withoutRetrying() throws Exception {
        try (FakeServer s = new FakeServer(r -> new Hang())) {
            long t0 = System.nanoTime();
            LoopGridException e = assertThrows(LoopGridException.class,
                    () -> client(s.url(), 3, Duration.ofMillis(500)).getDecision("dec_1"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(e.getMessage().contains("timed out after 500 ms"), e.getMessage());
            assertTrue(ms < 3000, ms + " ms");
            assertEquals(1, s.requests.size());
        }
    }

    @Test
    void connectionRefused_isALoopGridException_afterRetrying() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        LoopGridException e = assertThrows(LoopGridException.class,
                () -> client("http://127.0.0.1:" + port, 2, Duration.ofSeconds(2)).health());
        assertTrue(e.getMessage().startsWith("Cannot connect to LoopGrid at http://127.0.0.1:" + port), e.getMessage());
        assertInstanceOf(ConnectException.class, e.getCause());
        assertTrue(!(e instanceof LoopGridApiException));
    }

    @Test
    void errorsThatAreNotJson_keepTheirText() throws Exception {
        try (FakeServer s = new FakeServer(r -> new Respond(502, "text/html", "<html>Bad Gateway</html>", Map.of()))) {
            LoopGridApiException e = assertThrows(LoopGridApiException.class, () -> client(s.url(), 0, Duration.ofSeconds(5)).health());
            assertEquals(502, e.status());
            assertNull(e.code());
            assertEquals("<html>Bad Gateway</html>", e.detail());
            assertNull(e.body());
        }
    }

    @Test
    void aSuccessThatIsNotJson_isALoopGridException() throws Exception {
        try (FakeServer s = new FakeServer(r -> new Respond(200, "text/plain", "hello", Map.of()))) {
            LoopGridException e = assertThrows(LoopGridException.class, () -> client(s.url(), 0, Duration.ofSeconds(5)).health());
            assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());
        }
    }

    @Test
    void authErrors_401And403_areApiExceptions_withStatusCodeAndDetail_andAreNotRetried() throws Exception {
        // given the answers of a LoopGrid that requires keys (detail, code; 401 with the challenge)
        try (FakeServer s = new FakeServer(r -> new Respond(401, "application/json",
                "{\"detail\": \"Invalid API key: unknown key\", \"code\": \"unauthorized\"}",
                Map.of("WWW-Authenticate", "Bearer realm=\"loopgrid\"")))) {
            LoopGridApiException e = assertThrows(LoopGridApiException.class,
                    () -> LoopGrid.builder().baseUrl(s.url()).apiKey("lg_wrong").maxRetries(3).build().verifyIntegrity(null));
            assertEquals(401, e.status());
            assertEquals("unauthorized", e.code());
            assertEquals("Invalid API key: unknown key", e.detail());
            assertEquals(1, s.requests.size(), "a refused key is not retried");
            assertEquals("Bearer lg_wrong", s.requests.get(0).header("Authorization"));
        }
        try (FakeServer s = new FakeServer(r -> Respond.json(403,
                "{\"detail\": \"API key role writer may not verify integrity, build compliance reports or export; "
                        + "roles that may: auditor, admin\", \"code\": \"forbidden\"}"))) {
            LoopGridApiException e = assertThrows(LoopGridApiException.class,
                    () -> client(s.url(), 3, Duration.ofSeconds(5)).verifyIntegrity(null));
            assertEquals(403, e.status());
            assertEquals("forbidden", e.code());
            assertTrue(e.detail().startsWith("API key role writer may not verify integrity"), e.detail());
            assertEquals(1, s.requests.size());
        }
        // API Gateway's own 401 (before any LoopGrid code runs) has a message and no code
        try (FakeServer s = new FakeServer(r -> Respond.json(401, "{\"message\": \"Unauthorized\"}"))) {
            LoopGridApiException e = assertThrows(LoopGridApiException.class, () -> client(s.url(), 3, Duration.ofSeconds(5)).health());
            assertEquals(401, e.status());
            assertNull(e.code());
            assertEquals("Unauthorized", e.detail());
        }
    }

    @Test
    void throttled429_isRetried_thenSurfacesWithStatusCodeAndDetail() throws Exception {
        try (FakeServer s = new FakeServer(r -> new Respond(429, "application/json",
                "{\"detail\": \"Too many requests for tenant acme\", \"code\": \"throttled\"}", Map.of("Retry-After", "0")))) {
            LoopGridApiException e = assertThrows(LoopGridApiException.class, () -> client(s.url(), 2, Duration.ofSeconds(5)).health());
            assertEquals(429, e.status());
            assertEquals("throttled", e.code());
            assertEquals("Too many requests for tenant acme", e.detail());
            assertEquals(3, s.requests.size(), "the first attempt and 2 retries");
        }
    }

    @Test
    void theApiKey_isSentAsBearer_andQueriesAreEncoded() throws Exception {
        try (FakeServer s = new FakeServer(r -> Respond.json(200,
                "{\"integrity\": {\"valid\": true, \"total\": 0, \"broken_at\": null, \"message\": \"ok\"}, \"service_filter\": \"a b&c\"}"))) {
            LoopGrid g = LoopGrid.builder().baseUrl(s.url()).apiKey("k-123").build();
            IntegrityReport r = g.verifyIntegrity("a b&c");
            assertTrue(r.valid());
            assertEquals("Bearer k-123", s.requests.get(0).header("Authorization"));
            assertEquals("/v1/integrity/verify?service_name=a%20b%26c", s.requests.get(0).target());
            assertTrue(s.requests.get(0).header("User-Agent").startsWith("loopgrid-java/"));
        }
    }
}

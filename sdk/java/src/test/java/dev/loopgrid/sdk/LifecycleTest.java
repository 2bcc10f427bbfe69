package dev.loopgrid.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopgrid.sdk.FakeServer.Drop;
import dev.loopgrid.sdk.FakeServer.Respond;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Data subjects, erasure, legal holds and the retention floor, against scripted servers. */
class LifecycleTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ERASED = "{\"subject_id\": \"user-42\", \"status\": \"erased\", \"erased\": true,"
            + " \"erased_at\": \"2026-11-24T10:00:00Z\", \"reason\": \"GDPR Art. 17 request\", \"request_ref\": \"DSR-1042\","
            + " \"key_id\": \"dk_1\", \"erasure_sequence\": 7, \"complete\": false,"
            + " \"complete_after\": \"2026-12-29T10:00:00Z\", \"detail\": \"erased\"}";
    static final String SCHEDULED = "{\"subject_id\": \"user-42\", \"status\": \"scheduled\", \"erased\": false,"
            + " \"run_at\": \"2027-05-23T11:00:00Z\"}";
    static final String HOLD = "{\"hold_id\": \"hld_1\", \"scope\": \"subject\", \"target\": \"user-42\","
            + " \"subject_id\": \"user-42\", \"reason\": \"incident\", \"case_ref\": \"CASE-7\", \"placed_by\": \"legal\","
            + " \"placed_at\": \"2026-11-24T09:00:00Z\", \"sequence\": 3, \"released\": false}";

    static LoopGrid client(String url, int retries) {
        return LoopGrid.builder().baseUrl(url).serviceName("s").apiKey("lg_k").maxRetries(retries)
                .timeout(Duration.ofSeconds(5)).retryDelay(Duration.ofMillis(10)).maxRetryDelay(Duration.ofMillis(50)).build();
    }

    static Map<?, ?> body(FakeServer.Request r) throws Exception {
        return JSON.readValue(r.body(), Map.class);
    }

    @Test
    void record_sendsTheSubjectId_andReadsItBack() throws Exception {
        String decision = LoopGridResilienceTest.DECISION_JSON.replace("{\"decision_id\"", "{\"subject_id\": \"user-42\", \"decision_id\"");
        try (FakeServer s = new FakeServer(r -> Respond.json(201, decision))) {
            LoopGrid g = client(s.url(), 0);
            Decision d = g.recordDecision(NewDecision.builder("t").input(Map.of("m", 1)).model("openai", "gpt-4")
                    .output(Map.of("r", 2)).subjectId("user-42").build());
            assertEquals("user-42", d.subjectId());
            assertFalse(d.erased());
            assertEquals("POST", s.requests.get(0).method());
            assertEquals("/v1/decisions", s.requests.get(0).target());
            assertEquals("user-42", body(s.requests.get(0)).get("subject_id"));

            LoopGridResilienceTest.record(g);
            assertFalse(body(s.requests.get(1)).containsKey("subject_id"));
        }
    }

    @Test
    void anErasedDecision_parsesWithoutContent() throws Exception {
        String erased = "{\"decision_id\": \"dec_1\", \"created_at\": \"2026-11-23T20:12:00.123Z\", \"service_name\": \"s\","
                + " \"decision_type\": \"t\", \"model\": {\"provider\": \"openai\", \"name\": \"gpt-4\"},"
                + " \"status\": \"recorded\", \"content_hash\": \"c\", \"chain_hash\": \"h\", \"subject_id\": \"user-42\","
                + " \"erased\": true, \"erased_at\": \"2026-11-24T10:00:00Z\", \"erasure_reason\": \"GDPR Art. 17 request\"}";
        try (FakeServer s = new FakeServer(r -> Respond.json(200, erased))) {
            Decision d = client(s.url(), 0).getDecision("dec_1");
            assertTrue(d.erased());
            assertEquals("user-42", d.subjectId());
            assertEquals(Instant.parse("2026-11-24T10:00:00Z"), d.erasedAt());
            assertEquals("GDPR Art. 17 request", d.erasureReason());
            assertNull(d.input());
            assertNull(d.output());
            assertNull(d.prompt());
            assertNull(d.metadata());
            assertEquals("openai", d.model().path("provider").asText());
        }
    }

    @Test
    void eraseSubject_now() throws Exception {
        try (FakeServer s = new FakeServer(r -> Respond.json(200, ERASED))) {
            Erasure e = client(s.url(), 0).eraseSubject("user 42/x", "GDPR Art. 17 request", "DSR-1042", "Art. 17(1)(a)", "dpo");
            FakeServer.Request r = s.requests.get(0);
            assertEquals("POST", r.method());
            assertEquals("/v1/subjects/user%2042%2Fx/erasure", r.target());
            assertEquals(Map.of("reason", "GDPR Art. 17 request", "request_ref", "DSR-1042", "legal_basis", "Art. 17(1)(a)",
                    "requested_by", "dpo"), body(r));
            assertEquals(LoopGrid.CLIENT, r.header("X-LoopGrid-Client"));
            assertEquals("Bearer lg_k", r.header("Authorization"));
            assertFalse(e.scheduled());
            assertTrue(e.erased());
            assertEquals("erased", e.status());
            assertEquals(Instant.parse("2026-11-24T10:00:00Z"), e.erasedAt());
            assertEquals(7L, e.erasureSequence());
            assertEquals(Boolean.FALSE, e.complete());
            assertEquals(Instant.parse("2026-12-29T10:00:00Z"), e.completeAfter());
            assertEquals("DSR-1042", e.requestRef());
        }
    }

    @Test
    void eraseSubject_scheduledByTheRetentionFloor_is202() throws Exception {
        try (FakeServer s = new FakeServer(r -> Respond.json(202, SCHEDULED))) {
            Erasure e = client(s.url(), 0).eraseSubject("user-42", null, "DSR-1042");
            assertEquals(Map.of("request_ref", "DSR-1042"), body(s.requests.get(0)));
            assertTrue(e.scheduled());
            assertFalse(e.erased());
            assertEquals("scheduled", e.status());
            assertEquals(Instant.parse("2027-05-23T11:00:00Z"), e.runAt());
        }
    }

    @Test
    void eraseSubject_underALegalHold_isA409ApiException() throws Exception {
        String detail = "Data subject user-42 cannot be erased: legal hold hld_1 on subject user-42 (incident) is in place";
        try (FakeServer s = new FakeServer(r -> Respond.json(409, "{\"detail\": \"" + detail + "\", \"code\": \"legal_hold\"}"))) {
            LoopGridApiException e = assertThrows(LoopGridApiException.class,
                    () -> client(s.url(), 2).eraseSubject("user-42", "r", null));
            assertEquals(409, e.status());
            assertEquals("legal_hold", e.code());
            assertEquals(detail, e.detail());
            assertEquals(1, s.requests.size());
        }
    }

    @Test
    void eraseSubject_unknown_is404() throws Exception {
        try (FakeServer s = new FakeServer(r -> Respond.json(404,
                "{\"detail\": \"No decision names data subject \\\"nobody\\\"\", \"code\": \"subject_not_found\"}"))) {
            LoopGridApiException e = assertThrows(LoopGridApiException.class,
                    () -> client(s.url(), 0).eraseSubject("nobody", "r", null));
            assertEquals(404, e.status());
            assertEquals("subject_not_found", e.code());
        }
    }

    @Test
    void getErasure() throws Exception {
        try (FakeServer s = new FakeServer(r -> Respond.json(200, ERASED.replace("\"complete\": false", "\"complete\": true")))) {
            Erasure e = client(s.url(), 0).getErasure("user-42");
            assertEquals("GET", s.requests.get(0).method());
            assertEquals("/v1/subjects/user-42/erasure", s.requests.get(0).target());
            assertEquals(Boolean.TRUE, e.complete());
            assertFalse(e.scheduled());
        }
    }

    @Test
    void placeHold() throws Exception {
        try (FakeServer s = new FakeServer(r -> Respond.json(201, HOLD))) {
            Hold h = client(s.url(), 0).placeHold("subject", "user-42", "incident", "CASE-7", "legal");
            FakeServer.Request r = s.requests.get(0);
            assertEquals("POST", r.method());
            assertEquals("/v1/holds", r.target());
            assertEquals(Map.of("scope", "subject", "target", "user-42", "reason", "incident", "case_ref", "CASE-7",
                    "placed_by", "legal"), body(r));
            assertEquals("hld_1", h.holdId());
            assertEquals("subject", h.scope());
            assertEquals("CASE-7", h.caseRef());
            assertEquals(3L, h.sequence());
            assertEquals(Instant.parse("2026-11-24T09:00:00Z"), h.placedAt());
            assertFalse(h.released());
        }
    }

    @Test
    void placeHold_isNotResentAfterADroppedConnection() throws Exception {
        try (FakeServer s = new FakeServer(r -> new Drop())) {
            assertThrows(LoopGridException.class, () -> client(s.url(), 2).placeHold("service", "s", "x"));
            assertEquals(1, s.requests.size());
        }
    }

    @Test
    void listHolds() throws Exception {
        try (FakeServer s = new FakeServer(r -> Respond.json(200, "{\"holds\": [" + HOLD + "], \"total\": 1}"))) {
            List<Hold> holds = client(s.url(), 0).listHolds();
            assertEquals("GET", s.requests.get(0).method());
            assertEquals("/v1/holds", s.requests.get(0).target());
            assertEquals(1, holds.size());
            assertEquals("hld_1", holds.get(0).holdId());
        }
    }

    @Test
    void releaseHold() throws Exception {
        try (FakeServer s = new FakeServer(r -> Respond.json(200, HOLD.replace("\"released\": false", "\"released\": true")))) {
            LoopGrid g = client(s.url(), 0);
            assertTrue(g.releaseHold("hld_1", "case closed").released());
            assertEquals("DELETE", s.requests.get(0).method());
            assertEquals("/v1/holds/hld_1?reason=case%20closed", s.requests.get(0).target());
            g.releaseHold("hld_1");
            assertEquals("/v1/holds/hld_1", s.requests.get(1).target());
        }
    }

    @Test
    void getAndSetRetention() throws Exception {
        try (FakeServer s = new FakeServer(r -> Respond.json(200, r.method().equals("GET")
                ? "{\"floor_days\": 180, \"default\": true}" : "{\"floor_days\": 365, \"default\": false}"))) {
            LoopGrid g = client(s.url(), 0);
            Retention got = g.getRetention();
            assertEquals(180, got.floorDays());
            assertTrue(got.defaultFloor());
            Retention set = g.setRetention(365);
            assertEquals(365, set.floorDays());
            assertFalse(set.defaultFloor());
            assertEquals("GET", s.requests.get(0).method());
            assertEquals("/v1/retention", s.requests.get(0).target());
            assertEquals("PUT", s.requests.get(1).method());
            assertEquals("/v1/retention", s.requests.get(1).target());
            assertEquals(Map.of("floor_days", 365), body(s.requests.get(1)));
        }
    }

    @Test
    void csvExport_raw() throws Exception {
        try (FakeServer s = new FakeServer(r -> new Respond(200, "text/csv", "decision_id\n", Map.of()))) {
            LoopGrid g = client(s.url(), 0);
            g.exportDecisionsCsv("svc", null, true);
            g.exportDecisionsCsv("svc", null);
            assertEquals("/v1/export/decisions?service_name=svc&format=csv&raw=true", s.requests.get(0).target());
            assertEquals("/v1/export/decisions?service_name=svc&format=csv", s.requests.get(1).target());
        }
    }
}

package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.aws.Routes;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.auth.Permission;
import dev.loopgrid.core.auth.Role;
import dev.loopgrid.local.KeysCli;
import dev.loopgrid.local.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * API keys end to end through the local front started with {@code --require-keys}: the first admin key made
 * by the {@code keys create} command, the role matrix over every route of {@link Routes#ALL}, 401 for
 * missing / malformed / unknown / revoked keys, and the admin key endpoints.
 */
class AuthEndToEndTest {
    static final String DECISION = "{\"service_name\": \"support\", \"decision_type\": \"reply\", \"input\": {\"message\": \"hi\"},"
            + " \"model\": {\"provider\": \"openai\", \"name\": \"gpt-4\"}, \"prompt\": {\"system\": \"be kind\"},"
            + " \"output\": {\"response\": \"hello\"}}";

    static Main.Running stack;
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    static String admin;

    record Resp(int status, Map<String, List<String>> headers, String body) {
        JsonNode json() {
            return Json.parse(body);
        }

        String header(String name) {
            for (Map.Entry<String, List<String>> h : headers.entrySet()) {
                if (h.getKey().equalsIgnoreCase(name)) return h.getValue().get(0);
            }
            return null;
        }
    }

    /** One request a route is exercised with, and the status it answers when the role may call it. */
    record Sample(String method, String path, String body, int okStatus) {}

    @BeforeAll
    static void start() throws Exception {
        stack = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0", "--require-keys"}),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        admin = keysCreate("acme", "admin");
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    /** The first admin key of a tenant, through the CLI command (as a user would make it). */
    static String keysCreate(String tenant, String role) {
        return KeysCli.create(stack, tenant, role);
    }

    static Resp send(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stack.url() + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) b.header("Content-Type", "application/json");
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        try {
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertTrue(r.statusCode() < 500, method + " " + path + " → " + r.statusCode() + " " + r.body());
            return new Resp(r.statusCode(), r.headers().map(), r.body());
        } catch (Exception e) {
            throw new AssertionError(method + " " + path + ": " + e, e);
        }
    }

    static Resp as(String key, String method, String path, String body) {
        return key == null ? send(method, path, body) : send(method, path, body, "Authorization", "Bearer " + key);
    }

    static final String OTLP_SPAN = "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"traceId\": "
            + "\"5b8efff798038103d269b633813fc60c\", \"spanId\": \"eee19b7ec3c1b174\", \"attributes\": ["
            + "{\"key\": \"gen_ai.operation.name\", \"value\": {\"stringValue\": \"chat\"}},"
            + "{\"key\": \"gen_ai.provider.name\", \"value\": {\"stringValue\": \"openai\"}}]}]}]}]}";

    static String keyFor(String role) {
        Resp r = as(admin, "POST", "/v1/admin/keys", "{\"role\": \"" + role + "\", \"name\": \"" + role + " key\"}");
        assertEquals(201, r.status(), r.body());
        return r.json().get("api_key").asText();
    }

    private static final java.util.concurrent.atomic.AtomicInteger SUBJECTS = new java.util.concurrent.atomic.AtomicInteger();

    /** A new data subject with one decision. */
    static String subject(String key) {
        String subject = "auth-subject-" + SUBJECTS.incrementAndGet();
        Resp r = as(key, "POST", "/v1/decisions", DECISION.replace("\"service_name\"", "\"subject_id\": \"" + subject
                + "\", \"service_name\""));
        assertEquals(201, r.status(), r.body());
        return subject;
    }

    static String record(String key) {
        Resp r = as(key, "POST", "/v1/decisions", DECISION);
        assertEquals(201, r.status(), r.body());
        return r.json().get("decision_id").asText();
    }

    /** A fresh request for every route: resources a call consumes (a decision to flag, a key to revoke) are new each time. */
    static Map<String, Supplier<Sample>> samples() {
        String decision = record(admin);
        Resp replay = as(admin, "POST", "/v1/replays?wait=20", "{\"decision_id\": \"" + decision
                + "\", \"overrides\": {\"prompt\": {\"system\": \"be brief\"}}}");
        assertEquals(200, replay.status(), replay.body());
        String replayId = replay.json().get("replay_id").asText();
        Map<String, Supplier<Sample>> m = new LinkedHashMap<>();
        m.put("RecordDecision", () -> new Sample("POST", "/v1/decisions", DECISION, 201));
        m.put("RecordDecisionBatch", () -> new Sample("POST", "/v1/decisions/batch", "{\"decisions\": [" + DECISION + "]}", 200));
        // OTLP/JSON: one GenAI span (recorded once, then found recorded), and a log export without GenAI events
        m.put("OtlpTraces", () -> new Sample("POST", "/v1/traces", OTLP_SPAN, 200));
        m.put("OtlpLogs", () -> new Sample("POST", "/v1/logs", "{\"resourceLogs\": []}", 200));
        m.put("ListDecisions", () -> new Sample("GET", "/v1/decisions?service_name=support", null, 200));
        m.put("GetDecision", () -> new Sample("GET", "/v1/decisions/" + decision, null, 200));
        m.put("MarkIncorrect", () -> new Sample("POST", "/v1/decisions/" + record(admin) + "/incorrect",
                "{\"reason\": \"wrong\"}", 200));
        m.put("AttachCorrection", () -> new Sample("POST", "/v1/decisions/" + record(admin) + "/correction",
                "{\"correction\": {\"response\": \"better\"}, \"corrected_by\": \"agent_1\"}", 200));
        m.put("ConfirmDecision", () -> new Sample("POST", "/v1/decisions/" + record(admin) + "/confirm",
                "{\"confirmed_by\": \"rev_1\"}", 200));
        m.put("ListDecisionReplays", () -> new Sample("GET", "/v1/decisions/" + decision + "/replays", null, 200));
        m.put("GetStats", () -> new Sample("GET", "/v1/stats", null, 200));
        m.put("CompareReplay", () -> new Sample("GET", "/v1/decisions/" + decision + "/compare/" + replayId, null, 200));
        m.put("CreateReplay", () -> new Sample("POST", "/v1/replays", "{\"decision_id\": \"" + decision + "\"}", 202));
        m.put("GetReplay", () -> new Sample("GET", "/v1/replays/" + replayId, null, 200));
        m.put("GetReceipt", () -> new Sample("GET", "/v1/decisions/" + decision + "/receipt?wait=15", null, 200));
        m.put("GetEntryReceipt", () -> new Sample("GET", "/v1/entries/support/1/receipt?wait=15", null, 200));
        m.put("LogCheckpoint", () -> new Sample("GET", "/v1/log/checkpoint", null, 200));
        m.put("LogConsistency", () -> new Sample("GET", "/v1/log/consistency?from=1&to=1", null, 200));
        m.put("LogTile", () -> new Sample("GET", "/v1/log/tile/9/x999/000", null, 404)); // a valid path no log has yet
        m.put("LogKey", () -> new Sample("GET", "/v1/log/key", null, 200));
        m.put("VerifyIntegrity", () -> new Sample("GET", "/v1/integrity/verify", null, 200));
        m.put("ComplianceReport", () -> new Sample("GET", "/v1/compliance/report", null, 200));
        m.put("ComplianceReportHtml", () -> new Sample("GET", "/v1/compliance/report/html", null, 200));
        m.put("ExportDecisions", () -> new Sample("GET", "/v1/export/decisions", null, 200));
        m.put("ExportGroundTruth", () -> new Sample("GET", "/v1/export/ground-truth", null, 200));
        m.put("CreateApiKey", () -> new Sample("POST", "/v1/admin/keys", "{\"role\": \"writer\"}", 201));
        m.put("ListApiKeys", () -> new Sample("GET", "/v1/admin/keys", null, 200));
        m.put("RevokeApiKey", () -> new Sample("DELETE", "/v1/admin/keys/"
                + as(admin, "POST", "/v1/admin/keys", "{\"role\": \"writer\"}").json().get("key_id").asText(), null, 200));
        // lifecycle: holds on a service no erasure below touches; erasures of fresh subjects are scheduled (floor)
        m.put("EraseSubject", () -> new Sample("POST", "/v1/subjects/" + subject(admin) + "/erasure",
                "{\"reason\": \"GDPR request\"}", 202));
        m.put("GetErasure", () -> new Sample("GET", "/v1/subjects/" + subject(admin) + "/erasure", null, 200));
        m.put("PlaceHold", () -> new Sample("POST", "/v1/holds",
                "{\"scope\": \"service\", \"target\": \"held\", \"reason\": \"audit\"}", 201));
        m.put("ListHolds", () -> new Sample("GET", "/v1/holds", null, 200));
        m.put("ReleaseHold", () -> new Sample("DELETE", "/v1/holds/" + as(admin, "POST", "/v1/holds",
                "{\"scope\": \"service\", \"target\": \"held\", \"reason\": \"audit\"}").json().get("hold_id").asText(),
                null, 200));
        m.put("GetRetention", () -> new Sample("GET", "/v1/retention", null, 200));
        m.put("SetRetention", () -> new Sample("PUT", "/v1/retention", "{\"floor_days\": 180}", 200));
        m.put("Health", () -> new Sample("GET", "/health", null, 200));
        m.put("Root", () -> new Sample("GET", "/", null, 200));
        m.put("OpenApi", () -> new Sample("GET", "/openapi.json", null, 200));
        m.put("Docs", () -> new Sample("GET", "/docs", null, 200));
        m.put("DocsAsset", () -> new Sample("GET", "/docs/swagger-ui.css", null, 200));
        return m;
    }

    @Test
    void roleMatrix_everyRouteAndRole_isAllowedOrForbiddenAsDocumented() {
        Map<Role, String> keys = new EnumMap<>(Role.class);
        for (Role r : Role.values()) keys.put(r, r == Role.ADMIN ? admin : keyFor(r.wire()));
        Map<String, Supplier<Sample>> samples = samples();
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Routes.Route route : Routes.ALL) {
            Supplier<Sample> sample = samples.get(route.name());
            assertNotNull(sample, "no sample request for route " + route.name() + ": add one");
            for (Role role : Role.values()) {
                Sample s = sample.get();
                Resp r = as(keys.get(role), s.method(), s.path(), s.body());
                boolean allowed = role.allows(route.permission());
                int expected = allowed ? s.okStatus() : 403;
                if (r.status() != expected) {
                    wrong.add(route.name() + " as " + role.wire() + ": expected " + expected + ", got " + r.status() + " "
                            + r.body().substring(0, Math.min(200, r.body().length())));
                } else if (!allowed) {
                    JsonNode e = r.json();
                    if (!e.path("code").asText().equals("forbidden") || !e.path("detail").asText().contains(role.wire())) {
                        wrong.add(route.name() + " as " + role.wire() + ": 403 body " + r.body());
                    }
                }
                checked++;
            }
        }
        assertEquals(List.of(), wrong);
        assertEquals(Routes.ALL.size() * Role.values().length, checked);
    }

    @Test
    void missingMalformedUnknownAndRevokedKeys_get401_onEveryProtectedRoute_andPublicRoutesStayOpen() {
        String revoked = keyFor("admin");
        JsonNode list = as(admin, "GET", "/v1/admin/keys", null).json().get("keys");
        String id = null;
        for (JsonNode k : list) if (revoked.startsWith(k.get("prefix").asText()) && !k.get("revoked").asBoolean()) id = k.get("key_id").asText();
        assertNotNull(id);
        assertEquals(200, as(revoked, "GET", "/v1/decisions", null).status(), "works before revocation");
        assertEquals(200, as(admin, "DELETE", "/v1/admin/keys/" + id, null).status());

        Map<String, Supplier<Sample>> samples = samples();
        List<String[]> credentials = List.of(
                new String[0],
                new String[] {"Authorization", "Bearer " + revoked},
                new String[] {"X-Api-Key", revoked},
                new String[] {"Authorization", "Bearer lg_" + "x".repeat(43)},
                new String[] {"Authorization", "Basic YWRtaW46YWRtaW4="},
                new String[] {"Authorization", "Bearer " + admin.substring(0, 20)},
                new String[] {"X-Api-Key", admin + "0"},
                new String[] {"Authorization", "Bearer " + admin, "X-Api-Key", revoked});
        List<String> wrong = new ArrayList<>();
        for (Routes.Route route : Routes.ALL) {
            for (String[] cred : credentials) {
                Sample s = samples.get(route.name()).get();
                Resp r = send(s.method(), s.path(), s.body(), cred);
                if (route.permission() == Permission.PUBLIC) {
                    if (r.status() != s.okStatus()) wrong.add(route.name() + " public → " + r.status());
                    continue;
                }
                boolean ok = r.status() == 401 && r.json().path("code").asText().equals("unauthorized")
                        && !r.json().path("detail").asText().isBlank()
                        && String.valueOf(r.header("WWW-Authenticate")).startsWith("Bearer")
                        && !r.body().contains(revoked) && !r.body().contains(admin);
                if (!ok) wrong.add(route.name() + " with " + String.join(" ", cred).replace(admin, "<admin>")
                        .replace(revoked, "<revoked>") + " → " + r.status() + " " + r.body());
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void adminEndpoints_createListRevoke_withoutEverShowingSecretsTwice() {
        Resp created = as(admin, "POST", "/v1/admin/keys", "{\"role\": \"auditor\", \"name\": \"Q4 audit\"}");
        assertEquals(201, created.status());
        assertEquals("no-store", created.header("Cache-Control"));
        JsonNode c = created.json();
        String secret = c.get("api_key").asText();
        assertEquals("acme", c.get("tenant").asText());
        assertEquals("auditor", c.get("role").asText());
        assertEquals("Q4 audit", c.get("name").asText());
        assertFalse(c.get("revoked").asBoolean());
        assertEquals(secret.substring(0, 9), c.get("prefix").asText());

        Resp list = as(admin, "GET", "/v1/admin/keys", null);
        assertEquals(200, list.status());
        assertFalse(list.body().contains(secret), "listing never shows a secret");
        assertFalse(list.body().contains(dev.loopgrid.core.auth.ApiKeys.hash(secret)), "nor a hash");
        assertEquals(list.json().get("keys").size(), list.json().get("total").asInt());
        assertTrue(list.json().get("keys").findValuesAsText("key_id").contains(c.get("key_id").asText()));

        assertEquals(200, as(secret, "GET", "/v1/integrity/verify", null).status());
        Resp revoked = as(admin, "DELETE", "/v1/admin/keys/" + c.get("key_id").asText(), null);
        assertEquals(200, revoked.status());
        assertTrue(revoked.json().get("revoked").asBoolean());
        assertFalse(revoked.json().get("revoked_at").isNull());
        assertEquals(401, as(secret, "GET", "/v1/integrity/verify", null).status(), "revocation takes effect at once");
        assertEquals(revoked.json(), as(admin, "DELETE", "/v1/admin/keys/" + c.get("key_id").asText(), null).json(),
                "revoking again answers the same record");

        assertEquals("key_not_found", as(admin, "DELETE", "/v1/admin/keys/key_AAAAAAAAAAAAAAAA", null).json().get("code").asText());
        assertEquals(404, as(admin, "DELETE", "/v1/admin/keys/..%2F..%2Fetc", null).status());
        Resp bad = as(admin, "POST", "/v1/admin/keys", "{\"role\": \"superuser\"}");
        assertEquals(422, bad.status());
        assertEquals("role", bad.json().get("errors").get(0).get("field").asText());
        assertEquals(422, as(admin, "POST", "/v1/admin/keys", "{\"role\": \"admin\", \"tenant\": \"globex\"}").status(),
                "an admin cannot mint keys for another tenant");
        assertEquals(400, as(admin, "POST", "/v1/admin/keys", "{\"role\": ").status());
    }
}

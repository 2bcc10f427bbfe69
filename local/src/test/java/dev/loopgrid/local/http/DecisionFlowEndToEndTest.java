package dev.loopgrid.local.http;

import dev.loopgrid.local.TestApps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.Routes;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.EmbeddedDynamo;
import dev.loopgrid.local.LocalHttpServer;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API of API.md end to end: HTTP → {@link LocalHttpServer} → the real handlers → DynamoDB Local (in
 * memory). Tests share one server and keep apart by using their own service (chain) names.
 */
class DecisionFlowEndToEndTest {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final String TABLE = "loopgrid-e2e";

    static EmbeddedDynamo dynamo;
    static LocalHttpServer server;
    static HttpTestClient http;

    @BeforeAll
    static void start() throws Exception {
        dynamo = EmbeddedDynamo.start(null);
        dynamo.ensureTable(TABLE);
        App app = TestApps.create(dynamo.client(),
                new App.Config(TABLE, "local", DecisionService.DEFAULT_MAX_CONTENT_BYTES), Clock.systemUTC());
        server = new LocalHttpServer(app, Routes.ALL, "127.0.0.1", 0).start();
        http = new HttpTestClient(server.url());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.stop();
        if (dynamo != null) dynamo.close();
    }

    private static String uniqueService() {
        return "svc-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static ObjectNode decision(String service, String type, String response) {
        ObjectNode d = Json.object();
        d.put("service_name", service);
        d.put("decision_type", type);
        d.putObject("input").put("message", "I was charged twice");
        d.putObject("model").put("provider", "openai").put("name", "gpt-4");
        d.putObject("output").put("response", response);
        return d;
    }

    private static JsonNode record(ObjectNode body) {
        HttpTestClient.Resp r = http.post("/v1/decisions", Json.write(body));
        JsonNode d = r.ok(201);
        assertEquals("/v1/decisions/" + d.get("decision_id").asText(), r.header("Location"));
        return d;
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static JsonNode verify(String service) {
        JsonNode v = http.get("/v1/integrity/verify?service_name=" + q(service)).ok(200);
        assertEquals(service, v.get("service_filter").asText());
        return v.get("integrity");
    }

    @Test
    void wholeDecisionFlow() {
        String svc = uniqueService();
        // record 7 decisions, alternating two types; each links to the one before
        List<JsonNode> recorded = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            JsonNode d = record(decision(svc, i % 2 == 0 ? "reply" : "refund", "answer " + i));
            assertEquals("recorded", d.get("status").asText());
            assertEquals(i + 1, d.get("sequence").asLong());
            assertEquals(i == 0 ? EntryHasher.GENESIS : recorded.get(i - 1).get("chain_hash").asText(),
                    d.get("previous_hash").asText());
            assertEquals(svc, d.get("chain_id").asText());
            assertTrue(HEX64.matcher(d.get("content_hash").asText()).matches());
            assertTrue(HEX64.matcher(d.get("chain_hash").asText()).matches());
            recorded.add(d);
        }
        String d0 = recorded.get(0).get("decision_id").asText();
        String d1 = recorded.get(1).get("decision_id").asText();
        String d2 = recorded.get(2).get("decision_id").asText();

        // get
        assertEquals(recorded.get(0), http.get("/v1/decisions/" + d0).ok(200));

        // incorrect with a body, incorrect without one, then a correction
        JsonNode f1 = http.post("/v1/decisions/" + d1 + "/incorrect", "{\"reason\": \"Missed billing issue\"}").ok(200);
        assertEquals("incorrect", f1.get("status").asText());
        assertEquals("Missed billing issue", f1.get("incorrect_reason").asText());
        JsonNode f2 = http.send("POST", "/v1/decisions/" + d2 + "/incorrect", HttpRequest.BodyPublishers.noBody(), null)
                .ok(200);
        assertEquals("incorrect", f2.get("status").asText());
        assertTrue(f2.get("incorrect_reason").isNull());
        JsonNode c2 = http.post("/v1/decisions/" + d2 + "/correction",
                "{\"correction\": {\"response\": \"Refunded\"}, \"corrected_by\": \"agent_42\", \"notes\": \"checked\"}")
                .ok(200);
        assertEquals("corrected", c2.get("status").asText());
        assertEquals("Refunded", c2.at("/correction/output/response").asText());
        assertEquals("agent_42", c2.at("/correction/corrected_by").asText());
        assertEquals("checked", c2.at("/correction/notes").asText());
        assertEquals(c2, http.get("/v1/decisions/" + d2).ok(200));
        assertEquals(recorded.get(2).get("chain_hash"), c2.get("chain_hash"), "verdicts never change the entry");

        // list: newest first, exact totals under every filter
        List<String> newestFirst = new ArrayList<>();
        for (int i = recorded.size() - 1; i >= 0; i--) newestFirst.add(recorded.get(i).get("decision_id").asText());
        JsonNode all = http.get("/v1/decisions?service_name=" + q(svc)).ok(200);
        assertEquals(7, all.get("total").asLong());
        assertEquals(1, all.get("page").asInt());
        assertEquals(20, all.get("page_size").asInt());
        assertFalse(all.get("has_more").asBoolean());
        assertEquals(newestFirst, ids(all));

        assertEquals(4, http.get("/v1/decisions?service_name=" + q(svc) + "&decision_type=reply").ok(200)
                .get("total").asLong());
        assertEquals(3, http.get("/v1/decisions?service_name=" + q(svc) + "&decision_type=refund").ok(200)
                .get("total").asLong());
        JsonNode incorrect = http.get("/v1/decisions?service_name=" + q(svc) + "&status=incorrect").ok(200);
        assertEquals(1, incorrect.get("total").asLong());
        assertEquals(List.of(d1), ids(incorrect));
        JsonNode corrected = http.get("/v1/decisions?service_name=" + q(svc) + "&status=corrected").ok(200);
        assertEquals(List.of(d2), ids(corrected));
        assertEquals(5, http.get("/v1/decisions?service_name=" + q(svc) + "&status=recorded").ok(200)
                .get("total").asLong());
        JsonNode refundIncorrect = http.get("/v1/decisions?service_name=" + q(svc)
                + "&decision_type=refund&status=incorrect").ok(200);
        assertEquals(1, refundIncorrect.get("total").asLong());
        assertEquals(List.of(d1), ids(refundIncorrect));
        assertEquals(0, http.get("/v1/decisions?service_name=" + q(svc) + "&decision_type=nothing").ok(200)
                .get("total").asLong());

        // page numbers: 3 + 3 + 1, then an empty page
        List<String> paged = new ArrayList<>();
        for (int page = 1; page <= 3; page++) {
            JsonNode p = http.get("/v1/decisions?service_name=" + q(svc) + "&page_size=3&page=" + page).ok(200);
            assertEquals(7, p.get("total").asLong());
            assertEquals(page, p.get("page").asInt());
            assertEquals(3, p.get("page_size").asInt());
            assertEquals(page < 3, p.get("has_more").asBoolean(), p.toString());
            assertEquals(page < 3 ? 3 : 1, p.get("decisions").size());
            paged.addAll(ids(p));
        }
        assertEquals(newestFirst, paged);
        JsonNode beyond = http.get("/v1/decisions?service_name=" + q(svc) + "&page_size=3&page=4").ok(200);
        assertEquals(0, beyond.get("decisions").size());
        assertEquals(7, beyond.get("total").asLong());
        assertFalse(beyond.get("has_more").asBoolean());

        // cursor paging through every page
        List<String> cursored = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode p = http.get("/v1/decisions?service_name=" + q(svc) + "&page_size=2"
                    + (cursor == null ? "" : "&cursor=" + q(cursor))).ok(200);
            assertEquals(7, p.get("total").asLong());
            cursored.addAll(ids(p));
            cursor = p.get("next_cursor").isNull() ? null : p.get("next_cursor").asText();
            assertEquals(cursor != null, p.get("has_more").asBoolean());
            pages++;
        } while (cursor != null && pages < 10);
        assertEquals(4, pages);
        assertEquals(newestFirst, cursored);

        // verify: 7 decisions + 2 flags + 1 correction
        JsonNode v = verify(svc);
        assertTrue(v.get("valid").asBoolean(), v.toString());
        assertEquals(10, v.get("total").asLong());
        assertEquals(7, v.get("decisions").asLong());
        assertEquals(1, v.get("chains").asInt());
        assertTrue(v.get("broken_at").isNull());
        assertTrue(HEX64.matcher(v.get("head_hash").asText()).matches());
        assertTrue(v.get("message").asText().contains("10 entries verified"), v.toString());

        // the next decision follows the correction entry, which is the head
        JsonNode next = record(decision(svc, "reply", "answer 7"));
        assertEquals(11, next.get("sequence").asLong());
        assertEquals(v.get("head_hash").asText(), next.get("previous_hash").asText());
        assertEquals(next.get("chain_hash").asText(), verify(svc).get("head_hash").asText());

        // every chain verifies
        JsonNode everything = http.get("/v1/integrity/verify").ok(200);
        assertTrue(everything.at("/integrity/valid").asBoolean(), everything.toString());
        assertTrue(everything.at("/integrity/chains").asInt() >= 1);
        assertTrue(everything.get("service_filter").isNull());
    }

    @Test
    void idempotencyKey() {
        String svc = uniqueService();
        String key = "key-" + UUID.randomUUID();
        String body = Json.write(decision(svc, "reply", "once"));
        HttpTestClient.Resp first = http.post("/v1/decisions", body, "Idempotency-Key", key);
        JsonNode d = first.ok(201);
        HttpTestClient.Resp again = http.post("/v1/decisions", body, "Idempotency-Key", key);
        assertEquals(d, again.ok(200));
        assertEquals(first.header("Location"), again.header("Location"));
        assertEquals(1, verify(svc).get("total").asLong(), "the retry appended nothing");
        assertEquals(1, http.get("/v1/decisions?service_name=" + q(svc)).ok(200).get("total").asLong());

        JsonNode conflict = http.post("/v1/decisions", Json.write(decision(svc, "reply", "twice")),
                "Idempotency-Key", key).error(409, "idempotency_key_reused");
        assertTrue(conflict.get("detail").asText().contains(key), conflict.toString());
        assertEquals(1, verify(svc).get("total").asLong());

        // a new key is a new decision
        assertNotEquals(d.get("decision_id"), http.post("/v1/decisions", body, "Idempotency-Key", key + "-2").ok(201)
                .get("decision_id"));
        http.post("/v1/decisions", body, "Idempotency-Key", "x".repeat(129)).error(400, "invalid_idempotency_key");
    }

    @Test
    void identicalContentSameContentHashDifferentChainHash() {
        String svc = uniqueService();
        ObjectNode body = decision(svc, "reply", "same");
        JsonNode a = record(body);
        JsonNode b = record(body);
        assertEquals(a.get("content_hash"), b.get("content_hash"));
        assertNotEquals(a.get("chain_hash"), b.get("chain_hash"));
        assertNotEquals(a.get("decision_id"), b.get("decision_id"));
        assertEquals(a.get("chain_hash").asText(), b.get("previous_hash").asText());
        // member order and whitespace do not change the content hash
        String reordered = "{ \"output\": {\"response\": \"same\"}, \"model\": {\"name\": \"gpt-4\", \"provider\": \"openai\"},"
                + " \"input\": {\"message\": \"I was charged twice\"}, \"decision_type\": \"reply\", \"service_name\": \""
                + svc + "\" }";
        assertEquals(a.get("content_hash"), http.post("/v1/decisions", reordered).ok(201).get("content_hash"));
    }

    @Test
    void malformedJsonIs400() {
        http.post("/v1/decisions", "{\"service_name\": ").error(400, "malformed_request");
        http.post("/v1/decisions", "not json").error(400, "malformed_request");
        http.post("/v1/decisions", "{\"a\": 1} trailing").error(400, "malformed_request");
        http.post("/v1/decisions", "{\"service_name\": \"a\", \"service_name\": \"b\"}").error(400, "malformed_request");
        http.post("/v1/decisions", "").error(400, "malformed_request");
        String svc = uniqueService();
        String id = record(decision(svc, "reply", "x")).get("decision_id").asText();
        http.post("/v1/decisions/" + id + "/incorrect", "{\"reason\": ").error(400, "malformed_request");
        http.post("/v1/decisions/" + id + "/correction", "{").error(400, "malformed_request");
    }

    @Test
    void jsonArrayBodyIs422() {
        JsonNode b = http.post("/v1/decisions", "[{\"service_name\": \"x\"}]").error(422, "validation_failed");
        assertTrue(b.get("errors").isArray() && b.get("errors").size() >= 1, b.toString());
        http.post("/v1/decisions", "\"just a string\"").error(422, "validation_failed");
        http.post("/v1/decisions", "null").error(422, "validation_failed");
    }

    @Test
    void missingAndWrongTypedFieldsAre422NamingThem() {
        HttpTestClient.Resp r = http.post("/v1/decisions", "{}");
        r.error(422, "validation_failed");
        assertTrue(r.errorFields().containsAll(List.of("service_name", "decision_type", "input", "model", "output")),
                r.body());

        ObjectNode wrong = decision(uniqueService(), "reply", "x");
        wrong.put("input", "a string");
        wrong.putArray("output");
        wrong.put("prompt", 5);
        wrong.putArray("tool_calls").add("not an object");
        wrong.put("metadata", "m");
        ((ObjectNode) wrong.get("model")).put("provider", 1);
        r = http.post("/v1/decisions", Json.write(wrong));
        JsonNode b = r.error(422, "validation_failed");
        assertTrue(r.errorFields().containsAll(List.of("input", "output", "prompt", "tool_calls", "metadata",
                "model.provider")), r.body());
        for (JsonNode e : b.get("errors")) assertTrue(e.get("message").isTextual());

        ObjectNode longName = decision("s".repeat(101), "reply", "x");
        r = http.post("/v1/decisions", Json.write(longName));
        r.error(422, "validation_failed");
        assertEquals(List.of("service_name"), r.errorFields());

        String svc = uniqueService();
        String id = record(decision(svc, "reply", "x")).get("decision_id").asText();
        r = http.post("/v1/decisions/" + id + "/correction", "{\"correction\": [], \"corrected_by\": 7}");
        r.error(422, "validation_failed");
        assertTrue(r.errorFields().containsAll(List.of("correction", "corrected_by")), r.body());
        r = http.post("/v1/decisions/" + id + "/incorrect", "{\"reason\": {}}");
        r.error(422, "validation_failed");
        assertEquals(List.of("reason"), r.errorFields());
        assertEquals(1, verify(svc).get("total").asLong(), "rejected requests append nothing");
    }

    @Test
    void unknownIdsAre404() {
        assertEquals("Decision dec_x not found", http.get("/v1/decisions/dec_x").error(404, "decision_not_found")
                .get("detail").asText());
        assertEquals("Decision dec_x not found", http.post("/v1/decisions/dec_x/incorrect", "{\"reason\": \"r\"}")
                .error(404, "decision_not_found").get("detail").asText());
        assertEquals("Decision dec_x not found", http.post("/v1/decisions/dec_x/correction",
                "{\"correction\": {}, \"corrected_by\": \"me\"}").error(404, "decision_not_found").get("detail").asText());
        http.get("/v1/decisions/" + q("dec_ü ünïcode")).error(404, "decision_not_found");
        http.get("/v1/decisions/" + "d".repeat(2000)).error(404, "decision_not_found");
    }

    @Test
    void unknownRouteIs404AndWrongMethodIs405() {
        assertEquals("No route for GET /v1/nope", http.get("/v1/nope").error(404, "route_not_found")
                .get("detail").asText());
        http.get("/v1/decisions/a/b/c/d").error(404, "route_not_found");
        HttpTestClient.Resp del = http.send("DELETE", "/v1/decisions/dec_x", HttpRequest.BodyPublishers.noBody(), null);
        del.error(405, "method_not_allowed");
        assertEquals("GET", del.header("Allow"));
        HttpTestClient.Resp put = http.send("PUT", "/v1/decisions", HttpRequest.BodyPublishers.ofString("{}"),
                "application/json");
        put.error(405, "method_not_allowed");
        assertEquals(Set.of("GET", "POST"), Set.of(put.header("Allow").split(", ")));
        HttpTestClient.Resp getIncorrect = http.get("/v1/decisions/dec_x/incorrect");
        getIncorrect.error(405, "method_not_allowed");
        assertEquals("POST", getIncorrect.header("Allow"));
    }

    @Test
    void wrongContentTypeIs415() {
        String body = Json.write(decision(uniqueService(), "reply", "x"));
        http.send("POST", "/v1/decisions", HttpRequest.BodyPublishers.ofString(body), "text/plain")
                .error(415, "unsupported_media_type");
        http.send("POST", "/v1/decisions", HttpRequest.BodyPublishers.ofString(body), "application/x-www-form-urlencoded")
                .error(415, "unsupported_media_type");
        // parameters and +json types are fine
        http.send("POST", "/v1/decisions", HttpRequest.BodyPublishers.ofString(body), "application/json; charset=utf-8")
                .ok(201);
    }

    @Test
    void bodyOverSixMebibytesIs413() {
        String big = "{\"service_name\": \"" + "x".repeat(LocalHttpServer.MAX_BODY_BYTES) + "\"}";
        JsonNode b = http.post("/v1/decisions", big).error(413, "payload_too_large");
        assertTrue(b.get("detail").asText().contains("6 MiB"), b.toString());
        http.get("/health").ok(200);
    }

    @Test
    void contentOverTheInlineLimitIs413() {
        String svc = uniqueService();
        ObjectNode d = decision(svc, "reply", "x");
        ((ObjectNode) d.get("input")).put("document", "y".repeat(DecisionService.DEFAULT_MAX_CONTENT_BYTES));
        JsonNode b = http.post("/v1/decisions", Json.write(d)).error(413, "payload_too_large");
        assertTrue(b.get("detail").asText().contains(Integer.toString(DecisionService.DEFAULT_MAX_CONTENT_BYTES)),
                b.toString());
        assertEquals(0, verify(svc).get("total").asLong());
        // just under the limit is fine
        ((ObjectNode) d.get("input")).put("document", "y".repeat(DecisionService.DEFAULT_MAX_CONTENT_BYTES - 500));
        http.post("/v1/decisions", Json.write(d)).ok(201);
    }

    @Test
    void badQueryParametersAre400() {
        for (String qs : new String[] {"page_size=0", "page_size=101", "page_size=abc", "page_size=-1", "page=0",
                                       "page=x", "status=wrong", "status=RECORDED", "since=yesterday",
                                       "until=2026-13-45", "since=2026-11-23T20:12:00"}) {
            JsonNode b = http.get("/v1/decisions?" + qs).error(400, "invalid_parameter");
            String param = qs.substring(0, qs.indexOf('='));
            assertTrue(b.get("detail").asText().contains(param), qs + " → " + b);
        }
        http.get("/v1/decisions?cursor=garbage").error(400, http.get("/v1/decisions?cursor=garbage").json()
                .get("code").asText());
    }

    @Test
    void sinceAndUntilFilter() {
        String svc = uniqueService();
        JsonNode a = record(decision(svc, "reply", "a"));
        JsonNode list = http.get("/v1/decisions?service_name=" + q(svc) + "&since=" + q(a.get("created_at").asText()))
                .ok(200);
        assertEquals(1, list.get("total").asLong());
        assertEquals(0, http.get("/v1/decisions?service_name=" + q(svc) + "&until=2000-01-01").ok(200)
                .get("total").asLong());
        assertEquals(1, http.get("/v1/decisions?service_name=" + q(svc) + "&since=2000-01-01T00:00:00%2B02:00")
                .ok(200).get("total").asLong());
    }

    @Test
    void healthRootAndServiceNames() {
        JsonNode h = http.get("/health").ok(200);
        assertEquals("healthy", h.get("status").asText());
        assertEquals("LoopGrid", http.get("/").ok(200).get("name").asText());
        // a service name that needs encoding everywhere
        String svc = "support agent/ü " + UUID.randomUUID().toString().substring(0, 4);
        JsonNode d = record(decision(svc, "reply", "x"));
        assertEquals(svc, d.get("chain_id").asText());
        JsonNode list = http.get("/v1/decisions?service_name=" + q(svc)).ok(200);
        assertEquals(1, list.get("total").asLong());
        assertTrue(verify(svc).get("valid").asBoolean());
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        Set<String> unique = new HashSet<>();
        for (JsonNode d : page.get("decisions")) {
            ids.add(d.get("decision_id").asText());
            assertTrue(unique.add(d.get("decision_id").asText()), "duplicate in page");
        }
        return ids;
    }
}

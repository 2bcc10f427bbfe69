package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.aws.Routes;
import dev.loopgrid.local.Main;
import dev.loopgrid.local.http.OpenApiChecker.Resp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document against what the local stack really answers (open mode): every response of a walk through
 * every route is validated against the schema documented for its path, method and status, strictly (see
 * {@link OpenApiChecker}). Also serves /docs end to end. The same with API keys required: {@link OpenApiAuthConformanceTest}.
 */
class OpenApiConformanceTest {
    static Main.Running stack;
    static OpenApiChecker api;

    @BeforeAll
    static void start() throws Exception {
        stack = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0"}),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        api = new OpenApiChecker(stack.url());
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    static Resp checked(String method, String template, String path, String json) throws Exception {
        return api.checked(method, template, path, json);
    }

    static final String DECISION = "{\"service_name\": \"openapi\", \"decision_type\": \"reply\","
            + " \"input\": {\"message\": \"I was charged twice\"}, \"model\": {\"provider\": \"openai\", \"name\": \"gpt-4\", \"temperature\": 0},"
            + " \"output\": {\"response\": \"Looks fine.\"}, \"prompt\": {\"text\": \"You are support.\"},"
            + " \"tool_calls\": [{\"name\": \"lookup\", \"arguments\": {}}], \"metadata\": {\"latency_ms\": 3}}";

    @Test
    void theLogsOperations_answerWhatTheDocumentSays_andTheReceiptVerifiesWithTheKey() throws Exception {
        String id = checked("POST", "/v1/decisions", "/v1/decisions", DECISION.replace("\"openapi\"", "\"openapi-log\""))
                .json().get("decision_id").asText();
        Resp receipt = checked("GET", "/v1/decisions/{decision_id}/receipt", "/v1/decisions/" + id + "/receipt?wait=10", null);
        assertEquals(200, receipt.status(), receipt.body());
        checked("GET", "/v1/decisions/{decision_id}/receipt", "/v1/decisions/dec_nope/receipt", null); // 404
        checked("GET", "/v1/decisions/{decision_id}/receipt", "/v1/decisions/" + id + "/receipt?wait=99", null); // 400
        JsonNode entry = receipt.json().get("entry");
        String chainPath = "/v1/entries/openapi-log/" + entry.get("sequence").asLong() + "/receipt";
        assertEquals(200, checked("GET", "/v1/entries/{chain_id}/{sequence}/receipt", chainPath, null).status());
        assertEquals(404, checked("GET", "/v1/entries/{chain_id}/{sequence}/receipt", "/v1/entries/openapi-log/999999/receipt", null).status());
        assertEquals(400, checked("GET", "/v1/entries/{chain_id}/{sequence}/receipt", "/v1/entries/openapi-log/x/receipt", null).status());
        Resp cp = checked("GET", "/v1/log/checkpoint", "/v1/log/checkpoint", null);
        assertEquals(200, cp.status());
        Resp key = checked("GET", "/v1/log/key", "/v1/log/key", null);
        dev.loopgrid.verify.NoteVerifier verifier = dev.loopgrid.verify.NoteVerifier.parse(key.body().trim());
        long size = dev.loopgrid.verify.Checkpoint.open(cp.body(), receipt.json().get("origin").asText(), verifier).size();
        assertTrue(size >= 1);
        // the receipt verifies offline: its checkpoint under the key, its path to the checkpoint's root
        dev.loopgrid.verify.TlogProof proof = dev.loopgrid.verify.TlogProof.parse(receipt.json().get("tlog_proof").asText());
        dev.loopgrid.verify.EntryEnvelope envelope = new dev.loopgrid.verify.EntryEnvelope(entry.get("chain_id").asText(),
                entry.get("sequence").asLong(), entry.get("type").asText(), entry.get("id").asText(),
                entry.get("decision_id").asText(), entry.get("recorded_at").asText(), entry.get("content_hash").asText(),
                entry.get("previous_hash").asText());
        assertEquals(entry.get("chain_hash").asText(), envelope.chainHash());
        // the leaf is that envelope (the proof carries no extra line)
        proof.verify(dev.loopgrid.verify.Merkle.leafHash(envelope.bytes()), receipt.json().get("origin").asText(), verifier);
        assertEquals(200, checked("GET", "/v1/log/consistency", "/v1/log/consistency?from=1&to=" + size, null).status());
        assertEquals(400, checked("GET", "/v1/log/consistency", "/v1/log/consistency?from=2&to=1", null).status());
        assertEquals(400, checked("GET", "/v1/log/consistency", "/v1/log/consistency?from=1", null).status());
        Resp tile = checked("GET", "/v1/log/tile/{path+}", "/v1/log/tile/entries/" + dev.loopgrid.verify.Tile.of(0, 0, size)
                .entriesPath().substring("tile/entries/".length()), null);
        assertEquals(200, tile.status(), tile.body());
        assertEquals(400, checked("GET", "/v1/log/tile/{path+}", "/v1/log/tile/0/001.p/999", null).status());
        assertEquals(404, checked("GET", "/v1/log/tile/{path+}", "/v1/log/tile/9/x123/456", null).status());
    }

    @Test
    void everyRoutedOperation_answersWhatTheDocumentSays() throws Exception {
        // given a recorded decision
        String id = checked("POST", "/v1/decisions", "/v1/decisions", DECISION).json().get("decision_id").asText();
        checked("POST", "/v1/decisions", "/v1/decisions", "{\"service_name\": \"openapi\"}"); // 422
        checked("POST", "/v1/decisions", "/v1/decisions", "{"); // 400

        // when every route is called (successes and the documented errors)
        checked("GET", "/v1/decisions", "/v1/decisions?service_name=openapi&page_size=1", null);
        checked("GET", "/v1/decisions", "/v1/decisions?page_size=0", null);
        checked("GET", "/v1/decisions/{decision_id}", "/v1/decisions/" + id, null);
        checked("GET", "/v1/decisions/{decision_id}", "/v1/decisions/dec_nope", null);
        checked("POST", "/v1/decisions/{decision_id}/incorrect", "/v1/decisions/" + id + "/incorrect",
                "{\"reason\": \"Missed billing issue\"}");
        checked("POST", "/v1/decisions/{decision_id}/incorrect", "/v1/decisions/dec_nope/incorrect", null);
        checked("POST", "/v1/decisions/{decision_id}/correction", "/v1/decisions/" + id + "/correction",
                "{\"correction\": {\"response\": \"Refund issued.\"}, \"corrected_by\": \"agent_42\", \"notes\": \"n\"}");
        checked("POST", "/v1/decisions/{decision_id}/correction", "/v1/decisions/" + id + "/correction", "{}");
        Resp replay = checked("POST", "/v1/replays", "/v1/replays?wait=15",
                "{\"decision_id\": \"" + id + "\", \"overrides\": {\"prompt\": {\"text\": \"Check billing.\"}}}");
        assertEquals(200, replay.status(), replay.body());
        checked("POST", "/v1/replays", "/v1/replays", "{\"decision_id\": \"" + id + "\"}"); // 202
        checked("POST", "/v1/replays", "/v1/replays", "{\"decision_id\": \"dec_nope\"}");
        String replayId = replay.json().get("replay_id").asText();
        checked("GET", "/v1/replays/{replay_id}", "/v1/replays/" + replayId, null);
        checked("GET", "/v1/replays/{replay_id}", "/v1/replays/rep_nope", null);
        checked("GET", "/v1/decisions/{decision_id}/compare/{replay_id}",
                "/v1/decisions/" + id + "/compare/" + replayId, null);
        checked("GET", "/v1/decisions/{decision_id}/compare/{replay_id}", "/v1/decisions/" + id + "/compare/rep_nope", null);
        String other = checked("POST", "/v1/decisions", "/v1/decisions", DECISION).json().get("decision_id").asText();
        Resp confirmed = checked("POST", "/v1/decisions/{decision_id}/confirm", "/v1/decisions/" + other + "/confirm",
                "{\"confirmed_by\": \"rev_1\", \"notes\": \"checked\"}");
        assertEquals(200, confirmed.status(), confirmed.body());
        assertEquals(409, checked("POST", "/v1/decisions/{decision_id}/confirm", "/v1/decisions/" + id + "/confirm",
                "{\"confirmed_by\": \"rev_1\"}").status(), "the corrected decision cannot be confirmed");
        checked("POST", "/v1/decisions/{decision_id}/confirm", "/v1/decisions/" + other + "/confirm", "{}");
        checked("POST", "/v1/decisions/{decision_id}/confirm", "/v1/decisions/dec_nope/confirm", "{\"confirmed_by\": \"x\"}");
        Resp replays = checked("GET", "/v1/decisions/{decision_id}/replays", "/v1/decisions/" + id + "/replays?page_size=1", null);
        assertEquals(200, replays.status(), replays.body());
        assertTrue(replays.json().get("has_more").asBoolean(), replays.body());
        checked("GET", "/v1/decisions/{decision_id}/replays", "/v1/decisions/" + id + "/replays?cursor="
                + replays.json().get("next_cursor").asText(), null);
        checked("GET", "/v1/decisions/{decision_id}/replays", "/v1/decisions/dec_nope/replays", null);
        checked("GET", "/v1/decisions/{decision_id}/replays", "/v1/decisions/" + id + "/replays?cursor=bad", null);
        Resp stats = checked("GET", "/v1/stats", "/v1/stats", null);
        assertEquals(200, stats.status(), stats.body());
        checked("GET", "/v1/stats", "/v1/stats?service_name=openapi", null);
        checked("GET", "/v1/integrity/verify", "/v1/integrity/verify", null);
        checked("GET", "/v1/integrity/verify", "/v1/integrity/verify?service_name=openapi", null);
        checked("GET", "/health", "/health", null);
        checked("GET", "/", "/", null);
        checked("GET", "/openapi.json", "/openapi.json", null);
        Resp page = checked("GET", "/docs", "/docs", null);
        assertTrue(page.body().contains("/docs/swagger-ui-bundle.js"), page.body());
        Resp js = checked("GET", "/docs/{asset}", "/docs/swagger-ui-bundle.js", null);
        assertTrue(js.body().length() > 100_000);
        checked("GET", "/docs/{asset}", "/docs/swagger-ui.css", null);
        checked("GET", "/docs/{asset}", "/docs/nope.js", null);
        // the compliance routes are validated once they are routed (they are being built separately)
        if (routed("GET", "/v1/compliance/report")) {
            checked("GET", "/v1/compliance/report", "/v1/compliance/report", null);
            checked("GET", "/v1/compliance/report", "/v1/compliance/report?service_name=openapi&verify=full", null);
            checked("GET", "/v1/compliance/report", "/v1/compliance/report?verify=sometimes", null);
        }
        if (routed("GET", "/v1/compliance/report/html")) {
            checked("GET", "/v1/compliance/report/html", "/v1/compliance/report/html", null);
        }
        if (routed("GET", "/v1/export/decisions")) {
            checked("GET", "/v1/export/decisions", "/v1/export/decisions", null);
            checked("GET", "/v1/export/decisions", "/v1/export/decisions?format=csv", null);
            checked("GET", "/v1/export/decisions", "/v1/export/decisions?format=csv&formula_safe=false", null);
            checked("GET", "/v1/export/decisions", "/v1/export/decisions?format=csv&raw=true", null);
            checked("GET", "/v1/export/decisions", "/v1/export/decisions?format=csv&raw=true&formula_safe=true", null);
            checked("GET", "/v1/export/decisions", "/v1/export/decisions?format=csv&formula_safe=maybe", null);
            checked("GET", "/v1/export/decisions", "/v1/export/decisions?page_size=1&service_name=openapi", null);
        }
        if (routed("GET", "/v1/export/ground-truth")) {
            Resp lines = checked("GET", "/v1/export/ground-truth", "/v1/export/ground-truth?service_name=openapi", null);
            assertEquals(2, lines.body().lines().count(), "the corrected decision, then the confirmed one: " + lines.body());
        }
        // OTLP ingestion: a recorded span, the same export again, a skipped one, a malformed one (JSON answers)
        Resp otlp = checked("POST", "/v1/traces", "/v1/traces", AuthEndToEndTest.OTLP_SPAN);
        assertEquals(1, otlp.json().at("/loopgrid/recorded").asInt(), otlp.body());
        assertEquals(1, checked("POST", "/v1/traces", "/v1/traces", AuthEndToEndTest.OTLP_SPAN).json()
                .at("/loopgrid/already_recorded").asInt());
        assertEquals(400, checked("POST", "/v1/traces", "/v1/traces", "{\"resourceSpans\": 1}").status());
        assertEquals(200, checked("POST", "/v1/logs", "/v1/logs",
                "{\"resourceLogs\": [{\"scopeLogs\": [{\"logRecords\": [{\"body\": {\"stringValue\": \"hi\"}}]}]}]}").status());
        assertEquals(400, checked("POST", "/v1/logs", "/v1/logs", "[").status());
        // the admin key routes (open mode acts as an admin of tenant "local")
        Resp created = checked("POST", "/v1/admin/keys", "/v1/admin/keys", "{\"role\": \"writer\", \"name\": \"conformance\"}");
        assertEquals(201, created.status(), created.body());
        assertEquals("no-store", created.header("Cache-Control"));
        JsonNode key = created.json();
        assertEquals("local", key.get("tenant").asText());
        assertEquals("open-mode", key.get("created_by").asText());
        assertTrue(key.get("api_key").asText().startsWith(key.get("prefix").asText()), key.toString());
        assertEquals(422, checked("POST", "/v1/admin/keys", "/v1/admin/keys", "{\"role\": \"owner\"}").status());
        assertEquals(422, checked("POST", "/v1/admin/keys", "/v1/admin/keys",
                "{\"role\": \"writer\", \"tenant\": \"someone-else\"}").status());
        assertEquals(400, checked("POST", "/v1/admin/keys", "/v1/admin/keys", "{\"role\"").status());
        Resp list = checked("GET", "/v1/admin/keys", "/v1/admin/keys", null);
        assertEquals(200, list.status(), list.body());
        assertEquals(1, list.json().get("total").asInt());
        assertFalse(list.body().contains(key.get("api_key").asText()), "a listing never shows a secret");
        String keyId = key.get("key_id").asText();
        Resp revoked = checked("DELETE", "/v1/admin/keys/{key_id}", "/v1/admin/keys/" + keyId, null);
        assertEquals(200, revoked.status(), revoked.body());
        assertTrue(revoked.json().get("revoked").asBoolean());
        assertEquals(404, checked("DELETE", "/v1/admin/keys/{key_id}", "/v1/admin/keys/key_nope", null).status());

        // the log's operations (their successes: theLogsOperations_…)
        checked("GET", "/v1/decisions/{decision_id}/receipt", "/v1/decisions/" + id + "/receipt", null);
        checked("GET", "/v1/entries/{chain_id}/{sequence}/receipt", "/v1/entries/openapi/1/receipt", null);
        checked("GET", "/v1/log/checkpoint", "/v1/log/checkpoint", null);
        checked("GET", "/v1/log/consistency", "/v1/log/consistency?from=0&to=1", null);
        checked("GET", "/v1/log/tile/{path+}", "/v1/log/tile/entries/x999/000", null);
        checked("GET", "/v1/log/key", "/v1/log/key", null);

        // a batch: one good decision, one invalid, then a malformed batch and an empty one
        Resp batch = checked("POST", "/v1/decisions/batch", "/v1/decisions/batch", "{\"decisions\": [" + DECISION
                + ", {\"service_name\": \"openapi\"}]}");
        assertEquals(200, batch.status(), batch.body());
        assertEquals(201, batch.json().at("/results/0/status").asInt());
        assertEquals(422, batch.json().at("/results/1/status").asInt());
        assertEquals(422, checked("POST", "/v1/decisions/batch", "/v1/decisions/batch", "{\"decisions\": []}").status());
        assertEquals(400, checked("POST", "/v1/decisions/batch", "/v1/decisions/batch", "{\"decisions\"").status());

        // the lifecycle: a sealed decision, its erasure scheduled, then held, then erased with a legal basis
        String sealed = checked("POST", "/v1/decisions", "/v1/decisions", DECISION.replace("\"service_name\"",
                "\"subject_id\": \"oa-subject\", \"service_name\"")).json().get("decision_id").asText();
        Resp sealedRead = checked("GET", "/v1/decisions/{decision_id}", "/v1/decisions/" + sealed, null);
        assertEquals("oa-subject", sealedRead.json().get("subject_id").asText());
        assertEquals(202, checked("POST", "/v1/subjects/{subject_id}/erasure", "/v1/subjects/oa-subject/erasure",
                "{\"reason\": \"GDPR\"}").status());
        assertEquals(200, checked("GET", "/v1/subjects/{subject_id}/erasure", "/v1/subjects/oa-subject/erasure", null).status());
        Resp hold = checked("POST", "/v1/holds", "/v1/holds", "{\"scope\": \"subject\", \"target\": \"oa-subject\","
                + " \"reason\": \"incident\"}");
        assertEquals(201, hold.status(), hold.body());
        assertEquals(409, checked("POST", "/v1/subjects/{subject_id}/erasure", "/v1/subjects/oa-subject/erasure",
                "{\"reason\": \"GDPR\", \"legal_basis\": \"DPO waiver\"}").status());
        assertEquals(200, checked("GET", "/v1/holds", "/v1/holds", null).status());
        assertEquals(200, checked("DELETE", "/v1/holds/{hold_id}", "/v1/holds/" + hold.json().get("hold_id").asText(), null).status());
        assertEquals(404, checked("DELETE", "/v1/holds/{hold_id}", "/v1/holds/hld_nope", null).status());
        assertEquals(200, checked("POST", "/v1/subjects/{subject_id}/erasure", "/v1/subjects/oa-subject/erasure",
                "{\"reason\": \"GDPR\", \"legal_basis\": \"DPO waiver\"}").status());
        Resp erasedRead = checked("GET", "/v1/decisions/{decision_id}", "/v1/decisions/" + sealed, null);
        assertTrue(erasedRead.json().get("erased").asBoolean(), erasedRead.body());
        assertEquals(404, checked("GET", "/v1/subjects/{subject_id}/erasure", "/v1/subjects/nobody/erasure", null).status());
        assertEquals(200, checked("GET", "/v1/retention", "/v1/retention", null).status());
        assertEquals(200, checked("PUT", "/v1/retention", "/v1/retention", "{\"floor_days\": 365}").status());
        assertEquals(422, checked("PUT", "/v1/retention", "/v1/retention", "{\"floor_days\": \"soon\"}").status());

        // then every routed operation was checked
        TreeSet<String> routes = new TreeSet<>();
        for (Routes.Route r : Routes.ALL) routes.add(r.method() + " " + r.path());
        routes.removeAll(api.checked);
        assertTrue(routes.isEmpty(), "not exercised by this test: " + routes);
    }

    @Test
    void largeDecisions_andContentThatFailsItsCheck_answerWhatTheDocumentSays() throws Exception {
        String large = DECISION.replace("\"openapi\"", "\"openapi-large\"").replace("Looks fine.", "x".repeat(300_000));
        Resp recorded = checked("POST", "/v1/decisions", "/v1/decisions", large);
        assertEquals(201, recorded.status(), recorded.body());
        String id = recorded.json().get("decision_id").asText();
        String tooLarge = DECISION.replace("Looks fine.", "x".repeat(dev.loopgrid.core.decision.DecisionService.DEFAULT_MAX_DECISION_BYTES));
        assertEquals(413, checked("POST", "/v1/decisions", "/v1/decisions", tooLarge).status());
        assertEquals(200, checked("GET", "/v1/decisions/{decision_id}", "/v1/decisions/" + id, null).status());

        // when its S3 object is altered, reads answer the documented 500 and verification names the entry
        String key = "content/local/" + recorded.json().get("content_hash").asText() + ".json";
        String bucket = stack.s3().bucket();
        byte[] original = stack.s3().client().getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
        try {
            stack.s3().client().putObject(b -> b.bucket(bucket).key(key),
                    software.amazon.awssdk.core.sync.RequestBody.fromString("{\"altered\":true}"));
            assertEquals(500, checked("GET", "/v1/decisions/{decision_id}", "/v1/decisions/" + id, null).status());
            assertEquals(500, checked("GET", "/v1/decisions", "/v1/decisions?service_name=openapi-large", null).status());
            Resp v = checked("GET", "/v1/integrity/verify", "/v1/integrity/verify?service_name=openapi-large", null);
            assertEquals(id, v.json().get("integrity").get("broken_at").asText(), v.body());
        } finally {
            stack.s3().client().putObject(b -> b.bucket(bucket).key(key),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(original));
        }
        assertEquals(200, checked("GET", "/v1/decisions", "/v1/decisions?service_name=openapi-large", null).status());
    }

    private static boolean routed(String method, String path) {
        return Routes.ALL.stream().anyMatch(r -> r.method().equals(method) && r.path().equals(path));
    }
}

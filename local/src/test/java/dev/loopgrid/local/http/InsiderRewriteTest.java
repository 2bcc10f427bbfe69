package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.store.LedgerKeys;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.local.Main;
import dev.loopgrid.verify.EntryEnvelope;
import dev.loopgrid.verify.Merkle;
import dev.loopgrid.verify.NoteVerifier;
import dev.loopgrid.verify.TlogProof;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The issue's insider, done for real: with write access to the table only (the AWS SDK against the stack's DynamoDB
 * Local, nothing through the API), change the 2nd of 5 decisions from "refund denied" to "refund approved" in its
 * entry and projection, recompute its content hash, every later previous and chain hash, the head's hash — and even
 * the log's own leaf hashes in the table. The chain is consistent again, but verification, the compliance report and
 * a receipt taken before the rewrite all say otherwise.
 */
class InsiderRewriteTest {
    private static final String TABLE = "loopgrid-ledger";
    private static final String TENANT = "local";
    private static final String SERVICE = "refunds";
    private Main.Running stack;
    private HttpTestClient http;
    private DynamoDbClient table;
    private final HttpClient raw = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        stack = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0"}),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        http = new HttpTestClient(stack.url());
        table = stack.dynamo().client();
    }

    @AfterEach
    void stop() {
        if (stack != null) stack.close();
    }

    private List<String> recordFive() {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            ids.add(http.post("/v1/decisions", "{\"service_name\":\"" + SERVICE + "\",\"decision_type\":\"refund\","
                    + "\"input\":{\"order\":" + i + "},\"model\":{\"provider\":\"openai\",\"name\":\"gpt-4\"},"
                    + "\"output\":{\"answer\":\"refund denied\"}}").ok(201).get("decision_id").asText());
        }
        return ids;
    }

    private JsonNode receipt(String decisionId) {
        return http.get("/v1/decisions/" + decisionId + "/receipt?wait=15").ok(200);
    }

    private String text(String path) throws Exception {
        HttpResponse<String> r = raw.send(HttpRequest.newBuilder(URI.create(stack.url() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of("pk", s(pk), "sk", s(sk));
    }

    private Map<String, AttributeValue> get(String pk, String sk) {
        return table.getItem(b -> b.tableName(TABLE).key(key(pk, sk)).consistentRead(true)).item();
    }

    /** Entry {@code seq} of chain {@code service}, read where the store keeps it. */
    private Map<String, AttributeValue> entry(String service, long seq) {
        Map<String, AttributeValue> key = LedgerKeys.entry(new ChainKey(TENANT, service), seq);
        return table.getItem(b -> b.tableName(TABLE).key(key).consistentRead(true)).item();
    }

    private void put(Map<String, AttributeValue> item) {
        table.putItem(b -> b.tableName(TABLE).item(item));
    }

    /** The rewrite, through the SDK only: entries 2..5, the projections, the head, the log's leaf hashes. */
    private void insiderRewrite(List<String> ids) {
        String pk = "CHAIN#" + TENANT + "#" + SERVICE;
        Map<String, String> newChainHash = new HashMap<>();
        String prev = null;
        for (int seq = 1; seq <= 5; seq++) {
            Map<String, AttributeValue> e = new HashMap<>(entry(SERVICE, seq));
            if (seq == 1) {
                prev = e.get("chain_hash").s();
                continue;
            }
            if (seq == 2) {
                ObjectNode c = (ObjectNode) Json.parseStored(e.get("content").s());
                ((ObjectNode) c.get("output")).put("answer", "refund approved");
                String content = Canonical.canonicalize(c);
                e.put("content", s(content));
                e.put("content_hash", s(EntryHasher.contentHash(content)));
            }
            e.put("previous_hash", s(prev));
            String chainHash = EntryHasher.chainHash(e.get("chain_id").s(), seq, e.get("type").s(), e.get("id").s(),
                    e.get("decision_id").s(), e.get("recorded_at").s(), e.get("content_hash").s(), prev);
            e.put("chain_hash", s(chainHash));
            put(e);
            newChainHash.put(e.get("decision_id").s(), chainHash);
            // the projection the API serves from (the content itself it reads from the entry)
            Map<String, AttributeValue> p = new HashMap<>(get("DEC#" + TENANT + "#" + e.get("decision_id").s(), "DEC"));
            p.put("content_hash", e.get("content_hash"));
            p.put("previous_hash", s(prev));
            p.put("chain_hash", s(chainHash));
            put(p);
            // the log's own leaf hash of this entry, in its batch item
            prev = chainHash;
        }
        Map<String, AttributeValue> head = new HashMap<>(get(pk, "HEAD"));
        head.put("head_hash", s(prev));
        put(head);
        // the log's batch items: recompute the leaf hashes from the rewritten entries (the insider knows the design)
        QueryResponse batches = table.query(b -> b.tableName(TABLE).keyConditionExpression("pk = :pk")
                .expressionAttributeValues(Map.of(":pk", s("LOG#" + TENANT))).consistentRead(true));
        for (Map<String, AttributeValue> pointer : batches.items()) {
            if (!pointer.get("sk").s().startsWith("B#")) continue;
            long from = Long.parseLong(pointer.get("sk").s().substring(2));
            Map<String, AttributeValue> batch = get(LedgerKeys.logBatchPk(TENANT, from), LedgerKeys.LOG_BATCH_SK);
            byte[] leaves = batch.get("leaves").b().asByteArray();
            String[] runs = batch.get("runs").s().split("\n");
            long index = from;
            for (String run : runs) {
                String[] r = run.split(" ", 5);
                for (long seq = Long.parseLong(r[0]); seq <= Long.parseLong(r[1]); seq++, index++) {
                    Map<String, AttributeValue> e = entry(r[4], seq);
                    byte[] leaf = Merkle.leafHash(new EntryEnvelope(e.get("chain_id").s(), seq, e.get("type").s(),
                            e.get("id").s(), e.get("decision_id").s(), e.get("recorded_at").s(), e.get("content_hash").s(),
                            e.get("previous_hash").s()).bytes());
                    System.arraycopy(leaf, 0, leaves, (int) (index - from) * 32, 32);
                }
            }
            Map<String, AttributeValue> rewritten = new HashMap<>(batch);
            rewritten.put("leaves", AttributeValue.fromB(software.amazon.awssdk.core.SdkBytes.fromByteArray(leaves)));
            put(rewritten);
        }
        assertFalse(newChainHash.isEmpty());
    }

    @Test
    void theRewrite_isInvalidForVerify_andTheReport_andTheReceiptTakenBefore_provesWhatWasRecorded() throws Exception {
        List<String> ids = recordFive();
        JsonNode before = receipt(ids.get(1));
        assertTrue(http.get("/v1/integrity/verify").ok(200).get("integrity").get("valid").asBoolean());

        insiderRewrite(ids);

        // the API now serves the rewritten decision...
        JsonNode served = http.get("/v1/decisions/" + ids.get(1)).ok(200);
        assertEquals("refund approved", served.get("output").get("answer").asText());
        // ...but verification checks the table against the signed log and names the entry
        JsonNode verify = http.get("/v1/integrity/verify").ok(200).get("integrity");
        assertFalse(verify.get("valid").asBoolean(), verify.toString());
        assertEquals("changed_after_signing", verify.get("failure").get("kind").asText());
        assertEquals(2, verify.get("failure").get("sequence").asLong());
        assertEquals(ids.get(1), verify.get("broken_at").asText());
        // the compliance report says so too
        JsonNode report = http.get("/v1/compliance/report").ok(200);
        assertFalse(report.get("ledger_integrity").get("valid").asBoolean(), report.toString());
        // (the full verify above left the report a verified point, whose anchor the re-hash moved: that trips first)
        assertTrue(java.util.Set.of("changed_after_signing", "envelope_changed")
                .contains(report.get("ledger_integrity").get("failure").get("kind").asText()), report.toString());
        assertEquals("non_compliant", report.get("eu_ai_act_mapping").get("article_12_record_keeping").get("status").asText());
        JsonNode full = http.get("/v1/compliance/report?verify=full").ok(200);
        assertEquals("changed_after_signing", full.get("ledger_integrity").get("failure").get("kind").asText(), full.toString());
        // and the receipt taken before still verifies offline, for the content that was recorded: not what is served
        NoteVerifier key = NoteVerifier.parse(text("/v1/log/key").trim());
        TlogProof proof = TlogProof.parse(before.get("tlog_proof").asText());
        JsonNode e = before.get("entry"); // the leaf is the canonical envelope of the receipt's entry fields
        dev.loopgrid.verify.EntryEnvelope envelope = new dev.loopgrid.verify.EntryEnvelope(e.get("chain_id").asText(),
                e.get("sequence").asLong(), e.get("type").asText(), e.get("id").asText(), e.get("decision_id").asText(),
                e.get("recorded_at").asText(), e.get("content_hash").asText(), e.get("previous_hash").asText());
        assertEquals(e.get("chain_hash").asText(), envelope.chainHash());
        proof.verify(dev.loopgrid.verify.Merkle.leafHash(envelope.bytes()), before.get("origin").asText(), key);
        ObjectNode servedContent = Json.object();
        for (String f : new String[] {"service_name", "decision_type", "input", "model", "output", "prompt", "tool_calls", "metadata"}) {
            servedContent.set(f, served.has(f) ? served.get(f) : servedContent.nullNode());
        }
        assertNotEquals(before.get("entry").get("content_hash").asText(),
                EntryHasher.contentHash(Canonical.canonicalize(servedContent)),
                "the served decision disagrees with the receipt: the rewrite is visible to whoever holds it");
    }

    @Test
    void aProjectionEditedInTheTable_isNeverServed() {
        List<String> ids = recordFive();
        HttpTestClient reader = new HttpTestClient(stack.url(), false);
        Map<String, AttributeValue> p = new HashMap<>(get("DEC#" + TENANT + "#" + ids.get(0), "DEC"));
        assertNull(p.get("content"), "the projection leaves the content in the entry");
        String recorded = entry(SERVICE, 1).get("content").s();
        assertTrue(recorded.contains("refund denied"), recorded);

        // other content planted in the projection, under the recorded hash
        Map<String, AttributeValue> planted = new HashMap<>(p);
        planted.put("content", s(recorded.replace("refund denied", "refund approved")));
        put(planted);
        reader.get("/v1/decisions/" + ids.get(0)).error(500, "content_integrity_failed");

        // the projection pointed at another decision's entry
        Map<String, AttributeValue> moved = new HashMap<>(p);
        moved.put("seq", AttributeValue.fromN("2"));
        put(moved);
        reader.get("/v1/decisions/" + ids.get(0)).error(500, "content_integrity_failed");
        put(p);
        assertEquals("refund denied", reader.get("/v1/decisions/" + ids.get(0)).ok(200).at("/output/answer").asText());
    }

    @Test
    void anEntryEditedInTheTable_isNeverServed() {
        List<String> ids = recordFive();
        Map<String, AttributeValue> e = new HashMap<>(entry(SERVICE, 1));
        e.put("content", s(e.get("content").s().replace("refund denied", "refund approved")));
        put(e);

        HttpTestClient reader = new HttpTestClient(stack.url(), false);
        reader.get("/v1/decisions/" + ids.get(0)).error(500, "content_integrity_failed");
        // nor in a list
        HttpTestClient.Resp list = reader.get("/v1/decisions?service_name=" + SERVICE + "&page_size=10");
        assertFalse(list.body().contains("refund approved"), list.body());
    }

    @Test
    void aConsistentTailDeletion_isInvalid() {
        List<String> ids = recordFive();
        receipt(ids.get(4)); // integrated and signed
        String pk = "CHAIN#" + TENANT + "#" + SERVICE;
        Map<String, AttributeValue> third = entry(SERVICE, 3);
        for (int seq = 4; seq <= 5; seq++) {
            Map<String, AttributeValue> key = LedgerKeys.entry(new ChainKey(TENANT, SERVICE), seq);
            table.deleteItem(b -> b.tableName(TABLE).key(key));
        }
        Map<String, AttributeValue> head = new HashMap<>(get(pk, "HEAD"));
        head.put("seq", AttributeValue.fromN("3"));
        head.put("head_hash", third.get("chain_hash"));
        put(head);
        // with the counters left at 5, verification already names them
        assertEquals("counters_changed", http.get("/v1/integrity/verify").ok(200).get("integrity").get("failure").get("kind").asText());
        // a thorough insider counts 3 again (in the chain's totals item); then only the signed log can tell
        Map<String, AttributeValue> totals = new HashMap<>(get("CNT#" + TENANT + "#" + SERVICE, "TOTAL"));
        for (String counter : new String[] {"entries", "entries:decision", "decisions", "status:recorded"}) {
            totals.put(counter, AttributeValue.fromN("3"));
        }
        put(totals);

        JsonNode verify = http.get("/v1/integrity/verify").ok(200).get("integrity");

        assertFalse(verify.get("valid").asBoolean(), verify.toString());
        assertEquals("signed_entry_missing", verify.get("failure").get("kind").asText());
        assertEquals(4, verify.get("failure").get("sequence").asLong());
    }

    @Test
    void aReplacedCheckpointObject_isInvalid() throws Exception {
        List<String> ids = recordFive();
        JsonNode r = receipt(ids.get(4));
        long size = r.get("tree_size").asLong();
        String note = text("/v1/log/checkpoint");
        String forged = note.replaceFirst("\n" + size + "\n", "\n" + size + "\n").replace(note.split("\n")[2], Base64Root.ZERO);
        stack.s3().client().putObject(b -> b.bucket("loopgrid-checkpoints").key("checkpoints/" + TENANT + "/" + String.format("%020d", size)),
                RequestBody.fromString(forged));

        JsonNode verify = http.get("/v1/integrity/verify").ok(200).get("integrity");

        assertFalse(verify.get("valid").asBoolean(), verify.toString());
        assertEquals("checkpoint_forged", verify.get("failure").get("kind").asText());
    }

    private static final class Base64Root {
        static final String ZERO = java.util.Base64.getEncoder().encodeToString(new byte[32]);
    }
}

package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Large decisions through the local HTTP front of the stack {@code Main} starts (DynamoDB Local and S3Proxy in
 * memory): up to 5 MiB of canonical content is recorded with its content in S3 under its hash, read back byte for
 * byte and verified; tampering with the S3 object, or deleting it, is caught by verification and never served;
 * one byte more is 413. The bucket and the table are reached directly through the SDK, as an attacker would.
 */
class LargeDecisionEndToEndTest {
    private static final String TABLE = "loopgrid-large";
    private static final int MAX = DecisionService.DEFAULT_MAX_DECISION_BYTES;
    private static final int INLINE = DecisionService.DEFAULT_MAX_CONTENT_BYTES;
    /** Lambda's response payload limit, which a list page must stay under. */
    private static final int LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024;

    static Main.Running stack;
    static HttpTestClient http;
    /** For the answers that are deliberately 5xx (content that failed its check). */
    static HttpTestClient lenient;

    @BeforeAll
    static void start() throws Exception {
        stack = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0", "--table", TABLE}),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        http = new HttpTestClient(stack.url());
        lenient = new HttpTestClient(stack.url(), false);
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    private static String uniqueService() {
        return "large-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The content the ledger hashes: all eight members, absent ones null (DESIGN.md). */
    static ObjectNode content(ObjectNode body) {
        ObjectNode c = Json.object();
        for (String f : new String[] {"service_name", "decision_type", "input", "model", "output", "prompt", "tool_calls",
                                      "metadata"}) {
            c.set(f, body.has(f) ? body.get(f) : c.nullNode());
        }
        return c;
    }

    static byte[] canonicalBytes(ObjectNode body) {
        return Canonical.canonicalize(content(body)).getBytes(StandardCharsets.UTF_8);
    }

    private static int canonicalLength(String s) {
        return Canonical.canonicalize(TextNode.valueOf(s)).getBytes(StandardCharsets.UTF_8).length - 2;
    }

    /**
     * A body whose canonical content is exactly {@code bytes} long: {@code output.response} is text with non-ASCII
     * characters (two-, three- and four-byte UTF-8, a surrogate pair among them) and characters JSON escapes
     * (quote, backslash, newline, tab, a control character), padded with ASCII to the byte.
     */
    static ObjectNode bodyOfCanonicalSize(String service, int bytes) {
        ObjectNode b = Json.object();
        b.put("service_name", service);
        b.put("decision_type", "summary");
        b.putObject("input").put("document", "Quartalsbericht Zürich — 第3四半期");
        b.putObject("model").put("provider", "openai").put("name", "gpt-4o");
        b.putObject("output").put("response", "");
        b.putObject("metadata").put("pages", 412);
        int base = canonicalBytes(b).length;
        String unit = "The refund for order 1234 was approved after review of the billing history, "
                + "naïve café — 日本 😀 \"quoted\" back\\slash\ttab\nline\u0001 ";
        int unitBytes = canonicalLength(unit);
        int units = (bytes - base) / unitBytes;
        StringBuilder sb = new StringBuilder(units * unit.length() + unitBytes);
        for (int i = 0; i < units; i++) sb.append(unit);
        sb.append("x".repeat(bytes - base - units * unitBytes));
        ((ObjectNode) b.get("output")).put("response", sb.toString());
        assertEquals(bytes, canonicalBytes(b).length);
        return b;
    }

    private static String record(ObjectNode body) {
        JsonNode d = http.post("/v1/decisions", Json.write(body)).ok(201);
        return d.get("decision_id").asText();
    }

    private static JsonNode verify(String service) {
        return http.get("/v1/integrity/verify?service_name=" + service).ok(200).get("integrity");
    }

    private static Map<String, AttributeValue> item(String pk, String sk) {
        return stack.dynamo().client().getItem(b -> b.tableName(TABLE).consistentRead(true)
                .key(Map.of("pk", AttributeValue.fromS(pk), "sk", AttributeValue.fromS(sk)))).item();
    }

    private static Map<String, AttributeValue> firstEntry(String service) {
        Map<String, AttributeValue> key = dev.loopgrid.aws.store.LedgerKeys.entry(new dev.loopgrid.core.ledger.ChainKey("local", service), 1);
        return item(key.get("pk").s(), key.get("sk").s());
    }

    private static byte[] object(String key) {
        return stack.s3().client().getObjectAsBytes(b -> b.bucket(stack.s3().bucket()).key(key)).asByteArray();
    }

    private static void putObject(String key, byte[] bytes) {
        stack.s3().client().putObject(b -> b.bucket(stack.s3().bucket()).key(key), RequestBody.fromBytes(bytes));
    }

    @Test
    void fiveMebibyteDecision_isRecorded_readBackByteExact_verified_andTamperingWithItsObjectIsDetected() {
        // given a decision of exactly 5 MiB in canonical form (≈ 5 million characters, non-ASCII and escapes included)
        String svc = uniqueService();
        ObjectNode body = bodyOfCanonicalSize(svc, MAX);
        String response = body.get("output").get("response").textValue();
        assertTrue(response.length() > 4_500_000, "characters: " + response.length());
        byte[] canonical = canonicalBytes(body);
        String hash = Canonical.sha256Hex(canonical);
        String key = "content/local/" + hash + ".json";

        // when it is recorded
        JsonNode recorded = http.post("/v1/decisions", Json.write(body)).ok(201);
        String id = recorded.get("decision_id").asText();

        // then its content is in S3 under its hash, byte for byte, and the ledger items keep only hash and key
        assertEquals(hash, recorded.get("content_hash").asText());
        assertArrayEquals(canonical, object(key));
        Map<String, AttributeValue> entry = firstEntry(svc);
        assertNull(entry.get("content"), "no inline content in the entry");
        assertEquals(key, entry.get("content_key").s());
        assertEquals(Integer.toString(MAX), entry.get("content_bytes").n());
        assertEquals(hash, entry.get("content_hash").s());
        Map<String, AttributeValue> projection = item("DEC#local#" + id, "DEC");
        assertNull(projection.get("content"), "no inline content in the projection");
        assertEquals(key, projection.get("content_key").s());

        // and it reads back exactly as sent: the same text, and the same canonical bytes (so the same hash)
        JsonNode got = http.get("/v1/decisions/" + id).ok(200);
        assertEquals(response, got.get("output").get("response").textValue());
        ObjectNode gotContent = Json.object();
        for (String f : new String[] {"service_name", "decision_type", "input", "model", "output", "metadata"}) {
            gotContent.set(f, got.get(f));
        }
        assertArrayEquals(canonical, canonicalBytes(gotContent));
        JsonNode listed = http.get("/v1/decisions?service_name=" + svc).ok(200);
        assertEquals(response, listed.get("decisions").get(0).get("output").get("response").textValue());
        assertEquals(1, listed.get("total").asLong());

        // and the ledger verifies
        JsonNode ok = verify(svc);
        assertTrue(ok.get("valid").asBoolean(), ok.toString());
        assertEquals(1, ok.get("total").asLong());

        // when one byte of the S3 object is overwritten (a letter of the text for another letter)
        byte[] tampered = canonical.clone();
        int at = Canonical.canonicalize(content(body)).indexOf("billing history", canonical.length / 2);
        at = new String(canonical, StandardCharsets.UTF_8).substring(0, at).getBytes(StandardCharsets.UTF_8).length;
        assertEquals('b', tampered[at]);
        tampered[at] = 'B';
        putObject(key, tampered);

        // then verification reports the entry as changed, naming it and the object
        JsonNode bad = verify(svc);
        assertFalse(bad.get("valid").asBoolean(), bad.toString());
        assertEquals(id, bad.get("broken_at").asText());
        String message = bad.get("message").asText();
        assertTrue(message.contains("content changed") && message.contains(key), message);
        // and the altered text is never served: reads fail loudly
        JsonNode err = lenient.get("/v1/decisions/" + id).error(500, "content_integrity_failed");
        assertTrue(err.get("detail").asText().contains(id), err.toString());
        lenient.get("/v1/decisions?service_name=" + svc).error(500, "content_integrity_failed");

        // and once the object holds its bytes again, all is well again
        putObject(key, canonical);
        assertTrue(verify(svc).get("valid").asBoolean());
        http.get("/v1/decisions/" + id).ok(200);
    }

    @Test
    void aMissingContentObject_isReportedAsContentChanged_andNotServed() {
        String svc = uniqueService();
        ObjectNode body = bodyOfCanonicalSize(svc, 300_000);
        String first = record(bodyOfCanonicalSize(svc, 1_000));
        String id = record(body);
        String key = "content/local/" + Canonical.sha256Hex(canonicalBytes(body)) + ".json";
        stack.s3().client().deleteObject(b -> b.bucket(stack.s3().bucket()).key(key));

        JsonNode bad = verify(svc);
        assertFalse(bad.get("valid").asBoolean());
        assertEquals(id, bad.get("broken_at").asText());
        assertTrue(bad.get("message").asText().contains("is missing"), bad.toString());
        JsonNode err = lenient.get("/v1/decisions/" + id).error(500, "content_integrity_failed");
        assertTrue(err.get("detail").asText().contains("missing"), err.toString());
        http.get("/v1/decisions/" + first).ok(200);
    }

    @Test
    void oneByteOverFiveMebibytes_is413_withDetailAndCode_andStoresNothing() {
        String svc = uniqueService();
        ObjectNode body = bodyOfCanonicalSize(svc, MAX + 1);
        JsonNode err = http.post("/v1/decisions", Json.write(body)).error(413, "payload_too_large");
        String detail = err.get("detail").asText();
        assertTrue(detail.contains((MAX + 1) + " bytes") && detail.contains("at most " + MAX + " bytes"), detail);
        assertEquals(0, verify(svc).get("total").asLong());
        String key = "content/local/" + Canonical.sha256Hex(canonicalBytes(body)) + ".json";
        try {
            object(key);
            throw new AssertionError("an object was stored for a refused decision");
        } catch (NoSuchKeyException expected) {
            // nothing stored
        }
    }

    @Test
    void theInlineLimit_decidesWhereTheContentGoes() {
        String svc = uniqueService();
        ObjectNode atLimit = bodyOfCanonicalSize(svc, INLINE);
        record(atLimit);
        Map<String, AttributeValue> inline = firstEntry(svc);
        assertEquals(Canonical.canonicalize(content(atLimit)), inline.get("content").s(), "at the limit: inline");
        assertNull(inline.get("content_key"));

        String svc2 = uniqueService();
        ObjectNode over = bodyOfCanonicalSize(svc2, INLINE + 1);
        String id = record(over);
        Map<String, AttributeValue> offloaded = firstEntry(svc2);
        assertNull(offloaded.get("content"), "one byte over: no inline content");
        String key = offloaded.get("content_key").s();
        assertArrayEquals(canonicalBytes(over), object(key));
        assertEquals(over.get("output"), http.get("/v1/decisions/" + id).ok(200).get("output"));
        assertTrue(verify(svc2).get("valid").asBoolean());
    }

    @Test
    void aListOfLargeDecisions_comesInPagesBelowTheLambdaResponseLimit_followingNextCursor() {
        String svc = uniqueService();
        String older = record(bodyOfCanonicalSize(svc, 3_000_000));
        String newer = record(bodyOfCanonicalSize(svc, 3_000_001));

        HttpTestClient.Resp first = http.get("/v1/decisions?service_name=" + svc + "&page_size=10");
        JsonNode p1 = first.ok(200);
        assertTrue(first.body().getBytes(StandardCharsets.UTF_8).length < LAMBDA_RESPONSE_LIMIT);
        assertEquals(1, p1.get("decisions").size(), "two 3 MB decisions do not share a page");
        assertEquals(2, p1.get("total").asLong());
        assertTrue(p1.get("has_more").asBoolean());
        String cursor = p1.get("next_cursor").asText();
        assertNotEquals("", cursor);

        JsonNode p2 = http.get("/v1/decisions?service_name=" + svc + "&page_size=10&cursor=" + cursor).ok(200);
        assertEquals(1, p2.get("decisions").size());
        assertFalse(p2.get("has_more").asBoolean());
        assertEquals(java.util.Set.of(older, newer), java.util.Set.of(p1.get("decisions").get(0).get("decision_id").asText(),
                p2.get("decisions").get(0).get("decision_id").asText()));
    }
}

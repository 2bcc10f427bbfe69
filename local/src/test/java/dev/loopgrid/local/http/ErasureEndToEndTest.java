package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.local.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Erasure by crypto-shredding through the real local stack (DynamoDB Local, S3Proxy): a subject's decisions are
 * stored sealed, an erasure destroys the key, and afterwards no read, list, export, replay or report, nor a scan of
 * the table or the bucket, shows the marker the subject's decisions carried; the chain still verifies.
 */
class ErasureEndToEndTest {
    private static final String MARKER = "MARKER-7f3a9c-personal";
    private static final String SUBJECT = "user-42";
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

    private static String body(String service, String subject, String text) {
        return "{\"service_name\":\"" + service + "\",\"decision_type\":\"refund\","
                + (subject == null ? "" : "\"subject_id\":\"" + subject + "\",")
                + "\"input\":{\"customer\":\"" + text + "\"},\"model\":{\"provider\":\"openai\",\"name\":\"gpt-4\"},"
                + "\"output\":{\"answer\":\"refund for " + text + "\"},\"metadata\":{\"note\":\"" + text + "\"}}";
    }

    private String record(String service, String subject, String text) {
        return http.post("/v1/decisions", body(service, subject, text)).ok(201).get("decision_id").asText();
    }

    @Test
    void anErasedSubjectsContentIsGoneEverywhere_andTheChainStillVerifies() {
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < 3; i++) mine.add(record("support", SUBJECT, MARKER + " #" + i));
        // a large decision goes to S3: sealed there too
        String big = "x".repeat(200_000);
        mine.add(record("support", SUBJECT, MARKER + big));
        String other = record("support", "user-7", "someone else");
        String plain = record("support", null, "no subject");

        JsonNode d = http.get("/v1/decisions/" + mine.get(0)).ok(200);
        assertEquals(MARKER + " #0", d.at("/input/customer").asText(), "a sealed decision reads back as recorded");
        assertEquals(SUBJECT, d.get("subject_id").asText());
        assertFalse(d.has("erased"));
        // at rest the content is only ever ciphertext: no scan finds the marker, even before the erasure
        assertEquals(0, tableHits(MARKER), "the table holds the marker in the clear");
        assertEquals(0, bucketHits(MARKER), "the bucket holds the marker in the clear");

        // a correction of a sealed decision is sealed too (the right output is the same personal data)
        JsonNode corrected = http.post("/v1/decisions/" + mine.get(1) + "/correction", "{\"correction\":{\"answer\":\""
                + MARKER + " corrected\"},\"corrected_by\":\"rev_1\",\"notes\":\"" + MARKER + " note\"}").ok(200);
        assertEquals(MARKER + " corrected", corrected.at("/correction/output/answer").asText());
        assertEquals(MARKER + " note", http.get("/v1/decisions/" + mine.get(1)).ok(200).at("/correction/notes").asText());
        assertEquals(0, tableHits(MARKER), "the correction is in the table in the clear");
        // a replay of a sealed decision keeps its overrides, output and diff sealed too
        String replayId = http.post("/v1/replays", "{\"decision_id\":\"" + mine.get(2) + "\",\"overrides\":{\"input\":"
                + "{\"customer\":\"" + MARKER + " override\"}}}").ok(202).get("replay_id").asText();
        JsonNode replayed = null;
        for (int i = 0; i < 200; i++) {
            replayed = http.get("/v1/replays/" + replayId).ok(200);
            if ("completed".equals(replayed.get("execution_status").asText())) break;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        assertEquals("completed", replayed.get("execution_status").asText(), replayed.toString());
        assertEquals(MARKER + " override", replayed.at("/overrides/input/customer").asText(), replayed.toString());
        assertEquals(0, tableHits(MARKER), "the replay is in the table in the clear");
        // an export above the inline size is stored: in the clear, as exports are; the erasure must delete it
        String huge = "y".repeat(1_200_000);
        for (int i = 0; i < 3; i++) record("support", SUBJECT, MARKER + huge + i);
        var stored = rawResponse("/v1/export/decisions?format=csv");
        assertEquals(303, stored.statusCode(), "a CSV above 5 MiB is stored and linked");
        assertTrue(bucketHits(MARKER) > 0, "the stored export holds the content");

        // the retention floor (180 days by default) has not passed: the erasure is scheduled
        JsonNode scheduled = http.post("/v1/subjects/" + SUBJECT + "/erasure", "{\"reason\":\"GDPR Art. 17 request\","
                + "\"request_ref\":\"DSR-1\"}").ok(202);
        assertEquals("scheduled", scheduled.get("status").asText());
        assertTrue(scheduled.get("run_at").asText().compareTo("2027-05") > 0, scheduled.toString());
        assertEquals("scheduled", http.get("/v1/subjects/" + SUBJECT + "/erasure").ok(200).get("status").asText());

        // a hold blocks it, even with a legal basis that overrides the floor
        JsonNode hold = http.post("/v1/holds", "{\"scope\":\"subject\",\"target\":\"" + SUBJECT + "\","
                + "\"reason\":\"incident INC-9\",\"case_ref\":\"INC-9\"}").ok(201);
        String override = "{\"reason\":\"GDPR Art. 17 request\",\"legal_basis\":\"Art. 17(1)(a), floor waived by DPO\"}";
        JsonNode blocked = http.post("/v1/subjects/" + SUBJECT + "/erasure", override).error(409, "legal_hold");
        assertTrue(blocked.get("detail").asText().contains(hold.get("hold_id").asText()), blocked.toString());
        assertEquals(1, http.get("/v1/holds").ok(200).get("total").asInt());
        http.send("DELETE", "/v1/holds/" + hold.get("hold_id").asText() + "?reason=closed",
                java.net.http.HttpRequest.BodyPublishers.noBody(), null).ok(200);
        assertEquals(0, http.get("/v1/holds").ok(200).get("total").asInt());

        long t0 = System.nanoTime();
        JsonNode erased = http.post("/v1/subjects/" + SUBJECT + "/erasure", override).ok(200);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 5_000, "erasure took " + ms + " ms");
        assertEquals("erased", erased.get("status").asText());
        assertFalse(erased.get("complete").asBoolean(), "backups keep the key restorable for their window");
        assertTrue(erased.get("stored_exports_deleted").asInt() >= 1, erased.toString());
        assertTrue(erased.get("complete_after").asText().compareTo(erased.get("erased_at").asText()) > 0);

        for (String id : mine) {
            JsonNode e = http.get("/v1/decisions/" + id).ok(200);
            assertTrue(e.get("erased").asBoolean(), e.toString());
            assertFalse(e.has("input") || e.has("output") || e.has("metadata"), e.toString());
            assertEquals("support", e.get("service_name").asText());
            assertEquals("GDPR Art. 17 request", e.get("erasure_reason").asText());
        }
        assertEquals("someone else", http.get("/v1/decisions/" + other).ok(200).at("/input/customer").asText());
        assertEquals("no subject", http.get("/v1/decisions/" + plain).ok(200).at("/input/customer").asText());
        String list = http.get("/v1/decisions?limit=100").body();
        assertFalse(list.contains(MARKER), "the list shows erased content");
        assertFalse(raw("/v1/export/decisions?format=csv").contains(MARKER), "the CSV export shows it");
        assertFalse(http.get("/v1/export/decisions?format=json").body().contains(MARKER), "the JSON export shows it");
        assertFalse(http.get("/v1/compliance/report").body().contains(MARKER), "the report shows it");
        http.post("/v1/replays", "{\"decision_id\":\"" + mine.get(0) + "\"}").error(409, "decision_erased");
        http.post("/v1/decisions", body("support", SUBJECT, "again")).error(409, "subject_erased");
        http.post("/v1/decisions/" + mine.get(0) + "/correction", "{\"correction\":{\"a\":1},\"corrected_by\":\"r\"}")
                .error(409, "decision_erased");
        JsonNode replayErased = http.get("/v1/replays/" + replayId).ok(200);
        assertTrue(replayErased.get("overrides").isNull() && replayErased.get("replay_output").isNull(), replayErased.toString());
        assertFalse(replayErased.toString().contains(MARKER));
        JsonNode correctedErased = http.get("/v1/decisions/" + mine.get(1)).ok(200);
        assertTrue(correctedErased.at("/correction/output").isNull(), correctedErased.toString());
        assertEquals("rev_1", correctedErased.at("/correction/corrected_by").asText());

        assertEquals(0, tableHits(MARKER));
        assertEquals(0, bucketHits(MARKER));
        Map<String, AttributeValue> key = subjectItem(SUBJECT);
        assertFalse(key.containsKey("wrapped_key"), "the wrapped key is still stored");
        assertFalse(key.containsKey("ttl"), "a TTL would let DynamoDB delete the tombstone");

        JsonNode verify = http.get("/v1/integrity/verify").ok(200).get("integrity");
        assertTrue(verify.get("valid").asBoolean(), verify.toString());
        // erasing again answers the same erasure
        assertEquals(erased.get("erased_at").asText(),
                http.post("/v1/subjects/" + SUBJECT + "/erasure", override).ok(200).get("erased_at").asText());
    }

    @Test
    void serviceAndDecisionHoldsBlockTheSubjectsErasure_andTheFloorCanBeLowered() {
        String id = record("claims", "user-9", "claim");
        record("billing", "user-10", "bill");
        assertEquals(180, http.get("/v1/retention").ok(200).get("floor_days").asInt());
        http.send("PUT", "/v1/retention", java.net.http.HttpRequest.BodyPublishers.ofString("{\"floor_days\":0}"),
                "application/json").ok(200);
        assertEquals(0, http.get("/v1/retention").ok(200).get("floor_days").asInt());

        JsonNode svc = http.post("/v1/holds", "{\"scope\":\"service\",\"target\":\"claims\",\"reason\":\"audit\"}").ok(201);
        http.post("/v1/subjects/user-9/erasure", "{\"reason\":\"r\"}").error(409, "legal_hold");
        // a subject with no decision in the held service is not blocked; the floor is 0 now: erased at once
        assertEquals("erased", http.post("/v1/subjects/user-10/erasure", "{\"reason\":\"r\"}").ok(200).get("status").asText());
        http.send("DELETE", "/v1/holds/" + svc.get("hold_id").asText(), java.net.http.HttpRequest.BodyPublishers.noBody(),
                null).ok(200);
        JsonNode dec = http.post("/v1/holds", "{\"scope\":\"decision\",\"target\":\"" + id + "\",\"reason\":\"claim dispute\"}").ok(201);
        assertEquals("user-9", dec.get("subject_id").asText());
        http.post("/v1/subjects/user-9/erasure", "{\"reason\":\"r\"}").error(409, "legal_hold");
        http.send("DELETE", "/v1/holds/" + dec.get("hold_id").asText(), java.net.http.HttpRequest.BodyPublishers.noBody(),
                null).ok(200);
        assertEquals("erased", http.post("/v1/subjects/user-9/erasure", "{\"reason\":\"r\"}").ok(200).get("status").asText());

        // bad input: a clear 4xx each
        http.post("/v1/subjects/nobody/erasure", "{\"reason\":\"r\"}").error(404, "subject_not_found");
        http.post("/v1/subjects/user-9/erasure", "{}").error(422, "validation_failed");
        http.post("/v1/holds", "{\"scope\":\"planet\",\"target\":\"x\",\"reason\":\"r\"}").error(422, "validation_failed");
        http.post("/v1/holds", "{\"scope\":\"decision\",\"target\":\"dec_missing\",\"reason\":\"r\"}").error(404, "decision_not_found");
        http.send("DELETE", "/v1/holds/hld_missing", java.net.http.HttpRequest.BodyPublishers.noBody(), null)
                .error(404, "hold_not_found");
        http.send("PUT", "/v1/retention", java.net.http.HttpRequest.BodyPublishers.ofString("{\"floor_days\":-1}"),
                "application/json").error(422, "validation_failed");
        http.post("/v1/decisions", body("support", "has space", "x")).error(422, "validation_failed");
        http.post("/v1/decisions", body("loopgrid:lifecycle", null, "x")).error(422, "validation_failed");
        // every step is an entry of the tenant's lifecycle chain, which verifies with the rest
        JsonNode v = http.get("/v1/integrity/verify").ok(200).get("integrity");
        assertTrue(v.get("valid").asBoolean(), v.toString());
        JsonNode lifecycle = http.get("/v1/compliance/report").ok(200).get("lifecycle");
        List<String> types = lifecycle.get("entries").findValuesAsText("type");
        assertEquals(List.of("erasure", "hold_release", "hold", "hold_release", "erasure", "hold", "retention"), types,
                lifecycle.toString());
        assertEquals(7, lifecycle.get("entries_total").asLong());
        String html = raw("/v1/compliance/report/html");
        assertTrue(html.contains("Retention, legal holds and erasures") && html.contains("claim dispute"), "the HTML report lists them");
    }

    @Test
    void aSealedDecisionsIdempotencyKeyRecognisesTheRetry_andRefusesAnotherBody() {
        String first = http.post("/v1/decisions", body("support", "user-5", "hello"), "Idempotency-Key", "k-1")
                .ok(201).get("decision_id").asText();
        JsonNode again = http.post("/v1/decisions", body("support", "user-5", "hello"), "Idempotency-Key", "k-1").ok(200);
        assertEquals(first, again.get("decision_id").asText());
        assertEquals("hello", again.at("/input/customer").asText());
        http.post("/v1/decisions", body("support", "user-5", "other"), "Idempotency-Key", "k-1")
                .error(409, "idempotency_key_reused");
        JsonNode d = http.get("/v1/decisions/" + first).ok(200);
        assertNotEquals(null, d.get("content_hash"));
    }

    private java.net.http.HttpResponse<String> rawResponse(String path) {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(stack.url() + path)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private String raw(String path) {
        try {
            var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(stack.url() + path)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            return r.body();
        } catch (java.io.IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private long tableHits(String marker) {
        DynamoDbClient db = stack.dynamo().client();
        long hits = 0;
        Map<String, AttributeValue> start = null;
        do {
            ScanResponse r = db.scan(ScanRequest.builder().tableName("loopgrid-ledger").exclusiveStartKey(start).build());
            for (Map<String, AttributeValue> item : r.items()) if (item.toString().contains(marker)) hits++;
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return hits;
    }

    private long bucketHits(String marker) {
        S3Client s3 = stack.s3().client();
        long hits = 0;
        for (var b : s3.listBuckets().buckets()) {
            for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(b.name())).contents()) {
                ResponseBytes<GetObjectResponse> bytes = s3.getObjectAsBytes(r -> r.bucket(b.name()).key(o.key()));
                if (new String(bytes.asByteArray(), StandardCharsets.ISO_8859_1).contains(marker)) hits++;
            }
        }
        return hits;
    }

    private Map<String, AttributeValue> subjectItem(String subject) {
        return stack.dynamo().client().getItem(r -> r.tableName("loopgrid-ledger").key(Map.of(
                "pk", AttributeValue.fromS("SUBJECT#local#" + subject), "sk", AttributeValue.fromS("KEY")))).item();
    }
}

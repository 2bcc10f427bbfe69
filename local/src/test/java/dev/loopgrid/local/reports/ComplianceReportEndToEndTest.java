package dev.loopgrid.local.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Reports and exports over HTTP through the local front: the same handlers as the Lambda functions, DynamoDB
 * Local and S3Proxy underneath. One ledger for the class, built up in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ComplianceReportEndToEndTest {
    /** Small, so a few decisions already make the CSV export go through the reports bucket. */
    static final int INLINE = 1500;
    static ReportStack stack;
    static String flagged;
    static String corrected;

    @BeforeAll
    static void start() throws Exception {
        stack = new ReportStack(INLINE);
        corrected = stack.record("support-agent", "customer_support_reply", "openai", "gpt-4", "Your account looks fine.");
        flagged = stack.record("support-agent", "customer_support_reply", "openai", "gpt-4o", "No refund, sorry.");
        stack.record("support-agent", "refund", "openai", "gpt-4", "Refund of 20 EUR approved.");
        stack.record("billing", "refund", "anthropic", "claude", "Approved, \"comma, quote\"\nand newline");
        stack.flag(flagged, "Missed the double charge");
        stack.flag(corrected, "Wrong answer");
        stack.correct(corrected, "You were charged twice; refund issued.", "agent_42");
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    @Test
    @Order(1)
    void report_hasV01Fields_articles_andPresignedLinksToItsStoredCopies() throws Exception {
        JsonNode r = stack.getJson("/v1/compliance/report");
        assertEquals("EU AI Act Compliance Assessment", r.get("report_type").asText());
        assertTrue(r.get("service_filter").isNull());
        JsonNode s = r.get("summary");
        assertEquals(4, s.get("total").asLong());
        assertEquals(2, s.get("recorded").asLong());
        assertEquals(1, s.get("incorrect").asLong());
        assertEquals(1, s.get("corrected").asLong());
        assertEquals(25.0, s.get("correction_rate").asDouble());
        assertEquals(50.0, s.get("error_rate").asDouble());
        assertEquals(3, s.get("unique_models").asInt());
        assertEquals(2, s.get("unique_services").asInt());
        assertEquals(2, s.get("unique_decision_types").asInt());
        assertTrue(r.at("/ledger_integrity/valid").asBoolean());
        assertEquals(7, r.at("/ledger_integrity/total").asLong(), "4 decisions, 2 flags, 1 correction");
        assertEquals(7, r.at("/ledger_integrity/newly_verified").asLong());
        JsonNode m = r.get("eu_ai_act_mapping");
        assertEquals("compliant", m.at("/article_12_record_keeping/status").asText());
        assertEquals("compliant", m.at("/article_14_human_oversight/status").asText());
        assertEquals("partial", m.at("/article_9_risk_management/status").asText());
        for (String k : List.of("article_13_3_f_log_mechanisms", "article_15_accuracy", "article_19_26_6_log_retention",
                "article_72_post_market_monitoring")) {
            assertTrue(m.has(k), k);
        }
        String id = r.get("report_id").asText();
        assertTrue(id.matches("rpt_[A-Za-z0-9_-]{22}"), id);
        long ttl = Instant.parse(r.get("expires_at").asText()).getEpochSecond() - Instant.now().getEpochSecond();
        assertTrue(ttl > 14 * 60 && ttl <= 15 * 60, "15 minutes by default");

        String json = r.get("download_url").asText();
        assertTrue(json.startsWith("http://127.0.0.1:") && json.contains("/reports/local/" + id + ".json?"), json);
        HttpResponse<String> stored = stack.get(json);
        assertEquals(200, stored.statusCode(), stored.body());
        ObjectNode expected = r.deepCopy();
        expected.remove(List.of("download_url", "html_url", "expires_at"));
        assertEquals(expected, Json.parseStored(stored.body()), "the stored JSON copy is the report");

        HttpResponse<String> html = stack.get(r.get("html_url").asText());
        assertEquals(200, html.statusCode());
        assertTrue(html.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(html.body().contains("<title>LoopGrid Compliance Report"));
        assertTrue(html.body().contains(id));
    }

    @Test
    @Order(2)
    void nextReport_verifiesOnlyWhatWasAppendedSince() throws Exception {
        assertEquals(0, stack.getJson("/v1/compliance/report").at("/ledger_integrity/newly_verified").asLong());
        stack.record("support-agent", "refund", "openai", "gpt-4", "ok");
        stack.record("billing", "refund", "anthropic", "claude", "ok");
        JsonNode r = stack.getJson("/v1/compliance/report");
        assertEquals(2, r.at("/ledger_integrity/newly_verified").asLong());
        assertEquals(9, r.at("/ledger_integrity/total").asLong());
        assertEquals("full", stack.getJson("/v1/compliance/report?verify=full").at("/ledger_integrity/verification").asText());
        assertEquals(400, stack.get("/v1/compliance/report?verify=sometimes").statusCode());
    }

    @Test
    @Order(3)
    void serviceFilter_reportsOneChain() throws Exception {
        JsonNode r = stack.getJson("/v1/compliance/report?service_name=billing");
        assertEquals("billing", r.get("service_filter").asText());
        assertEquals(2, r.at("/summary/total").asLong());
        assertEquals(1, r.get("chain_heads").size());
        JsonNode none = stack.getJson("/v1/compliance/report?service_name=nobody");
        assertEquals(0, none.at("/summary/total").asLong());
        assertEquals("non_compliant", none.at("/eu_ai_act_mapping/article_12_record_keeping/status").asText());
    }

    @Test
    @Order(4)
    void htmlReport_isHtml_withTheSecurityHeaders() throws Exception {
        String hostile = "<script>alert(1)</script>";
        HttpResponse<String> r = stack.get("/v1/compliance/report/html?service_name="
                + URLEncoder.encode(hostile, StandardCharsets.UTF_8));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("text/html; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        assertEquals("default-src 'none'; style-src 'unsafe-inline'; img-src data:",
                r.headers().firstValue("Content-Security-Policy").orElse(""));
        assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
        assertTrue(r.body().contains("<title>LoopGrid Compliance Report — &lt;script&gt;alert(1)&lt;/script&gt;</title>"));
        assertFalse(r.body().contains(hostile));
        assertTrue(r.headers().firstValue("X-LoopGrid-Report-Id").orElse("").startsWith("rpt_"));
    }

    @Test
    @Order(5)
    void jsonExport_pagesThroughEveryDecision_exactlyOnce() throws Exception {
        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode p = stack.getJson("/v1/export/decisions?page_size=2" + (cursor == null ? "" : "&cursor=" + cursor));
            assertEquals(6, p.get("total").asLong());
            for (JsonNode d : p.get("decisions")) assertTrue(seen.add(d.get("decision_id").asText()), "repeated");
            cursor = p.get("next_cursor").isNull() ? null : p.get("next_cursor").asText();
            assertEquals(cursor != null, p.get("has_more").asBoolean());
            pages++;
        } while (cursor != null);
        assertEquals(6, seen.size());
        assertEquals(3, pages);
        JsonNode all = stack.getJson("/v1/export/decisions");
        assertEquals(6, all.get("decisions").size());
        assertTrue(all.get("next_cursor").isNull());
        assertEquals(1, stack.getJson("/v1/export/decisions?status=corrected").get("decisions").size());
        assertEquals(400, stack.get("/v1/export/decisions?cursor=bm9wZQ").statusCode());
        assertEquals(400, stack.get("/v1/export/decisions?format=xml").statusCode());
    }

    @Test
    @Order(6)
    void csvExport_smallSetInline_largeSetThroughThe303Link() throws Exception {
        HttpResponse<String> small = stack.get("/v1/export/decisions?format=csv&service_name=billing&status=recorded");
        assertEquals(200, small.statusCode(), small.body());
        assertEquals("attachment; filename=loopgrid_decisions.csv", small.headers().firstValue("Content-Disposition").orElse(""));
        assertTrue(small.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"));
        assertTrue(small.body().startsWith("decision_id,created_at,service_name,decision_type,status,content_hash"));
        // the output as canonical JSON in one quoted field (its quotes doubled, its newline kept inside the quotes)
        assertTrue(small.body().contains("\"{\"\"response\"\":\"\"Approved, \\\"\"comma, quote\\\"\"\\nand newline\"\"}\""),
                "outputs are in the CSV: " + small.body());
        assertEquals(3, small.body().split("\r\n").length, "header and two rows");

        HttpResponse<String> big = stack.get("/v1/export/decisions?format=csv");
        assertEquals(303, big.statusCode(), big.body());
        String location = big.headers().firstValue("Location").orElseThrow();
        JsonNode body = Json.parseStored(big.body());
        assertEquals(location, body.get("download_url").asText());
        assertEquals(6, body.get("rows").asLong());
        assertTrue(body.get("bytes").asLong() > INLINE);
        assertTrue(location.contains("/reports/local/exports/"), location);
        HttpResponse<String> file = stack.get(location);
        assertEquals(200, file.statusCode());
        assertTrue(file.headers().firstValue("Content-Disposition").orElse("").startsWith("attachment"));
        assertTrue(file.body().startsWith("decision_id,created_at,service_name,decision_type,status,content_hash"));
        assertEquals(7, file.body().split("\r\n").length, "header and six rows");
    }

    @Test
    @Order(7)
    void groundTruthExport_hasTheCorrection_whoMadeIt_andTheEntryHashes() throws Exception {
        HttpResponse<String> r = stack.get("/v1/export/ground-truth");
        assertEquals(200, r.statusCode(), r.body());
        String[] lines = r.body().split("\n");
        assertEquals(1, lines.length);
        JsonNode g = Json.parseStored(lines[0]);
        JsonNode decision = stack.getJson("/v1/decisions/" + corrected);
        assertEquals(corrected, g.get("decision_id").asText());
        assertEquals("Your account looks fine.", g.at("/original_output/response").asText());
        assertEquals("You were charged twice; refund issued.", g.at("/correction/response").asText());
        assertEquals("agent_42", g.get("corrected_by").asText());
        assertEquals("Wrong answer", g.get("incorrect_reason").asText());
        assertEquals("openai/gpt-4", g.get("model_label").asText());
        assertEquals(decision.get("chain_hash"), g.at("/decision_entry/chain_hash"));
        assertEquals(decision.get("content_hash"), g.at("/decision_entry/content_hash"));
        assertTrue(g.at("/correction_entry/chain_hash").asText().matches("[0-9a-f]{64}"));
        assertEquals(6, g.at("/correction_entry/sequence").asLong(), "decisions 1-3, flag 4, flag 5, correction 6");
    }

    @Test
    @Order(8)
    void tamperedLedger_makesArticle12NonCompliant() throws Exception {
        String id = stack.record("tampered", "reply", "openai", "gpt-4", "original");
        stack.dynamo.client().updateItem(b -> b.tableName(ReportStack.TABLE)
                .key(dev.loopgrid.aws.store.LedgerKeys.entry(new dev.loopgrid.core.ledger.ChainKey("local", "tampered"), 1))
                .conditionExpression("attribute_exists(pk)")
                .updateExpression("SET content = :c")
                .expressionAttributeValues(Map.of(":c", AttributeValue.fromS(
                        "{\"service_name\":\"tampered\",\"output\":{\"response\":\"rewritten\"}}"))));
        JsonNode r = stack.getJson("/v1/compliance/report?service_name=tampered");
        assertFalse(r.at("/ledger_integrity/valid").asBoolean());
        assertEquals(id, r.at("/ledger_integrity/broken_at").asText());
        assertEquals("non_compliant", r.at("/eu_ai_act_mapping/article_12_record_keeping/status").asText());
        JsonNode all = stack.getJson("/v1/compliance/report");
        assertFalse(all.at("/ledger_integrity/valid").asBoolean(), "the whole-tenant report sees it too");
        assertNotNull(all.get("download_url"));
    }
}

package dev.loopgrid.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The report's article statuses on the ledgers API.md's rules distinguish, computed end to end from a store. */
class ArticleRulesTest {
    private static final List<String> ARTICLES = List.of("article_12_record_keeping", "article_14_human_oversight",
            "article_9_risk_management", "article_13_3_f_log_mechanisms", "article_15_accuracy",
            "article_19_26_6_log_retention", "article_72_post_market_monitoring");

    private final FakeChains ledger = new FakeChains();

    private JsonNode report(ArticleRules.Settings settings) {
        Clock clock = Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC);
        ComplianceReportService s = new ComplianceReportService(ledger,
                new IncrementalVerifier(ledger, new dev.loopgrid.core.decision.ContentResolver(null), CheckpointStore.inMemory(), clock), null, clock, "LoopGrid test", settings);
        ComplianceReportService.Issued issued = s.issue(FakeChains.TENANT, null, false);
        assertNull(issued.json(), "no storage, no links");
        return ReportJson.toJson(issued.report(), null, null);
    }

    private JsonNode report() {
        return report(ArticleRules.Settings.defaults());
    }

    private static String status(JsonNode report, String article) {
        return report.path("eu_ai_act_mapping").path(article).path("status").asText();
    }

    @Test
    void emptyLedger_art12NonCompliant_art14Partial_art9Partial_andZeros() {
        JsonNode r = report();
        assertEquals("EU AI Act Compliance Assessment", r.get("report_type").asText());
        assertEquals("non_compliant", status(r, "article_12_record_keeping"));
        assertEquals("partial", status(r, "article_14_human_oversight"));
        assertEquals("partial", status(r, "article_9_risk_management"));
        assertEquals("partial", status(r, "article_19_26_6_log_retention"), "nothing logged yet");
        assertEquals(0, r.at("/summary/total").asLong());
        assertEquals(0.0, r.at("/summary/error_rate").asDouble());
        assertTrue(r.at("/summary/first_decision").isNull());
        assertTrue(r.at("/ledger_integrity/valid").asBoolean());
        assertEquals(0, r.at("/ledger_integrity/total").asLong());
        for (String a : ARTICLES) {
            JsonNode art = r.path("eu_ai_act_mapping").path(a);
            assertFalse(art.path("description").asText().isBlank(), a);
            assertTrue(art.path("evidence").isObject(), a);
        }
    }

    @Test
    void allGoodLedger_art12Compliant_art14Partial_andV01Fields() {
        for (int i = 0; i < 4; i++) ledger.record("support-agent", "reply", "openai", "gpt-4", null);
        ledger.record("billing", "refund", "anthropic", "claude", null);
        JsonNode r = report();
        assertEquals("compliant", status(r, "article_12_record_keeping"));
        assertEquals("partial", status(r, "article_14_human_oversight"));
        assertEquals("partial", status(r, "article_9_risk_management"));
        assertEquals("partial", status(r, "article_13_3_f_log_mechanisms"));
        assertEquals("partial", status(r, "article_15_accuracy"));
        assertEquals("compliant", status(r, "article_19_26_6_log_retention"));
        assertEquals("partial", status(r, "article_72_post_market_monitoring"));
        JsonNode s = r.get("summary");
        assertEquals(5, s.get("total").asLong());
        assertEquals(5, s.get("recorded").asLong());
        assertEquals(2, s.get("unique_models").asInt());
        assertEquals(2, s.get("unique_services").asInt());
        assertEquals(2, s.get("unique_decision_types").asInt());
        assertNotNull(s.get("first_decision").textValue());
        assertNotNull(s.get("last_decision").textValue());
        JsonNode e12 = r.at("/eu_ai_act_mapping/article_12_record_keeping/evidence");
        assertEquals(5, e12.get("total_decisions_logged").asLong());
        assertTrue(e12.get("immutable_hash_chain").asBoolean());
        assertEquals(5, e12.get("chain_length").asLong());
        assertEquals(s.get("first_decision"), e12.get("logging_period_start"));
        assertEquals(1, r.at("/eu_ai_act_mapping/article_13_3_f_log_mechanisms/evidence/hash_spec_version").asInt());
        assertEquals(2, r.at("/chain_heads").size());
        assertEquals(2, r.at("/breakdowns/by_model").size());
    }

    @Test
    void flaggedLedger_art14Compliant_andErrorRateCountsFlags() {
        DecisionRecord a = ledger.record("svc", "reply", "openai", "gpt-4", null);
        ledger.record("svc", "reply", "openai", "gpt-4", null);
        ledger.record("svc", "reply", "openai", "gpt-4o", null);
        ledger.verdict(a.decisionId(), DecisionStatus.INCORRECT, "missed the billing issue", null, null);
        JsonNode r = report();
        assertEquals("compliant", status(r, "article_14_human_oversight"));
        assertEquals(1, r.at("/summary/incorrect").asLong());
        assertEquals(33.3, r.at("/summary/error_rate").asDouble());
        assertEquals(0.0, r.at("/summary/correction_rate").asDouble());
        assertEquals(1, r.at("/eu_ai_act_mapping/article_14_human_oversight/evidence/flagged_for_review").asLong());
        JsonNode gpt4 = r.at("/breakdowns/by_model/0");
        assertEquals("openai/gpt-4", gpt4.get("model").asText());
        assertEquals(50.0, gpt4.get("error_rate").asDouble());
        assertEquals(1, r.get("recent_verdicts").size());
        assertEquals("missed the billing issue", r.at("/recent_verdicts/0/incorrect_reason").asText());
    }

    @Test
    void correctedLedger_art14Compliant_art9ShowsImprovement_andRatesAsV01() {
        DecisionRecord a = ledger.record("svc", "reply", "openai", "gpt-4", null);
        ledger.record("svc", "reply", "openai", "gpt-4", null);
        ledger.verdict(a.decisionId(), DecisionStatus.INCORRECT, "wrong", null, null);
        ObjectNode fix = Json.object().put("response", "refund issued");
        ledger.verdict(a.decisionId(), DecisionStatus.CORRECTED, null, fix, "agent_42");
        JsonNode r = report();
        assertEquals("compliant", status(r, "article_14_human_oversight"));
        assertEquals("compliant", status(r, "article_12_record_keeping"));
        assertEquals(0, r.at("/summary/incorrect").asLong());
        assertEquals(1, r.at("/summary/corrected").asLong());
        assertEquals(50.0, r.at("/summary/correction_rate").asDouble());
        assertEquals(50.0, r.at("/summary/error_rate").asDouble(), "v0.1: (incorrect + corrected) / total");
        assertTrue(r.at("/eu_ai_act_mapping/article_9_risk_management/evidence/systematic_improvement").asBoolean());
        assertEquals(1, r.at("/eu_ai_act_mapping/article_15_accuracy/evidence/corrected").asLong());
        assertEquals(0.0, r.at("/eu_ai_act_mapping/article_15_accuracy/evidence/accuracy_percent").asDouble(),
                "one reviewed decision, corrected: accuracy over the reviewed only");
        assertEquals(50.0, r.at("/eu_ai_act_mapping/article_15_accuracy/evidence/review_coverage_percent").asDouble());
        JsonNode week = r.at("/breakdowns/by_week/0");
        assertEquals(1, week.get("corrected").asLong(), "the correction counts in the week the decision was recorded");
    }

    @Test
    void tamperedLedger_art12NonCompliant_andIntegrityInvalid() {
        for (int i = 0; i < 3; i++) ledger.record("svc", "reply", "openai", "gpt-4", null);
        ledger.replace("svc", 2, e -> FakeChains.withContent(e, e.content().replace("hello", "HELLO")));
        JsonNode r = report();
        assertEquals("non_compliant", status(r, "article_12_record_keeping"));
        assertFalse(r.at("/ledger_integrity/valid").asBoolean());
        assertEquals("dec_" + "svc".hashCode() + "_2", r.at("/ledger_integrity/broken_at").asText());
        assertEquals("content_changed", r.at("/ledger_integrity/failure/kind").asText());
        assertFalse(r.at("/eu_ai_act_mapping/article_12_record_keeping/evidence/immutable_hash_chain").asBoolean());
        assertEquals("non_compliant", status(r, "article_19_26_6_log_retention"), "entries may have been altered");
        assertTrue(r.at("/ledger_integrity/head_hash").isNull());
    }

    @Test
    void retentionShorterThanSixMonths_isNonCompliant_andSixMonthsIsEnough() {
        ledger.record("svc", "reply", "openai", "gpt-4", null);
        assertEquals("non_compliant", status(report(new ArticleRules.Settings(90L)), "article_19_26_6_log_retention"));
        assertEquals("compliant", status(report(new ArticleRules.Settings(183L)), "article_19_26_6_log_retention"));
    }

    @Test
    void percent_roundsToOneDecimal() {
        assertEquals(33.3, LedgerStats.percent(1, 3));
        assertEquals(66.7, LedgerStats.percent(2, 3));
        assertEquals(0.0, LedgerStats.percent(1, 0));
    }
}

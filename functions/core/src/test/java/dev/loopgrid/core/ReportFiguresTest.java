package dev.loopgrid.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.decision.ContentResolver;
import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.decision.LogBuckets;
import dev.loopgrid.core.decision.Usage;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.report.ArticleRules;
import dev.loopgrid.core.report.CheckpointStore;
import dev.loopgrid.core.report.ComplianceReportService;
import dev.loopgrid.core.report.IncrementalVerifier;
import dev.loopgrid.core.report.LedgerStats;
import dev.loopgrid.core.report.PriceTable;
import dev.loopgrid.core.report.ReportHtml;
import dev.loopgrid.core.report.ReportJson;
import dev.loopgrid.core.report.StatsService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every figure of the JSON and HTML reports (and of {@code GET /v1/stats}) recomputed from the decisions they cover: a
 * ledger with known verdicts, latencies and token usage is built through the real use cases (so the counters are
 * the ones {@code counterDeltas} moves), then each number is recomputed here from the decisions themselves and compared.
 */
class ReportFiguresTest {
    private static final String T = "local";

    /** A clock the test moves. */
    private static final class MovingClock extends Clock {
        Instant now = Instant.parse("2026-11-16T09:00:00Z"); // Monday of ISO week 2026-W47

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
        void advance(Duration d) { now = now.plus(d); }
    }

    private final MovingClock clock = new MovingClock();
    private InMemoryLedgerStore store;
    private DecisionService decisions;
    /** decision id → latency (ms) as recorded, or absent */
    private final Map<String, Long> latency = new LinkedHashMap<>();
    /** decision id → seconds from the decision to its first verdict */
    private final Map<String, Long> firstVerdict = new HashMap<>();
    private final Map<String, Instant> recordedAt = new HashMap<>();
    private final List<String> ids = new ArrayList<>();

    @BeforeEach
    void setUp() {
        store = new InMemoryLedgerStore(clock);
        decisions = new DecisionService(store, store, new Ledger(store, clock, Ledger.Policy.defaults(), null), clock,
                DecisionService.DEFAULT_MAX_CONTENT_BYTES, null, DecisionService.DEFAULT_MAX_CONTENT_BYTES);
    }

    private String record(String service, String type, String provider, String model, String metadata) {
        ObjectNode body = (ObjectNode) Json.parseStored("{\"service_name\":\"" + service + "\",\"decision_type\":\"" + type
                + "\",\"input\":{\"message\":\"hi\"},\"model\":{\"provider\":\"" + provider + "\",\"name\":\"" + model
                + "\"},\"output\":{\"response\":\"<b>ok</b> & \\\"fine\\\"\"}" + (metadata == null ? "" : ",\"metadata\":" + metadata) + "}");
        String id = decisions.record(T, body, null).decision().decisionId();
        ids.add(id);
        recordedAt.put(id, clock.instant());
        Usage u = Usage.of(body.get("metadata"));
        if (u.latencyMs() != null) latency.put(id, u.latencyMs());
        clock.advance(Duration.ofMinutes(1));
        return id;
    }

    private void verdictAfter(String id, Duration after, Function<String, DecisionRecord> verdict) {
        Instant at = recordedAt.get(id).plus(after);
        if (at.isAfter(clock.instant())) clock.now = at;
        firstVerdict.putIfAbsent(id, Duration.between(recordedAt.get(id), clock.instant()).toSeconds());
        verdict.apply(id);
    }

    private DecisionRecord confirm(String id, String notes) {
        ObjectNode b = Json.object().put("confirmed_by", "rev_1");
        if (notes != null) b.put("notes", notes);
        return decisions.confirm(T, id, b);
    }

    private DecisionRecord flag(String id) {
        return decisions.markIncorrect(T, id, Json.object().put("reason", "wrong <reason>"));
    }

    private DecisionRecord correct(String id) {
        return decisions.attachCorrection(T, id, Json.parseStored(
                "{\"correction\":{\"response\":\"Refund =issued\"},\"corrected_by\":\"agent_42\",\"notes\":\"see <ticket>\"}"));
    }

    private PriceTable prices() {
        return PriceTable.parse("{\"currency\":\"USD\",\"models\":{\"openai/gpt-4\":{\"input_per_million\":30,"
                + "\"output_per_million\":60},\"anthropic/claude\":{\"input_per_million\":3,\"output_per_million\":15}}}");
    }

    /** The ledger: 7 decisions over two models, two types, two services and two weeks; 6 reviewed. */
    private void build() {
        String a = record("support", "refund", "openai", "gpt-4", "{\"latency_ms\":100,\"tokens\":{\"input\":1000,\"output\":200,\"total\":1200}}");
        String b = record("support", "refund", "openai", "gpt-4", "{\"latency_ms\":300,\"tokens\":{\"input\":500,\"output\":100}}");
        String c = record("support", "reply", "openai", "gpt-4", "{\"latency_ms\":2000}");
        String g = record("billing", "reply", "openai", "gpt-4", "{\"latency_ms\":150.7,\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}");
        String d = record("billing", "reply", "anthropic", "claude", "{\"latency_ms\":800,\"usage\":{\"input_tokens\":50,\"output_tokens\":10}}");
        verdictAfter(a, Duration.ofMinutes(10), id -> confirm(id, "matches <billing> & policy"));
        verdictAfter(b, Duration.ofHours(1), this::flag);
        verdictAfter(c, Duration.ofHours(2), id -> confirm(id, null));
        verdictAfter(g, Duration.ofHours(3), id -> confirm(id, null));
        verdictAfter(d, Duration.ofDays(1), this::correct);
        clock.advance(Duration.ofDays(7)); // into 2026-W48
        String e = record("billing", "reply", "anthropic", "claude", null);
        record("billing", "refund", "anthropic", "claude", "{\"tokens\":150}"); // never reviewed
        verdictAfter(c, Duration.ZERO, this::flag); // the later flag wins over the confirmation
        verdictAfter(e, Duration.ofSeconds(30), id -> confirm(id, null));
        clock.advance(Duration.ofMinutes(5));
    }

    /** What the report should say for a set of decisions, recomputed from them. */
    private record Expected(long decisions, long recorded, long confirmed, long incorrect, long corrected) {
        long reviewed() { return confirmed + incorrect + corrected; }
        Double accuracy() { return reviewed() == 0 ? null : LedgerStats.percent(confirmed, reviewed()); }
        Double coverage() { return decisions == 0 ? null : LedgerStats.percent(reviewed(), decisions); }
    }

    private static Expected count(List<DecisionRecord> ds) {
        long rec = 0, cnf = 0, inc = 0, cor = 0;
        for (DecisionRecord d : ds) {
            switch (d.status()) {
                case RECORDED -> rec++;
                case CONFIRMED -> cnf++;
                case INCORRECT -> inc++;
                case CORRECTED -> cor++;
            }
        }
        return new Expected(ds.size(), rec, cnf, inc, cor);
    }

    private List<DecisionRecord> all() {
        List<DecisionRecord> out = new ArrayList<>();
        for (String id : ids) out.add(decisions.get(T, id));
        return out;
    }

    private static Map<String, List<DecisionRecord>> by(List<DecisionRecord> ds, Function<DecisionRecord, String> key) {
        Map<String, List<DecisionRecord>> m = new TreeMap<>();
        for (DecisionRecord d : ds) m.computeIfAbsent(key.apply(d), k -> new ArrayList<>()).add(d);
        return m;
    }

    private static void assertCounts(Expected x, JsonNode o, String where) {
        assertEquals(x.decisions(), o.get("decisions").asLong(), where + " decisions");
        assertEquals(x.reviewed(), o.get("reviewed").asLong(), where + " reviewed");
        assertEquals(x.confirmed(), o.get("confirmed").asLong(), where + " confirmed");
        assertEquals(x.incorrect(), o.get("incorrect").asLong(), where + " incorrect");
        assertEquals(x.corrected(), o.get("corrected").asLong(), where + " corrected");
        assertNullable(x.accuracy(), o.get("accuracy_percent"), where + " accuracy");
        assertNullable(x.coverage(), o.get("review_coverage_percent"), where + " coverage");
    }

    private static void assertNullable(Double expected, JsonNode actual, String where) {
        if (expected == null) assertTrue(actual.isNull(), where + ": " + actual);
        else assertEquals(expected, actual.asDouble(), 1e-9, where);
    }

    /** The q-quantile the sketch must give for these values: the upper bound of the bucket of the value of rank ceil(q·n). */
    private static Double sketchQuantile(List<Long> values, double q) {
        if (values.isEmpty()) return null;
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        long v = sorted.get((int) Math.max(0, Math.ceil(q * sorted.size()) - 1));
        double bound = LogBuckets.round(LogBuckets.upperBound(LogBuckets.bucket(v)));
        assertTrue(bound >= v && bound <= Math.max(2, v * 1.19) + 0.5, "bound " + bound + " for " + v);
        return bound;
    }

    @Test
    void everyFigure_ofTheJsonAndHtmlReports_isRecomputedFromTheDecisions() {
        build();
        List<DecisionRecord> ds = all();
        ComplianceReportService reports = new ComplianceReportService(store,
                new IncrementalVerifier(store, new ContentResolver(null), CheckpointStore.inMemory(), clock), null, clock,
                "LoopGrid test", ArticleRules.Settings.defaults(), prices());
        ComplianceReportService.Issued issued = reports.issue(T, null, false);
        JsonNode r = ReportJson.toJson(issued.report(), null, null);

        // totals
        Expected x = count(ds);
        assertEquals(new Expected(7, 1, 3, 2, 1), x, "the ledger as built");
        JsonNode s = r.get("summary");
        assertEquals(x.decisions(), s.get("total").asLong());
        assertEquals(x.recorded(), s.get("recorded").asLong());
        assertEquals(x.incorrect(), s.get("incorrect").asLong());
        assertEquals(x.corrected(), s.get("corrected").asLong());
        assertEquals(x.confirmed(), s.get("confirmed").asLong());
        assertEquals(x.reviewed(), s.get("reviewed").asLong());
        assertEquals(LedgerStats.percent(x.incorrect() + x.corrected(), x.decisions()), s.get("error_rate").asDouble(), "v0.1");
        assertEquals(LedgerStats.percent(x.corrected(), x.decisions()), s.get("correction_rate").asDouble(), "v0.1");
        assertEquals(50.0, s.get("accuracy_percent").asDouble(), "3 confirmed of 6 reviewed");
        assertEquals(85.7, s.get("review_coverage_percent").asDouble(), "6 reviewed of 7");
        assertEquals(x.accuracy(), s.get("accuracy_percent").asDouble());
        assertEquals(x.coverage(), s.get("review_coverage_percent").asDouble());
        long entries = 7 + 7; // seven decisions, seven verdict entries (c has two)
        assertEquals(entries, s.get("entries").asLong());
        assertEquals(2, s.get("unique_models").asLong());
        assertEquals(2, s.get("unique_services").asLong());
        assertEquals(2, s.get("unique_decision_types").asLong());
        assertEquals(ds.get(0).createdAt(), s.get("first_decision").asText());
        assertEquals(ds.get(ds.size() - 1).createdAt(), s.get("last_decision").asText());

        // Art. 13: entries and decisions under their own names
        JsonNode a13 = r.at("/eu_ai_act_mapping/article_13_3_f_log_mechanisms/evidence");
        assertEquals(entries, a13.get("entries_logged").asLong());
        assertEquals(x.decisions(), a13.get("decisions_logged").asLong());

        // Art. 15 and the breakdowns: per model, per type, per week, per service
        JsonNode a15 = r.at("/eu_ai_act_mapping/article_15_accuracy/evidence");
        assertCounts(x, a15, "art15");
        Map<String, List<DecisionRecord>> byModel = by(ds, DecisionRecord::model);
        Map<String, List<DecisionRecord>> byType = by(ds, DecisionRecord::decisionType);
        Map<String, List<DecisionRecord>> byWeek = by(ds, d -> Counters.isoWeek(d.createdAt()));
        Map<String, List<DecisionRecord>> byService = by(ds, DecisionRecord::chainId);
        assertEquals(2, byWeek.size());
        assertBreakdown(byModel, a15.get("per_model"), "model");
        assertBreakdown(byType, a15.get("per_decision_type"), "decision_type");
        assertBreakdown(byWeek, a15.get("per_week"), "week");
        assertBreakdown(byWeek, r.at("/eu_ai_act_mapping/article_72_post_market_monitoring/evidence/per_week"), "week");
        assertBreakdown(byModel, r.at("/breakdowns/by_model"), "model");
        assertBreakdown(byType, r.at("/breakdowns/by_decision_type"), "decision_type");
        assertBreakdown(byWeek, r.at("/breakdowns/by_week"), "week");
        assertBreakdown(byService, r.at("/breakdowns/by_service"), "service_name");
        for (JsonNode b : r.at("/breakdowns/by_model")) {
            Expected e = count(byModel.get(b.get("model").asText()));
            assertEquals(LedgerStats.percent(e.incorrect() + e.corrected(), e.decisions()), b.get("error_rate").asDouble());
            assertEquals(e.recorded(), b.get("recorded").asLong());
        }

        // Art. 14: coverage and time from decision to first verdict
        JsonNode a14 = r.at("/eu_ai_act_mapping/article_14_human_oversight/evidence");
        assertEquals(x.confirmed(), a14.get("human_confirmations").asLong());
        assertEquals(x.reviewed(), a14.get("reviewed_decisions").asLong());
        assertEquals(x.coverage(), a14.get("review_coverage_percent").asDouble());
        List<Long> verdictSeconds = new ArrayList<>(firstVerdict.values());
        assertEquals(6, verdictSeconds.size());
        assertEquals(sketchQuantile(verdictSeconds, 0.5), a14.get("time_to_verdict_median_seconds").asDouble());
        assertEquals(sketchQuantile(verdictSeconds, 0.9), a14.get("time_to_verdict_p90_seconds").asDouble());
        assertEquals(verdictSeconds.size(), r.at("/usage/time_to_verdict/decisions").asLong());

        // usage: latency p50/p95 from the sketch, tokens, cost
        JsonNode usage = r.at("/usage/per_model");
        assertEquals(2, usage.size());
        for (JsonNode m : usage) {
            String model = m.get("model").asText();
            List<Long> lat = new ArrayList<>();
            long in = 0, out = 0, totalOnly = 0, withTokens = 0;
            for (DecisionRecord d : byModel.get(model)) {
                if (latency.containsKey(d.decisionId())) lat.add(latency.get(d.decisionId()));
                Usage u = Usage.of(Json.parseStored(d.content()).get("metadata"));
                if (u.hasTokens()) withTokens++;
                if (u.inputTokens() != null) in += u.inputTokens();
                if (u.outputTokens() != null) out += u.outputTokens();
                if (u.totalTokens() != null) totalOnly += u.totalTokens();
            }
            Expected em = count(byModel.get(model));
            assertEquals(em.decisions(), m.get("decisions").asLong(), model);
            assertEquals(em.reviewed(), m.get("reviewed").asLong(), model);
            assertNullable(em.accuracy(), m.get("accuracy_percent"), model);
            assertNullable(em.coverage(), m.get("review_coverage_percent"), model);
            assertEquals(lat.size(), m.at("/latency_ms/decisions").asLong(), model);
            assertNullable(sketchQuantile(lat, 0.5), m.at("/latency_ms/p50"), model + " p50");
            assertNullable(sketchQuantile(lat, 0.95), m.at("/latency_ms/p95"), model + " p95");
            assertEquals(withTokens, m.at("/tokens/decisions").asLong(), model);
            assertEquals(in, m.at("/tokens/input").asLong(), model);
            assertEquals(out, m.at("/tokens/output").asLong(), model);
            assertEquals(totalOnly, m.at("/tokens/total_only").asLong(), model);
            if (totalOnly == 0) {
                PriceTable.Price p = prices().models().get(model);
                assertEquals(in * p.inputPerMillion() / 1e6 + out * p.outputPerMillion() / 1e6, m.at("/cost/amount").asDouble(), 1e-9);
                assertEquals("known", m.at("/cost/status").asText());
            } else {
                assertTrue(m.at("/cost/amount").isNull(), "a total cannot be priced: " + m);
                assertEquals("unknown", m.at("/cost/status").asText());
            }
        }
        assertEquals(0.0636, r.at("/usage/per_model/1/cost/amount").asDouble(), 1e-9, "openai/gpt-4: 1510 in × 30 + 305 out × 60 per million");

        // the verdict list: how many of how many, with notes
        assertEquals(ComplianceReportService.RECENT_VERDICTS, r.get("recent_verdicts").size());
        assertEquals(ComplianceReportService.RECENT_VERDICTS, r.at("/recent_verdicts_count/shown").asInt());
        assertEquals(x.reviewed(), r.at("/recent_verdicts_count/of").asLong());
        boolean notes = false;
        for (JsonNode v : r.get("recent_verdicts")) {
            if ("see <ticket>".equals(v.path("correction_notes").asText(null))) notes = true;
        }
        assertTrue(notes, "the correction's notes are listed: " + r.get("recent_verdicts"));

        // the HTML shows the same figures, escaped and readable
        String html = issued.htmlText();
        assertEquals(html, ReportHtml.render(issued.report()));
        assertTrue(html.contains("<th>Accuracy (confirmed ÷ reviewed)</th><td>50.0%</td>"), "accuracy");
        assertTrue(html.contains("<th>Review coverage (reviewed ÷ all)</th><td>85.7%</td>"), "coverage");
        assertTrue(html.contains("<th>Ledger entries (decisions, verdicts, replays)</th><td>14</td>"), "entries");
        assertTrue(html.contains("Showing 5 of 6 reviewed decisions"), "how many of how many");
        assertTrue(html.contains("Notes: see &lt;ticket&gt;"), "notes, escaped");
        assertTrue(html.contains("response: Refund =issued"), "a correction rendered readably, not as JSON text");
        assertTrue(html.contains("response: &lt;b&gt;ok&lt;/b&gt; &amp; &quot;fine&quot;"), "output readable and escaped");
        assertTrue(html.contains("<td>openai/gpt-4</td><td class=\"num\">4</td><td class=\"num\">4</td><td class=\"num\">2</td>"
                + "<td class=\"num\">2</td><td class=\"num\">0</td><td class=\"num\">50.0%</td><td class=\"num\">100.0%</td>"),
                "per model row: decisions, reviewed, confirmed, incorrect, corrected, accuracy, coverage");
        assertTrue(html.contains("0.0636 USD"), "cost");
        assertTrue(html.contains("<td class=\"num\">unknown</td>"), "cost without a usable price");
        assertTrue(!html.contains("<b>ok</b>"), "nothing unescaped");

        // GET /v1/stats says the same, from the same counters
        ObjectNode stats = new StatsService(store, prices(), clock).stats(T, null);
        assertCounts(x, stats, "stats");
        assertEquals(entries, stats.get("entries").asLong());
        assertEquals(usage, stats.get("models"));
        assertEquals(r.at("/usage/time_to_verdict"), stats.get("time_to_verdict"));
        assertTrue(stats.get("prices_configured").asBoolean());
        ObjectNode billing = new StatsService(store, PriceTable.EMPTY, clock).stats(T, "billing");
        assertCounts(count(byService.get("billing")), billing, "stats billing");
        for (JsonNode m : billing.get("models")) assertEquals("unknown", m.at("/cost/status").asText());
    }

    private static void assertBreakdown(Map<String, List<DecisionRecord>> expected, JsonNode actual, String key) {
        assertNotNull(actual, key);
        assertEquals(expected.size(), actual.size(), key + ": " + actual);
        for (JsonNode o : actual) {
            List<DecisionRecord> group = expected.get(o.get(key).asText());
            assertNotNull(group, key + " " + o);
            assertCounts(count(group), o, key + " " + o.get(key).asText());
        }
    }

    @Test
    void confirm_theLaterFlagOrCorrectionWins_andAConfirmationCannotOverruleThem() {
        String a = record("support", "refund", "openai", "gpt-4", null);
        DecisionRecord confirmed = confirm(a, "looks right");
        assertEquals(DecisionStatus.CONFIRMED, confirmed.status());
        assertEquals("rev_1", confirmed.confirmedBy());
        assertEquals("looks right", confirmed.confirmationNotes());
        ObjectNode view = dev.loopgrid.core.decision.DecisionView.toJson(decisions.get(T, a));
        assertEquals("confirmed", view.get("status").asText());
        assertEquals("rev_1", view.at("/confirmation/confirmed_by").asText());
        DecisionRecord again = confirm(a, null);
        assertEquals(DecisionStatus.CONFIRMED, again.status(), "a second confirmation is another entry, same status");
        DecisionRecord flagged = flag(a);
        assertEquals(DecisionStatus.INCORRECT, flagged.status());
        assertEquals("rev_1", decisions.get(T, a).confirmedBy(), "history kept on the projection");
        LedgerException.Conflict c = assertThrows(LedgerException.Conflict.class, () -> confirm(a, null));
        assertTrue(c.getMessage().contains("incorrect"), c.getMessage());
        assertEquals(DecisionStatus.CORRECTED, correct(a).status());
        assertThrows(LedgerException.Conflict.class, () -> confirm(a, null));
        // counters: one decision, incorrect→corrected, nothing left confirmed
        ObjectNode stats = new StatsService(store, PriceTable.EMPTY, clock).stats(T, null);
        assertEquals(1, stats.get("corrected").asLong());
        assertEquals(0, stats.get("confirmed").asLong());
        assertEquals(1, stats.at("/time_to_verdict/decisions").asLong(), "only the first verdict is timed");
        assertEquals(5, stats.get("entries").asLong(), "decision, two confirmations, flag, correction");
        // verification still passes over the new entry type
        assertTrue(new IntegrityService(store, new ContentResolver(null)).verify(T, null).valid());
    }

    @Test
    void confirm_validatesItsBody_andUnknownDecisionsAre404() {
        String a = record("support", "refund", "openai", "gpt-4", null);
        LedgerException.Invalid e = assertThrows(LedgerException.Invalid.class, () -> decisions.confirm(T, a, Json.object()));
        assertEquals("confirmed_by", e.errors().get(0).field());
        assertThrows(LedgerException.Invalid.class, () -> decisions.confirm(T, a, null));
        assertThrows(LedgerException.Invalid.class,
                () -> decisions.confirm(T, a, Json.object().put("confirmed_by", "x").put("notes", 5)));
        assertThrows(LedgerException.Invalid.class, () -> decisions.confirm(T, a,
                Json.object().put("confirmed_by", "x").put("notes", "n".repeat(DecisionService.MAX_TEXT_LENGTH + 1))));
        assertThrows(LedgerException.NotFound.class, () -> decisions.confirm(T, "dec_nope", Json.object().put("confirmed_by", "x")));
    }

    @Test
    void record_requiresModelProviderAndName_namingTheField() {
        for (String model : List.of("{}", "{\"name\":\"gpt-4\"}", "{\"provider\":\"openai\",\"name\":\" \"}",
                "{\"provider\":1,\"name\":\"gpt-4\"}")) {
            ObjectNode body = (ObjectNode) Json.parseStored("{\"service_name\":\"s\",\"decision_type\":\"t\",\"input\":{},"
                    + "\"model\":" + model + ",\"output\":{}}");
            LedgerException.Invalid e = assertThrows(LedgerException.Invalid.class, () -> decisions.record(T, body, null), model);
            assertTrue(e.errors().stream().anyMatch(f -> f.field().equals("model.provider") || f.field().equals("model.name")),
                    model + " → " + e.errors());
        }
    }

    @Test
    void groundTruth_listsCorrectedDecisions_thenConfirmedOnesAsPositiveExamples() throws Exception {
        String a = record("support", "refund", "openai", "gpt-4", null);
        String b = record("support", "refund", "openai", "gpt-4", null);
        record("support", "refund", "openai", "gpt-4", null);
        correct(a);
        confirm(b, "right");
        var export = new dev.loopgrid.core.report.ExportService(store, null, 1 << 20).groundTruth(T, null);
        assertEquals(2, export.rows());
        String[] lines = new String(((dev.loopgrid.core.report.ExportService.Delivery.Inline) export).body(),
                java.nio.charset.StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length);
        JsonNode corrected = Json.parseStored(lines[0]);
        assertEquals("corrected", corrected.get("verdict").asText());
        assertEquals(a, corrected.get("decision_id").asText());
        assertEquals("Refund =issued", corrected.at("/correction/response").asText());
        JsonNode confirmed = Json.parseStored(lines[1]);
        assertEquals("confirmed", confirmed.get("verdict").asText());
        assertEquals(b, confirmed.get("decision_id").asText());
        assertTrue(confirmed.get("correction").isNull(), "a positive example: its own output was right");
        assertEquals("rev_1", confirmed.get("confirmed_by").asText());
        assertEquals("right", confirmed.get("confirmation_notes").asText());
        assertEquals("<b>ok</b> & \"fine\"", confirmed.at("/original_output/response").asText());
    }

    @Test
    void fullVerification_movesTheReportsCheckpoints() {
        record("support", "refund", "openai", "gpt-4", null);
        record("support", "refund", "openai", "gpt-4", null);
        CheckpointStore cps = CheckpointStore.inMemory();
        IntegrityService full = new IntegrityService(store, new ContentResolver(null), cps, clock, () -> null);
        assertTrue(full.verify(T, null).valid());
        var cp = cps.read(T, List.of("support")).get("support");
        assertNotNull(cp, "the full walk remembered the chain");
        assertEquals(2, cp.sequence());
        IncrementalVerifier.Result next = new IncrementalVerifier(store, new ContentResolver(null), cps, clock)
                .verify(T, store.listChains(T), false);
        assertEquals(0, next.newlyVerified(), "the next report re-hashes nothing appended before the full walk");
    }
}

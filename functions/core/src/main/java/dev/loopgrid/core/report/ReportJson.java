package dev.loopgrid.core.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.Verification;
import java.util.Locale;
import java.util.Map;

/** The JSON form of a report (API.md, "GET /v1/compliance/report"): v0.1's keys, then the new ones. */
public final class ReportJson {
    private ReportJson() {}

    /**
     * The report as JSON. {@code json} and {@code html} are the links to its stored copies; null when it was
     * not stored (the stored JSON copy itself carries no links).
     */
    public static ObjectNode toJson(ComplianceReport r, ReportStore.PresignedLink json, ReportStore.PresignedLink html) {
        ObjectNode o = Json.object();
        o.put("report_type", ComplianceReport.REPORT_TYPE);
        o.put("generated_at", r.generatedAt());
        o.put("generator", r.generator());
        o.put("service_filter", r.serviceFilter());
        o.set("summary", summary(r.stats()));
        o.set("ledger_integrity", integrity(r.integrity()));
        ObjectNode mapping = o.putObject("eu_ai_act_mapping");
        for (Article a : r.articles()) {
            ObjectNode m = mapping.putObject(a.key());
            m.put("status", a.status().wire());
            m.put("description", a.description());
            m.set("evidence", a.evidence());
            m.put("article", a.article());
            m.put("title", a.title());
            m.put("basis", a.basis());
        }
        o.put("report_id", r.reportId());
        if (json != null || html != null) {
            o.put("download_url", json == null ? null : json.url());
            o.put("html_url", html == null ? null : html.url());
            o.put("expires_at", json != null ? json.expiresAt() : html.expiresAt());
        }
        ObjectNode b = o.putObject("breakdowns");
        b.set("by_model", breakdown("model", r.stats().byModel()));
        b.set("by_decision_type", breakdown("decision_type", r.stats().byType()));
        b.set("by_service", breakdown("service_name", r.stats().byService()));
        b.set("by_week", breakdown("week", r.stats().byWeek()));
        ArrayNode verdicts = o.putArray("recent_verdicts");
        for (dev.loopgrid.core.decision.DecisionRecord d : r.recentVerdicts()) {
            ObjectNode v = verdicts.addObject();
            v.put("decision_id", d.decisionId());
            v.put("service_name", d.chainId());
            v.put("decision_type", d.decisionType());
            v.put("status", d.status().wire());
            v.put("incorrect_reason", d.incorrectReason());
            v.put("incorrect_at", d.incorrectAt());
            v.put("corrected_by", d.correctedBy());
            v.put("corrected_at", d.correctedAt());
            // a data subject's correction is personal data: reports are kept, so it is not copied into them
            v.put("correction_notes", d.subjectId() != null ? null : d.correctionNotes());
            v.put("confirmed_by", d.confirmedBy());
            v.put("confirmed_at", d.confirmedAt());
            v.put("confirmation_notes", d.confirmationNotes());
        }
        ObjectNode vs = o.putObject("recent_verdicts_count");
        vs.put("shown", r.recentVerdicts().size());
        vs.put("of", r.stats().totals().reviewed());
        ObjectNode lc = o.putObject("lifecycle");
        lc.put("entries_total", r.lifecycleTotal());
        lc.put("shown", r.lifecycle().size());
        ArrayNode lcEntries = lc.putArray("entries");
        for (dev.loopgrid.core.ledger.Entry e : r.lifecycle()) {
            ObjectNode x = lcEntries.addObject();
            x.put("sequence", e.sequence());
            x.put("type", e.type() == null ? null : e.type().wire());
            x.put("recorded_at", e.recordedAt());
            x.put("chain_hash", e.chainHash());
            x.set("content", e.content() == null ? null : dev.loopgrid.core.Json.parseStored(e.content()));
        }
        ObjectNode usage = o.putObject("usage");
        usage.set("per_model", UsageJson.perModel(r.stats(), r.prices()));
        usage.set("time_to_verdict", UsageJson.timeToVerdict(r.stats()));
        ArrayNode heads = o.putArray("chain_heads");
        for (IncrementalVerifier.ChainResult c : r.integrity().chainResults()) {
            ObjectNode h = heads.addObject();
            h.put("chain_id", c.chainId());
            h.put("sequence", c.headSequence());
            h.put("head_hash", c.headHash());
            h.put("valid", c.valid());
            h.put("verified_from", c.verifiedFrom());
            h.put("newly_verified", c.newlyVerified());
            h.put("verified_at", c.verifiedAt());
        }
        return o;
    }

    static ObjectNode summary(LedgerStats s) {
        LedgerStats.Counts t = s.totals();
        ObjectNode o = Json.object();
        o.put("total", t.decisions());
        o.put("recorded", t.recorded());
        o.put("incorrect", t.incorrect());
        o.put("corrected", t.corrected());
        o.put("correction_rate", t.correctionRate());
        o.put("error_rate", t.errorRate());
        o.put("confirmed", t.confirmed());
        o.put("reviewed", t.reviewed());
        o.put("accuracy_percent", t.accuracy());
        o.put("review_coverage_percent", t.reviewCoverage());
        o.put("entries", s.entries());
        o.put("unique_models", s.uniqueModels());
        o.put("unique_services", s.uniqueServices());
        o.put("unique_decision_types", s.uniqueDecisionTypes());
        o.put("first_decision", s.firstDecision());
        o.put("last_decision", s.lastDecision());
        return o;
    }

    /** As the {@code integrity} object of {@code GET /v1/integrity/verify}, plus how this run verified. */
    static ObjectNode integrity(IncrementalVerifier.Result v) {
        ObjectNode i = Json.object();
        i.put("valid", v.valid());
        i.put("total", v.entries());
        i.put("broken_at", v.failure() == null ? null : v.failure().brokenAt());
        i.put("message", v.message());
        i.put("chains", v.chains());
        i.put("decisions", v.decisions());
        i.put("head_hash", v.headHash());
        i.put("verification", v.full() ? "full" : "incremental");
        i.put("newly_verified", v.newlyVerified());
        if (v.log() != null) {
            ObjectNode l = i.putObject("log");
            l.put("checkpoints_checked", v.log().checkpoints());
            l.put("verified_size", v.log().verifiedSize());
            l.put("latest_checkpoint", v.log().latest());
            l.put("verifier_key", v.log().verifierKey());
        }
        Verification.Failure f = v.failure();
        if (f != null) {
            ObjectNode fo = i.putObject("failure");
            fo.put("kind", f.kind().name().toLowerCase(Locale.ROOT));
            fo.put("chain_id", f.chainId());
            fo.put("sequence", f.sequence());
            fo.put("entry_id", f.entryId());
            fo.put("decision_id", f.decisionId());
        }
        return i;
    }

    private static ArrayNode breakdown(String keyName, Map<String, LedgerStats.Counts> m) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (Map.Entry<String, LedgerStats.Counts> e : m.entrySet()) {
            ObjectNode o = a.addObject();
            o.put(keyName, e.getKey());
            o.put("decisions", e.getValue().decisions());
            o.put("recorded", e.getValue().recorded());
            o.put("incorrect", e.getValue().incorrect());
            o.put("corrected", e.getValue().corrected());
            o.put("error_rate", e.getValue().errorRate());
            o.put("correction_rate", e.getValue().correctionRate());
            o.put("confirmed", e.getValue().confirmed());
            o.put("reviewed", e.getValue().reviewed());
            o.put("accuracy_percent", e.getValue().accuracy());
            o.put("review_coverage_percent", e.getValue().reviewCoverage());
        }
        return a;
    }
}

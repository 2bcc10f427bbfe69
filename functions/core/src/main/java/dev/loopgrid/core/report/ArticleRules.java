package dev.loopgrid.core.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The status rules of the EU AI Act mapping. The three v0.1 articles keep v0.1's rules exactly (API.md):
 * Art. 12 is compliant when at least one decision is logged and the ledger verifies, else non-compliant;
 * Art. 14 is compliant when any decision was flagged or corrected, else partial (confirmations are evidence, but do
 * not change v0.1's rule); Art. 9 is partial.
 *
 * <p>The further articles are assessed only as far as the ledger can show anything, and say {@code partial}
 * where the ledger alone cannot prove compliance (each one's {@link Article#basis()} says why):
 * <ul>
 *   <li>Art. 13(3)(f), how logs are collected, stored and interpreted: partial — the ledger documents its own
 *       format (schema and hash specification version), but the instructions for use are the provider's.</li>
 *   <li>Art. 15, accuracy: partial — accuracy = confirmed ÷ reviewed (confirmed + incorrect + corrected), with
 *       review coverage (reviewed ÷ all) beside it, per model, per type and per week; never a rate over unreviewed
 *       decisions. The declared accuracy level is not in the ledger.</li>
 *   <li>Art. 19 / 26(6), log retention of at least six months: non-compliant when a retention shorter than
 *       {@value #MIN_RETENTION_DAYS} days is configured or the chains do not verify (entries missing); partial
 *       while nothing is logged; otherwise compliant (the chains prove nothing was removed since the first
 *       decision, and the ledger never expires entries).</li>
 *   <li>Art. 72, post-market monitoring: partial — weekly accuracy and review coverage are the data; the
 *       monitoring plan is the provider's.</li>
 * </ul>
 */
public final class ArticleRules {
    /** Six months, rounded up. */
    public static final int MIN_RETENTION_DAYS = 183;
    /** Weeks shown as evidence of Art. 15 and Art. 72 (the newest ones). */
    public static final int EVIDENCE_WEEKS = 12;

    /**
     * What the deployment says about itself.
     *
     * @param retentionDays how long ledger entries are kept, or null when they are never expired
     */
    public record Settings(Long retentionDays) {
        public static Settings defaults() { return new Settings(null); }
    }

    private ArticleRules() {}

    public static List<Article> assess(LedgerStats s, IncrementalVerifier.Result integrity, Settings settings) {
        List<Article> out = new ArrayList<>();
        out.add(article12(s, integrity));
        out.add(article14(s));
        out.add(article9(s));
        out.add(article13(s));
        out.add(article15(s));
        out.add(article19(s, integrity, settings));
        out.add(article72(s));
        return out;
    }

    static Article article12(LedgerStats s, IncrementalVerifier.Result integrity) {
        long total = s.totals().decisions();
        boolean ok = total > 0 && integrity.valid();
        ObjectNode e = Json.object();
        e.put("total_decisions_logged", total);
        e.put("immutable_hash_chain", integrity.valid());
        e.put("chain_length", integrity.entries());
        e.put("logging_period_start", s.firstDecision());
        e.put("logging_period_end", s.lastDecision());
        e.put("chains", integrity.chains());
        e.put("head_hash", integrity.headHash());
        e.put("verification", integrity.full() ? "full" : "incremental");
        if (integrity.log() != null) {
            // the evidence that does not depend on trusting whoever runs the database
            e.put("signed_checkpoint", integrity.log().latest());
            e.put("verifier_key", integrity.log().verifierKey());
            e.put("signed_size_verified", integrity.log().verifiedSize());
            e.put("how_to_verify", "Every entry is a leaf of the tenant's RFC 9162 Merkle log; the checkpoint above is"
                    + " a C2SP signed note by the verifier key, kept in write-once storage. Check any decision offline:"
                    + " GET /v1/decisions/{id}/receipt, then `java -jar loopgrid-verify.jar receipt FILE --key KEY`;"
                    + " watch the log with `loopgrid-verify monitor` (consistency between checkpoints) and rebuild it"
                    + " with `loopgrid-verify audit`.");
        }
        String basis = total == 0 ? "No decision has been logged yet."
                : !integrity.valid() ? "The hash chain does not verify: " + integrity.message()
                : integrity.log() != null && integrity.log().latest() != null
                        ? "Every decision is an entry of a hash chain that verifies, and the table agrees with every"
                                + " checkpoint of the signed log."
                : "Every decision is an entry of a hash chain that verifies.";
        return new Article("article_12_record_keeping", "Art. 12", "Record-keeping",
                ok ? Article.Status.COMPLIANT : Article.Status.NON_COMPLIANT,
                "Automatic logging of AI system events throughout lifecycle", basis, e);
    }

    static Article article14(LedgerStats s) {
        LedgerStats.Counts t = s.totals();
        boolean oversight = t.corrected() > 0 || t.incorrect() > 0; // v0.1's rule, unchanged (API.md)
        ObjectNode e = Json.object();
        e.put("human_corrections", t.corrected());
        e.put("flagged_for_review", t.incorrect());
        e.put("correction_rate", t.correctionRate());
        e.put("human_in_the_loop", true);
        e.put("human_confirmations", t.confirmed());
        e.put("reviewed_decisions", t.reviewed());
        e.put("review_coverage_percent", t.reviewCoverage());
        ObjectNode ttv = UsageJson.timeToVerdict(s);
        e.put("time_to_verdict_median_seconds", ttv.get("median_seconds").isNull() ? null : ttv.get("median_seconds").asDouble());
        e.put("time_to_verdict_p90_seconds", ttv.get("p90_seconds").isNull() ? null : ttv.get("p90_seconds").asDouble());
        return new Article("article_14_human_oversight", "Art. 14", "Human oversight",
                oversight ? Article.Status.COMPLIANT : Article.Status.PARTIAL,
                "Human oversight measures for AI system operation",
                oversight ? "Humans have flagged or corrected decisions, and each verdict is a ledger entry."
                        : t.confirmed() > 0 ? "Humans have confirmed decisions, but v0.1's rule asks for a flag or a "
                        + "correction before this article is compliant."
                        : "The means for human oversight exist, but no decision has been flagged or corrected yet.", e);
    }

    static Article article9(LedgerStats s) {
        LedgerStats.Counts t = s.totals();
        ObjectNode e = Json.object();
        e.put("error_rate_tracked", true);
        e.put("error_rate_percent", t.errorRate());
        e.put("replay_capability", true);
        e.put("systematic_improvement", t.corrected() > 0);
        e.put("replays_recorded", s.replays());
        return new Article("article_9_risk_management", "Art. 9", "Risk management", Article.Status.PARTIAL,
                "Risk management system for AI lifecycle",
                "The ledger tracks error rates and replays; the risk management system itself is a process outside it.", e);
    }

    static Article article13(LedgerStats s) {
        ObjectNode e = Json.object();
        e.put("log_schema", "LoopGrid ledger entry, hashing version " + EntryHasher.VERSION);
        e.put("hash_spec_version", EntryHasher.VERSION);
        e.put("canonicalization", "RFC 8785 JSON Canonicalization Scheme (JCS), UTF-8");
        e.put("hash_algorithm", "SHA-256");
        ArrayNode fields = e.putArray("envelope_fields");
        for (String f : List.of("v", "chain_id", "sequence", "type", "id", "decision_id", "recorded_at", "content_hash",
                "previous_hash")) {
            fields.add(f);
        }
        e.put("collection", "Every decision, flag, correction and replay result is appended by the API as an entry of "
                + "its service's chain, in the same transaction as its projection");
        e.put("storage", "Append-only hash chains (one per service); entries are never updated or deleted; content is "
                + "stored as the exact canonical text that was hashed");
        e.put("interpretation", "GET /v1/integrity/verify recomputes every hash; any API response can be re-hashed "
                + "offline from its own fields");
        e.put("entries_logged", s.entries());
        e.put("decisions_logged", s.totals().decisions());
        return new Article("article_13_3_f_log_mechanisms", "Art. 13(3)(f)", "Transparency: log mechanisms",
                Article.Status.PARTIAL,
                "The instructions for use must describe the mechanisms that allow deployers to properly collect, "
                        + "store and interpret the logs",
                "The ledger specifies how its logs are collected, stored and verified; the instructions for use that "
                        + "describe this to deployers are the provider's document.", e);
    }

    static Article article15(LedgerStats s) {
        LedgerStats.Counts t = s.totals();
        ObjectNode e = Json.object();
        e.put("decisions", t.decisions());
        e.put("reviewed", t.reviewed());
        e.put("confirmed", t.confirmed());
        e.put("incorrect", t.incorrect());
        e.put("corrected", t.corrected());
        e.put("accuracy_percent", t.accuracy());
        e.put("review_coverage_percent", t.reviewCoverage());
        e.put("accuracy_definition", "confirmed / reviewed (confirmed + incorrect + corrected); unreviewed decisions "
                + "are in no rate");
        e.set("per_model", accuracy("model", s.byModel()));
        e.set("per_decision_type", accuracy("decision_type", s.byType()));
        e.set("per_week", weeks(s));
        return new Article("article_15_accuracy", "Art. 15", "Accuracy, robustness and cybersecurity",
                Article.Status.PARTIAL,
                "High-risk AI systems must achieve an appropriate, declared level of accuracy and perform "
                        + "consistently in that respect throughout their lifecycle",
                "Accuracy is measured against human verdicts per model, per decision type and per week, over the "
                        + "decisions humans reviewed only (review coverage beside it); the declared accuracy level is "
                        + "not in the ledger.", e);
    }

    static Article article19(LedgerStats s, IncrementalVerifier.Result integrity, Settings settings) {
        Long days = settings.retentionDays();
        ObjectNode e = Json.object();
        if (days == null) e.put("retention_configured", "unlimited (entries are never expired or deleted)");
        else e.put("retention_configured", days + " days");
        e.put("retention_days", days);
        e.put("minimum_required_days", MIN_RETENTION_DAYS);
        e.put("logging_period_start", s.firstDecision());
        e.put("logging_period_end", s.lastDecision());
        e.put("logging_period_days", periodDays(s.firstDecision(), s.lastDecision()));
        e.put("chains_complete", integrity.valid());
        Article.Status status;
        String basis;
        if (days != null && days < MIN_RETENTION_DAYS) {
            status = Article.Status.NON_COMPLIANT;
            basis = "The configured retention of " + days + " days is shorter than six months.";
        } else if (!integrity.valid()) {
            status = Article.Status.NON_COMPLIANT;
            basis = "The chains do not verify, so logged entries may have been removed or altered.";
        } else if (s.totals().decisions() == 0) {
            status = Article.Status.PARTIAL;
            basis = "Nothing has been logged yet.";
        } else {
            status = Article.Status.COMPLIANT;
            basis = "Entries are kept " + (days == null ? "without expiry" : "for " + days + " days")
                    + " and the verified chains show none was removed since the first decision.";
        }
        return new Article("article_19_26_6_log_retention", "Art. 19 / 26(6)", "Automatically generated logs: retention",
                status, "Providers and deployers must keep the automatically generated logs for a period appropriate "
                        + "to the intended purpose, of at least six months", basis, e);
    }

    static Article article72(LedgerStats s) {
        ObjectNode e = Json.object();
        e.put("weeks_monitored", s.byWeek().size());
        e.put("decisions", s.totals().decisions());
        e.put("reviewed", s.totals().reviewed());
        e.put("accuracy_percent", s.totals().accuracy());
        e.put("review_coverage_percent", s.totals().reviewCoverage());
        e.set("per_week", weeks(s));
        return new Article("article_72_post_market_monitoring", "Art. 72", "Post-market monitoring",
                Article.Status.PARTIAL,
                "Providers must actively and systematically collect, document and analyse data on the performance of "
                        + "high-risk AI systems throughout their lifetime, following a post-market monitoring plan",
                "Accuracy and review coverage are collected per week from human verdicts; the monitoring plan and "
                        + "its analysis are the provider's.", e);
    }

    /** The newest {@link #EVIDENCE_WEEKS} weeks with decisions, oldest first. */
    private static ArrayNode weeks(LedgerStats s) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        List<Map.Entry<String, LedgerStats.Counts>> all = new ArrayList<>(s.byWeek().entrySet());
        for (Map.Entry<String, LedgerStats.Counts> w : all.subList(Math.max(0, all.size() - EVIDENCE_WEEKS), all.size())) {
            ObjectNode o = a.addObject();
            o.put("week", w.getKey());
            honest(o, w.getValue());
        }
        return a;
    }

    /** Each key's reviewed counts, accuracy and coverage. */
    private static ArrayNode accuracy(String keyName, Map<String, LedgerStats.Counts> m) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (Map.Entry<String, LedgerStats.Counts> e : m.entrySet()) {
            ObjectNode o = a.addObject();
            o.put(keyName, e.getKey());
            honest(o, e.getValue());
        }
        return a;
    }

    private static void honest(ObjectNode o, LedgerStats.Counts c) {
        o.put("decisions", c.decisions());
        o.put("reviewed", c.reviewed());
        o.put("confirmed", c.confirmed());
        o.put("incorrect", c.incorrect());
        o.put("corrected", c.corrected());
        o.put("accuracy_percent", c.accuracy());
        o.put("review_coverage_percent", c.reviewCoverage());
    }

    private static Long periodDays(String first, String last) {
        if (first == null || last == null) return null;
        try {
            return Duration.between(Instant.parse(first), Instant.parse(last)).toDays();
        } catch (RuntimeException e) {
            return null;
        }
    }
}

package dev.loopgrid.core.report;

import dev.loopgrid.core.decision.DecisionRecord;
import java.util.List;

/**
 * One compliance report, everything it states: the statistics from the chain counters, the verification it
 * ran, the article assessment, and the chain heads it attests.
 *
 * @param reportId      {@code rpt_…}, also the name of its stored copies
 * @param serviceFilter the {@code service_name} it covers, or null for every service
 * @param recentVerdicts the newest confirmed, flagged and corrected decisions (examples of human oversight), newest
 *                       first; at most {@link ComplianceReportService#RECENT_VERDICTS} of the
 *                       {@link LedgerStats.Counts#reviewed()} decisions in {@code stats}
 * @param prices        the price table cost is computed with
 */
public record ComplianceReport(String reportId, String generatedAt, String generator, String serviceFilter,
                               LedgerStats stats, IncrementalVerifier.Result integrity, List<Article> articles,
                               ArticleRules.Settings settings, List<DecisionRecord> recentVerdicts, PriceTable prices,
                               List<dev.loopgrid.core.ledger.Entry> lifecycle, long lifecycleTotal) {

    public ComplianceReport {
        recentVerdicts = recentVerdicts == null ? List.of() : List.copyOf(recentVerdicts);
        prices = prices == null ? PriceTable.EMPTY : prices;
        lifecycle = lifecycle == null ? List.of() : List.copyOf(lifecycle);
    }

    /** A report without lifecycle entries. */
    public ComplianceReport(String reportId, String generatedAt, String generator, String serviceFilter,
                            LedgerStats stats, IncrementalVerifier.Result integrity, List<Article> articles,
                            ArticleRules.Settings settings, List<DecisionRecord> recentVerdicts, PriceTable prices) {
        this(reportId, generatedAt, generator, serviceFilter, stats, integrity, articles, settings, recentVerdicts, prices,
                List.of(), 0);
    }

    /** The title every rendering carries. */
    public static final String TITLE = "LoopGrid Compliance Report";
    /** v0.1's {@code report_type}. */
    public static final String REPORT_TYPE = "EU AI Act Compliance Assessment";
}

package dev.loopgrid.core.report;

import java.util.Optional;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.decision.DecisionPage;
import dev.loopgrid.core.decision.DecisionQuery;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.decision.DecisionIndex;
import dev.loopgrid.core.ledger.Times;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The compliance report use case: statistics from the chain counters, verification of what was appended since
 * the last report ({@link IncrementalVerifier}), the article rules, and the stored JSON and HTML copies with
 * their download links. Its cost grows with the number of chains and with the entries appended since the
 * last report, not with the size of the ledger.
 */
public final class ComplianceReportService {
    /** Where reports are stored: {@code reports/<report_id>.json} and {@code .html}. */
    public static final String PREFIX = "reports/";
    /** Verdicts shown as examples of human oversight. */
    public static final int RECENT_VERDICTS = 5;
    /** Newest verdicts per status read to find them: bounded, so a service filter never makes the report scan. */
    static final int VERDICT_WINDOW = 50;

    /**
     * A report as issued.
     *
     * @param json link to the stored JSON copy, null when no storage is configured
     * @param html link to the stored HTML copy, null when no storage is configured
     * @param htmlText the HTML rendering
     */
    public record Issued(ComplianceReport report, ReportStore.PresignedLink json, ReportStore.PresignedLink html,
                         String htmlText) {}

    private final DecisionIndex store;
    private final IncrementalVerifier verifier;
    private final ReportStore reportStore;
    private final Clock clock;
    private final String generator;
    private final ArticleRules.Settings settings;
    private final PriceTable prices;
    private final dev.loopgrid.core.ledger.ChainStore chains;

    /** Without prices: every cost is unknown. */
    public ComplianceReportService(DecisionIndex store, IncrementalVerifier verifier, ReportStore reportStore, Clock clock,
                                   String generator, ArticleRules.Settings settings) {
        this(store, verifier, reportStore, clock, generator, settings, PriceTable.EMPTY);
    }

    /**
     * @param reportStore where copies go; null: reports are answered but not stored (no links)
     * @param prices      the price table cost is computed with
     */
    public ComplianceReportService(DecisionIndex store, IncrementalVerifier verifier, ReportStore reportStore, Clock clock,
                                   String generator, ArticleRules.Settings settings, PriceTable prices) {
        this(store, verifier, reportStore, clock, generator, settings, prices, null);
    }

    /**
     * @param chains where the tenant's lifecycle chain is read (holds, releases, retention floors, scheduled and
     *               performed erasures: the report lists the newest {@value #LIFECYCLE_SHOWN}); null for none
     */
    public ComplianceReportService(DecisionIndex store, IncrementalVerifier verifier, ReportStore reportStore, Clock clock,
                                   String generator, ArticleRules.Settings settings, PriceTable prices,
                                   dev.loopgrid.core.ledger.ChainStore chains) {
        this.chains = chains;
        this.prices = prices;
        this.store = store;
        this.verifier = verifier;
        this.reportStore = reportStore;
        this.clock = clock;
        this.generator = generator;
        this.settings = settings;
    }

    /** Builds a report over {@code serviceName} (null: every service); {@code full} re-verifies every entry. */
    public ComplianceReport generate(String tenant, String serviceName, boolean full) {
        String generatedAt = Times.format(clock.millis());
        List<ChainHead> heads = verifier.heads(tenant, serviceName);
        IncrementalVerifier.Result integrity = verifier.verify(tenant, heads, full);
        LedgerStats stats = LedgerStats.from(heads, heads.isEmpty() ? null : lastDecision(tenant, serviceName));
        List<dev.loopgrid.core.ledger.Entry> lifecycle = new ArrayList<>();
        long lifecycleTotal = 0;
        if (chains != null && serviceName == null) {
            // a bounded read from the head back: the cost does not grow with the lifecycle's history
            ChainKey key = new ChainKey(tenant, LIFECYCLE_CHAIN);
            Optional<ChainHead> head = chains.readHead(key);
            if (head.isPresent()) {
                lifecycleTotal = head.get().sequence();
                long from = Math.max(1, lifecycleTotal - LIFECYCLE_SHOWN + 1);
                chains.readEntries(key, from, lifecycleTotal).forEachRemaining(lifecycle::add);
                java.util.Collections.reverse(lifecycle);
            }
        }
        return new ComplianceReport(ReportIds.report(), generatedAt, generator, serviceName, stats, integrity,
                ArticleRules.assess(stats, integrity, settings), settings,
                stats.totals().reviewed() == 0 ? List.of() : recentVerdicts(tenant, serviceName), prices, lifecycle,
                lifecycleTotal);
    }

    /** The lifecycle entries a report lists at most, newest first. */
    public static final int LIFECYCLE_SHOWN = 100;
    /** The tenant's lifecycle chain ({@code LifecycleService.CHAIN}). */
    static final String LIFECYCLE_CHAIN = dev.loopgrid.core.decision.DecisionService.RESERVED_SERVICE_PREFIX + "lifecycle";

    /**
     * The newest confirmed, flagged or corrected decisions: the {@value #RECENT_VERDICTS} newest of each status from
     * the tenant-wide status index, or with {@code serviceName} the {@value #VERDICT_WINDOW} newest filtered to it (a
     * constant cost either way), newest first.
     */
    private List<DecisionRecord> recentVerdicts(String tenant, String serviceName) {
        List<DecisionRecord> all = new ArrayList<>();
        // without a filter the newest few of each status are enough; with one, a window to filter in
        int window = serviceName == null ? RECENT_VERDICTS : VERDICT_WINDOW;
        for (DecisionStatus s : List.of(DecisionStatus.INCORRECT, DecisionStatus.CORRECTED, DecisionStatus.CONFIRMED)) {
            for (DecisionRecord d : store.listDecisions(tenant, new DecisionQuery(null, null, s, null, null, 1,
                    window, null)).decisions()) {
                if (serviceName == null || serviceName.equals(d.chainId())) all.add(d);
            }
        }
        all.sort(Comparator.comparing(ComplianceReportService::verdictAt).reversed());
        return all.subList(0, Math.min(RECENT_VERDICTS, all.size()));
    }

    /** When the decision's current verdict was given. */
    static String verdictAt(DecisionRecord d) {
        String at = switch (d.status()) {
            case CONFIRMED -> d.confirmedAt();
            case CORRECTED -> d.correctedAt();
            case INCORRECT -> d.incorrectAt();
            case RECORDED -> null;
        };
        return at == null ? "" : at;
    }

    /** Generates, renders and stores a report (both copies), and presigns its links. */
    public Issued issue(String tenant, String serviceName, boolean full) {
        ComplianceReport r = generate(tenant, serviceName, full);
        String html = ReportHtml.render(r);
        if (reportStore == null) return new Issued(r, null, null, html);
        String json = Json.write(ReportJson.toJson(r, null, null));
        // reports/<tenant>/…: each tenant's objects under its own prefix
        String base = PREFIX + tenant + "/" + r.reportId();
        reportStore.put(base + ".json", json.getBytes(StandardCharsets.UTF_8), "application/json");
        reportStore.put(base + ".html", html.getBytes(StandardCharsets.UTF_8), "text/html; charset=utf-8");
        return new Issued(r, reportStore.presignGet(base + ".json", null), reportStore.presignGet(base + ".html", null), html);
    }

    /** The newest decision's time: one item from the newest-first index, whatever the ledger's size. */
    private String lastDecision(String tenant, String serviceName) {
        DecisionPage p = store.listDecisions(tenant, new DecisionQuery(serviceName, null, null, null, null, 1, 1, null));
        return p.decisions().isEmpty() ? null : p.decisions().get(0).createdAt();
    }
}

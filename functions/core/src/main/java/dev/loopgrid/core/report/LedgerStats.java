package dev.loopgrid.core.report;

import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.decision.DecisionStatus;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A report's statistics, summed from the counters on the chain heads (never from the entries): totals by
 * status, and the same per model, per decision type, per service (chain) and per ISO week of recording.
 *
 * @param replays      replay results appended to the chains
 * @param firstDecision the earliest created_at over the chains (a chain's first entry is always a decision)
 * @param lastDecision  the newest decision's created_at, or null
 */
public record LedgerStats(Counts totals, long replays, SortedMap<String, Counts> byModel,
                          SortedMap<String, Counts> byType, SortedMap<String, Counts> byService,
                          SortedMap<String, Counts> byWeek, String firstDecision, String lastDecision) {

    /**
     * Decisions and their current statuses. {@code decisions} may exceed the sum of the statuses' counts where
     * decisions were recorded before a breakdown's counters existed.
     */
    public record Counts(long decisions, long recorded, long incorrect, long corrected) {
        static final Counts ZERO = new Counts(0, 0, 0, 0);

        /** Flagged or corrected by a human: the v0.1 definition of an error. */
        public long errors() { return incorrect + corrected; }

        /** Percent of decisions flagged or corrected, one decimal (v0.1's {@code error_rate}). */
        public double errorRate() { return percent(errors(), decisions); }

        /** Percent of decisions corrected, one decimal (v0.1's {@code correction_rate}). */
        public double correctionRate() { return percent(corrected, decisions); }

        Counts plus(Counts o) {
            return new Counts(decisions + o.decisions, recorded + o.recorded, incorrect + o.incorrect, corrected + o.corrected);
        }

        Counts with(DecisionStatus s, long n) {
            return switch (s) {
                case RECORDED -> new Counts(decisions, recorded + n, incorrect, corrected);
                case INCORRECT -> new Counts(decisions, recorded, incorrect + n, corrected);
                case CORRECTED -> new Counts(decisions, recorded, incorrect, corrected + n);
            };
        }

        Counts withDecisions(long n) { return new Counts(decisions + n, recorded, incorrect, corrected); }
    }

    /** Percent with one decimal, 0 for an empty base. */
    public static double percent(long part, long whole) {
        return whole <= 0 ? 0.0 : Math.round(part * 1000.0 / whole) / 10.0;
    }

    /** Sums the counters of {@code heads}. */
    public static LedgerStats from(List<ChainHead> heads, String lastDecision) {
        Counts totals = Counts.ZERO;
        long replays = 0;
        SortedMap<String, Counts> byModel = new TreeMap<>();
        SortedMap<String, Counts> byType = new TreeMap<>();
        SortedMap<String, Counts> byService = new TreeMap<>();
        SortedMap<String, Counts> byWeek = new TreeMap<>();
        String first = null;
        for (ChainHead h : heads) {
            Counts chain = new Counts(h.counter(Counters.DECISIONS), h.counter(Counters.status(DecisionStatus.RECORDED)),
                    h.counter(Counters.status(DecisionStatus.INCORRECT)), h.counter(Counters.status(DecisionStatus.CORRECTED)));
            totals = totals.plus(chain);
            if (chain.decisions() > 0) byService.merge(h.chainId(), chain, Counts::plus);
            if (h.firstRecordedAt() != null && (first == null || h.firstRecordedAt().compareTo(first) < 0)) {
                first = h.firstRecordedAt();
            }
            for (Map.Entry<String, Long> c : h.counters().entrySet()) {
                String k = c.getKey();
                long v = c.getValue();
                if (k.startsWith("replays:")) replays += v;
                else if (k.startsWith("model:")) bump(byModel, k.substring(6), null, v);
                else if (k.startsWith("type:")) bump(byType, k.substring(5), null, v);
                else if (k.startsWith("week:")) bump(byWeek, k.substring(5), null, v);
                else if (k.startsWith("model_status:")) byStatus(byModel, k.substring(13), v);
                else if (k.startsWith("type_status:")) byStatus(byType, k.substring(12), v);
                else if (k.startsWith("week_status:")) byStatus(byWeek, k.substring(12), v);
            }
        }
        return new LedgerStats(totals, replays, unmodifiable(byModel), unmodifiable(byType), unmodifiable(byService),
                unmodifiable(byWeek), first, lastDecision);
    }

    /** {@code status:name} → the status's count for {@code name}. */
    private static void byStatus(SortedMap<String, Counts> map, String statusAndName, long v) {
        int colon = statusAndName.indexOf(':');
        if (colon < 0) return;
        DecisionStatus.fromWire(statusAndName.substring(0, colon))
                .ifPresent(s -> bump(map, statusAndName.substring(colon + 1), s, v));
    }

    private static void bump(SortedMap<String, Counts> map, String name, DecisionStatus s, long v) {
        Counts c = map.getOrDefault(name, Counts.ZERO);
        map.put(name, s == null ? c.withDecisions(v) : c.with(s, v));
    }

    private static SortedMap<String, Counts> unmodifiable(SortedMap<String, Counts> m) {
        m.values().removeIf(c -> c.decisions() <= 0 && c.recorded() <= 0 && c.incorrect() <= 0 && c.corrected() <= 0);
        return Collections.unmodifiableSortedMap(m);
    }

    /** Distinct models, decision types and services with at least one decision. */
    public int uniqueModels() { return count(byModel); }

    public int uniqueDecisionTypes() { return count(byType); }

    public int uniqueServices() { return count(byService); }

    private static int count(Map<String, Counts> m) {
        return (int) m.values().stream().filter(c -> c.decisions() > 0).count();
    }
}

package dev.loopgrid.core.report;

import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.decision.LogBuckets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A report's statistics, summed from the counters on the chain heads (never from the entries): totals by
 * status, and the same per model, per decision type, per service (chain) and per ISO week of recording.
 *
 * @param replays       replay results appended to the chains
 * @param firstDecision  the earliest created_at over the chains (a chain's first entry is always a decision)
 * @param lastDecision   the newest decision's created_at, or null
 * @param entries        ledger entries of every type (decisions, verdicts, replays) in the chains
 * @param verdictSeconds the time-to-first-verdict sketch: {@link LogBuckets} bucket of seconds → decisions
 * @param usage          per model: latency sketch and token sums ({@link ModelUsage})
 */
public record LedgerStats(Counts totals, long replays, SortedMap<String, Counts> byModel,
                          SortedMap<String, Counts> byType, SortedMap<String, Counts> byService,
                          SortedMap<String, Counts> byWeek, String firstDecision, String lastDecision, long entries,
                          SortedMap<Integer, Long> verdictSeconds, SortedMap<String, ModelUsage> usage) {

    /**
     * Decisions and their current statuses. {@code decisions} may exceed the sum of the statuses' counts where
     * decisions were recorded before a breakdown's counters existed.
     */
    public record Counts(long decisions, long recorded, long incorrect, long corrected, long confirmed) {
        static final Counts ZERO = new Counts(0, 0, 0, 0, 0);

        /** Flagged or corrected by a human: the v0.1 definition of an error. */
        public long errors() { return incorrect + corrected; }

        /** Decisions a human gave a verdict on: confirmed, flagged incorrect or corrected. */
        public long reviewed() { return confirmed + incorrect + corrected; }

        /**
         * Percent of reviewed decisions humans confirmed (one decimal): accuracy over the reviewed decisions only,
         * null when none was reviewed. Never a rate over unreviewed decisions.
         */
        public Double accuracy() { return reviewed() == 0 ? null : percent(confirmed, reviewed()); }

        /** Percent of decisions a human reviewed (one decimal), null when there is none. */
        public Double reviewCoverage() { return decisions == 0 ? null : percent(reviewed(), decisions); }

        /** Percent of decisions flagged or corrected, one decimal (v0.1's {@code error_rate}). */
        public double errorRate() { return percent(errors(), decisions); }

        /** Percent of decisions corrected, one decimal (v0.1's {@code correction_rate}). */
        public double correctionRate() { return percent(corrected, decisions); }

        Counts plus(Counts o) {
            return new Counts(decisions + o.decisions, recorded + o.recorded, incorrect + o.incorrect,
                    corrected + o.corrected, confirmed + o.confirmed);
        }

        Counts with(DecisionStatus s, long n) {
            return switch (s) {
                case RECORDED -> new Counts(decisions, recorded + n, incorrect, corrected, confirmed);
                case INCORRECT -> new Counts(decisions, recorded, incorrect + n, corrected, confirmed);
                case CORRECTED -> new Counts(decisions, recorded, incorrect, corrected + n, confirmed);
                case CONFIRMED -> new Counts(decisions, recorded, incorrect, corrected, confirmed + n);
            };
        }

        Counts withDecisions(long n) { return new Counts(decisions + n, recorded, incorrect, corrected, confirmed); }

        boolean empty() { return decisions <= 0 && recorded <= 0 && incorrect <= 0 && corrected <= 0 && confirmed <= 0; }
    }

    /**
     * One model's usage, from the counters {@link dev.loopgrid.core.decision.NewDecision} moves.
     *
     * @param latencyMs      {@link LogBuckets} bucket of milliseconds → decisions
     * @param usageDecisions decisions that reported token usage
     * @param tokensTotal    tokens of decisions that reported only a total
     */
    public record ModelUsage(SortedMap<Integer, Long> latencyMs, long usageDecisions, long tokensIn, long tokensOut,
                             long tokensTotal) {
        static final ModelUsage ZERO = new ModelUsage(new TreeMap<>(), 0, 0, 0, 0);

        /** Decisions with a recorded latency. */
        public long latencyDecisions() {
            long n = 0;
            for (long v : latencyMs.values()) n += v;
            return n;
        }

        /** The {@code q}-quantile of latency in ms (a bucket's upper bound, at most 19 % high), null without any. */
        public Double latencyQuantile(double q) {
            Double v = LogBuckets.quantile(latencyMs, q);
            return v == null ? null : LogBuckets.round(v);
        }

        ModelUsage plusBucket(int bucket, long n) {
            SortedMap<Integer, Long> m = new TreeMap<>(latencyMs);
            m.merge(bucket, n, Long::sum);
            return new ModelUsage(m, usageDecisions, tokensIn, tokensOut, tokensTotal);
        }

        ModelUsage plus(long usage, long in, long out, long total) {
            return new ModelUsage(latencyMs, usageDecisions + usage, tokensIn + in, tokensOut + out, tokensTotal + total);
        }
    }

    /** The {@code q}-quantile of the time from decision to first verdict in seconds, null when none was reviewed. */
    public Double verdictSecondsQuantile(double q) {
        Double v = LogBuckets.quantile(verdictSeconds, q);
        return v == null ? null : LogBuckets.round(v);
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
        long entries = 0;
        SortedMap<Integer, Long> verdictSeconds = new TreeMap<>();
        SortedMap<String, ModelUsage> usage = new TreeMap<>();
        for (ChainHead h : heads) {
            entries += h.counter(Counters.ENTRIES);
            Counts chain = new Counts(h.counter(Counters.DECISIONS), h.counter(Counters.status(DecisionStatus.RECORDED)),
                    h.counter(Counters.status(DecisionStatus.INCORRECT)), h.counter(Counters.status(DecisionStatus.CORRECTED)),
                    h.counter(Counters.status(DecisionStatus.CONFIRMED)));
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
                else if (k.startsWith("verdict_s:")) {
                    Integer b = bucket(k.substring(10));
                    if (b != null) verdictSeconds.merge(b, v, Long::sum);
                } else if (k.startsWith("latency_ms:")) {
                    String rest = k.substring(11);
                    int colon = rest.indexOf(':');
                    Integer b = colon < 0 ? null : bucket(rest.substring(0, colon));
                    if (b != null) usage.put(rest.substring(colon + 1),
                            usage.getOrDefault(rest.substring(colon + 1), ModelUsage.ZERO).plusBucket(b, v));
                } else if (k.startsWith("usage:")) usage.put(k.substring(6), usage.getOrDefault(k.substring(6), ModelUsage.ZERO).plus(v, 0, 0, 0));
                else if (k.startsWith("tokens_in:")) usage.put(k.substring(10), usage.getOrDefault(k.substring(10), ModelUsage.ZERO).plus(0, v, 0, 0));
                else if (k.startsWith("tokens_out:")) usage.put(k.substring(11), usage.getOrDefault(k.substring(11), ModelUsage.ZERO).plus(0, 0, v, 0));
                else if (k.startsWith("tokens_total:")) usage.put(k.substring(13), usage.getOrDefault(k.substring(13), ModelUsage.ZERO).plus(0, 0, 0, v));
            }
        }
        verdictSeconds.values().removeIf(v -> v <= 0);
        return new LedgerStats(totals, replays, unmodifiable(byModel), unmodifiable(byType), unmodifiable(byService),
                unmodifiable(byWeek), first, lastDecision, entries, Collections.unmodifiableSortedMap(verdictSeconds),
                Collections.unmodifiableSortedMap(usage));
    }

    private static Integer bucket(String s) {
        try {
            int b = Integer.parseInt(s);
            return b < 0 || b > LogBuckets.MAX_BUCKET ? null : b;
        } catch (NumberFormatException e) {
            return null;
        }
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
        m.values().removeIf(Counts::empty);
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

package dev.loopgrid.core;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Names of the counters kept on each chain head and the deltas an append applies to them. Lists take
 * their exact totals from these, and reports their statistics, so neither scans the ledger.
 */
public final class Counters {
    public static final String ENTRIES = "entries";
    public static final String DECISIONS = "decisions";

    private Counters() {}

    public static String entriesOfType(EntryType t) { return "entries:" + t.wire(); }

    public static String status(DecisionStatus s) { return "status:" + s.wire(); }

    public static String type(String decisionType) { return "type:" + decisionType; }

    public static String typeStatus(String decisionType, DecisionStatus s) {
        return "type_status:" + s.wire() + ":" + decisionType;
    }

    /** The summed counter deltas of a batch of appends. */
    public static Map<String, Long> deltas(List<AppendRequest> batch) {
        Map<String, Long> d = new TreeMap<>();
        for (AppendRequest r : batch) {
            add(d, ENTRIES, 1);
            add(d, entriesOfType(r.type()), 1);
            if (r.projection() instanceof ProjectionChange.NewDecision nd) {
                add(d, DECISIONS, 1);
                add(d, status(DecisionStatus.RECORDED), 1);
                add(d, type(nd.decisionType()), 1);
                add(d, typeStatus(nd.decisionType(), DecisionStatus.RECORDED), 1);
            } else if (r.projection() instanceof ProjectionChange.StatusChange sc && sc.expected() != sc.next()) {
                add(d, status(sc.expected()), -1);
                add(d, status(sc.next()), 1);
                add(d, typeStatus(sc.decisionType(), sc.expected()), -1);
                add(d, typeStatus(sc.decisionType(), sc.next()), 1);
            } else if (r.projection() instanceof ProjectionChange.ReplayFinished rf) {
                add(d, "replays:" + rf.result().status().wire(), 1);
            }
        }
        d.values().removeIf(v -> v == 0);
        return d;
    }

    private static void add(Map<String, Long> d, String k, long v) {
        d.merge(k, v, Long::sum);
    }
}

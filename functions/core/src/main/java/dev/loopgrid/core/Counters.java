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

    /** Decisions of a model ({@link #modelLabel}), counted when recorded. */
    public static String model(String model) { return "model:" + model; }

    /** Decisions of a model by their current status. */
    public static String modelStatus(String model, DecisionStatus s) { return "model_status:" + s.wire() + ":" + model; }

    /** Decisions recorded in an ISO week ({@link #isoWeek}, e.g. {@code 2026-W48}). */
    public static String week(String isoWeek) { return "week:" + isoWeek; }

    /**
     * Decisions recorded in an ISO week by their current status: a flag or correction moves its decision's count
     * in the week the decision was recorded (a cohort), so a week's error rate is the share of that week's
     * decisions humans found wrong so far.
     */
    public static String weekStatus(String isoWeek, DecisionStatus s) { return "week_status:" + s.wire() + ":" + isoWeek; }

    /**
     * The name a decision's {@code model} object is counted under: {@code provider/name}, or whichever of the two
     * is a non-empty string, or {@code unknown}.
     */
    public static String modelLabel(com.fasterxml.jackson.databind.JsonNode model) {
        String provider = model == null ? null : text(model.get("provider"));
        String name = model == null ? null : text(model.get("name"));
        if (provider != null && name != null) return provider + "/" + name;
        if (name != null) return name;
        if (provider != null) return provider;
        return "unknown";
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode n) {
        return n != null && n.isTextual() && !n.textValue().isBlank() ? n.textValue() : null;
    }

    /** The ISO-8601 week-based year and week ({@code 2026-W48}) of an API timestamp, in UTC. */
    public static String isoWeek(String recordedAt) {
        java.time.LocalDate d = java.time.Instant.parse(recordedAt).atZone(java.time.ZoneOffset.UTC).toLocalDate();
        return String.format("%04d-W%02d", d.get(java.time.temporal.IsoFields.WEEK_BASED_YEAR),
                d.get(java.time.temporal.IsoFields.WEEK_OF_WEEK_BASED_YEAR));
    }

    /** The summed counter deltas of a batch of appends (without the per-week counters of new decisions). */
    public static Map<String, Long> deltas(List<AppendRequest> batch) {
        return deltas(batch, null);
    }

    /**
     * The summed counter deltas of a batch of appends; {@code entries} (the linked entries, same order) give new
     * decisions their week. Per-model and per-week counters are kept only where the request names them.
     */
    public static Map<String, Long> deltas(List<AppendRequest> batch, List<Entry> entries) {
        Map<String, Long> d = new TreeMap<>();
        for (int i = 0; i < batch.size(); i++) {
            AppendRequest r = batch.get(i);
            add(d, ENTRIES, 1);
            add(d, entriesOfType(r.type()), 1);
            if (r.projection() instanceof ProjectionChange.NewDecision nd) {
                add(d, DECISIONS, 1);
                add(d, status(DecisionStatus.RECORDED), 1);
                add(d, type(nd.decisionType()), 1);
                add(d, typeStatus(nd.decisionType(), DecisionStatus.RECORDED), 1);
                if (nd.model() != null) {
                    add(d, model(nd.model()), 1);
                    add(d, modelStatus(nd.model(), DecisionStatus.RECORDED), 1);
                }
                if (entries != null && i < entries.size() && entries.get(i).recordedAt() != null) {
                    String w = isoWeek(entries.get(i).recordedAt());
                    add(d, week(w), 1);
                    add(d, weekStatus(w, DecisionStatus.RECORDED), 1);
                }
            } else if (r.projection() instanceof ProjectionChange.StatusChange sc && sc.expected() != sc.next()) {
                add(d, status(sc.expected()), -1);
                add(d, status(sc.next()), 1);
                add(d, typeStatus(sc.decisionType(), sc.expected()), -1);
                add(d, typeStatus(sc.decisionType(), sc.next()), 1);
                if (sc.model() != null) {
                    add(d, modelStatus(sc.model(), sc.expected()), -1);
                    add(d, modelStatus(sc.model(), sc.next()), 1);
                }
                if (sc.decisionCreatedAt() != null) {
                    String w = isoWeek(sc.decisionCreatedAt());
                    add(d, weekStatus(w, sc.expected()), -1);
                    add(d, weekStatus(w, sc.next()), 1);
                }
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

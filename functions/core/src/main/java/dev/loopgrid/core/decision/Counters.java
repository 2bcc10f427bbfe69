package dev.loopgrid.core.decision;

import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.EntryType;

/**
 * Names of the decision counters kept per chain (beside its head, one record per group: {@link CounterGroups}). {@link NewDecision} and {@link StatusChange} say which of
 * them an entry moves ({@code counterDeltas}); lists take their exact totals from them, and reports their
 * statistics, so neither scans the ledger.
 */
public final class Counters {
    /** {@link ChainHead#ENTRIES}, kept by the ledger itself. */
    public static final String ENTRIES = ChainHead.ENTRIES;
    public static final String DECISIONS = "decisions";

    private Counters() {}

    /** {@link ChainHead#entriesOfType}, kept by the ledger itself. */
    public static String entriesOfType(EntryType t) { return ChainHead.entriesOfType(t); }

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
     * Decisions whose first human verdict came within the {@link LogBuckets} bucket {@code bucket} of seconds after
     * the decision was recorded ({@link StatusChange}): the time-to-verdict sketch.
     */
    public static String verdictSeconds(int bucket) { return "verdict_s:" + bucket; }

    /** Decisions of a model whose recorded latency ({@link Usage}) falls in the {@link LogBuckets} bucket of milliseconds. */
    public static String latency(String model, int bucket) { return "latency_ms:" + bucket + ":" + model; }

    /** Input (prompt) tokens of a model's decisions, summed ({@link Usage}). */
    public static String tokensIn(String model) { return "tokens_in:" + model; }

    /** Output (completion) tokens of a model's decisions, summed. */
    public static String tokensOut(String model) { return "tokens_out:" + model; }

    /** Total tokens of a model's decisions that gave only a total, summed. */
    public static String tokensTotal(String model) { return "tokens_total:" + model; }

    /** A model's decisions that reported token usage. */
    public static String usageDecisions(String model) { return "usage:" + model; }

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
        java.time.Instant at = java.time.Instant.parse(recordedAt);
        long day = Math.floorDiv(at.getEpochSecond(), 86_400L);
        Week w = lastWeek;
        if (w != null && w.epochDay() == day) return w.name(); // a batch's entries share their day
        java.time.LocalDate d = java.time.LocalDate.ofEpochDay(day);
        int year = d.get(java.time.temporal.IsoFields.WEEK_BASED_YEAR);
        int week = d.get(java.time.temporal.IsoFields.WEEK_OF_WEEK_BASED_YEAR);
        String name = year >= 1000 && year <= 9999 ? year + (week < 10 ? "-W0" : "-W") + week
                : String.format(java.util.Locale.ROOT, "%04d-W%02d", year, week);
        lastWeek = new Week(day, name);
        return name;
    }

    /** The last day's ISO week computed: recording asks for the same day over and over. */
    private record Week(long epochDay, String name) {}

    private static volatile Week lastWeek;

    static void add(java.util.Map<String, Long> d, String k, long v) {
        d.merge(k, v, Long::sum);
    }
}

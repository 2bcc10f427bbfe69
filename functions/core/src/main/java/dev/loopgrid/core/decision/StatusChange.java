package dev.loopgrid.core.decision;

import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.ProjectionChange;
import java.util.Map;
import java.util.TreeMap;

/**
 * A human verdict: the projection's status moves from {@code expected} to {@code next}; applied only if the status
 * is still {@code expected} (a concurrent verdict makes the writer re-read and try again).
 *
 * @param reason            the flag's reason (flags only, may be null)
 * @param correction        canonical text of the corrected output (corrections only)
 * @param correctedBy       who corrected it (corrections only)
 * @param notes             correction or confirmation notes (may be null)
 * @param model             the decision's model label as kept on its projection, for per-model counters (may be null)
 * @param decisionCreatedAt the decision's created_at, for per-week counters and the time to its first verdict (may
 *                          be null)
 * @param confirmedBy       who confirmed it (confirmations only)
 */
public record StatusChange(String decisionId, String decisionType, DecisionStatus expected, DecisionStatus next,
                           String reason, String correction, String correctedBy, String notes, String model,
                           String decisionCreatedAt, String confirmedBy) implements ProjectionChange {

    /** A flag or a correction. */
    public StatusChange(String decisionId, String decisionType, DecisionStatus expected, DecisionStatus next,
                        String reason, String correction, String correctedBy, String notes, String model,
                        String decisionCreatedAt) {
        this(decisionId, decisionType, expected, next, reason, correction, correctedBy, notes, model, decisionCreatedAt,
                null);
    }

    @Override
    public String projectionKey() {
        return "D" + decisionId;
    }

    /** The projection gains the correction's text (and a confirmation its notes). */
    @Override
    public int approximateBytes(int storedContentBytes) {
        return (correction != null ? correction.length() * 3 : 0)
                + (next == DecisionStatus.CONFIRMED && notes != null ? notes.length() * 3 : 0);
    }

    /**
     * The decision's counts move from {@code expected} to {@code next}, in its type, model and week of recording;
     * the first verdict ({@code expected} recorded) also counts the time since the decision in the time-to-verdict
     * sketch ({@link Counters#verdictSeconds}).
     */
    @Override
    public Map<String, Long> counterDeltas(Entry entry) {
        Map<String, Long> d = new TreeMap<>();
        if (expected == next) return d;
        if (expected == DecisionStatus.RECORDED && decisionCreatedAt != null && entry.recordedAt() != null) {
            try {
                long ms = java.time.Duration.between(java.time.Instant.parse(decisionCreatedAt),
                        java.time.Instant.parse(entry.recordedAt())).toMillis();
                Counters.add(d, Counters.verdictSeconds(LogBuckets.bucket(Math.max(0, ms) / 1000.0)), 1);
            } catch (java.time.format.DateTimeParseException e) {
                // a time that does not parse is not counted
            }
        }
        Counters.add(d, Counters.status(expected), -1);
        Counters.add(d, Counters.status(next), 1);
        Counters.add(d, Counters.typeStatus(decisionType, expected), -1);
        Counters.add(d, Counters.typeStatus(decisionType, next), 1);
        if (model != null) {
            Counters.add(d, Counters.modelStatus(model, expected), -1);
            Counters.add(d, Counters.modelStatus(model, next), 1);
        }
        if (decisionCreatedAt != null) {
            String w = Counters.isoWeek(decisionCreatedAt);
            Counters.add(d, Counters.weekStatus(w, expected), -1);
            Counters.add(d, Counters.weekStatus(w, next), 1);
        }
        return d;
    }
}

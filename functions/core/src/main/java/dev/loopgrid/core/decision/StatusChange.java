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
 * @param notes             correction notes (may be null)
 * @param model             the decision's model label as kept on its projection, for per-model counters (may be null)
 * @param decisionCreatedAt the decision's created_at, for per-week counters (may be null)
 */
public record StatusChange(String decisionId, String decisionType, DecisionStatus expected, DecisionStatus next,
                           String reason, String correction, String correctedBy, String notes, String model,
                           String decisionCreatedAt) implements ProjectionChange {

    @Override
    public String projectionKey() {
        return "D" + decisionId;
    }

    /** The projection gains the correction's text. */
    @Override
    public int approximateBytes(int storedContentBytes) {
        return correction != null ? correction.length() * 3 : 0;
    }

    /** The decision's counts move from {@code expected} to {@code next}, in its type, model and week of recording. */
    @Override
    public Map<String, Long> counterDeltas(Entry entry) {
        Map<String, Long> d = new TreeMap<>();
        if (expected == next) return d;
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

package dev.loopgrid.core.decision;

import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.ProjectionChange;
import java.util.Map;
import java.util.TreeMap;

/**
 * A decision entry creates its projection (which must not exist yet) with status {@code recorded}.
 *
 * @param decisionType the decision's type
 * @param model        the decision's model label ({@link Counters#modelLabel}), kept on the projection so later
 *                     verdicts count under it without reading the content; null to keep no per-model counters
 */
public record NewDecision(String decisionId, String decisionType, String model) implements ProjectionChange {

    @Override
    public String projectionKey() {
        return "D" + decisionId;
    }

    /** The projection holds a second copy of the content (or of its key). */
    @Override
    public int approximateBytes(int storedContentBytes) {
        return storedContentBytes;
    }

    @Override
    public Map<String, Long> counterDeltas(Entry entry) {
        Map<String, Long> d = new TreeMap<>();
        Counters.add(d, Counters.DECISIONS, 1);
        Counters.add(d, Counters.status(DecisionStatus.RECORDED), 1);
        Counters.add(d, Counters.type(decisionType), 1);
        Counters.add(d, Counters.typeStatus(decisionType, DecisionStatus.RECORDED), 1);
        if (model != null) {
            Counters.add(d, Counters.model(model), 1);
            Counters.add(d, Counters.modelStatus(model, DecisionStatus.RECORDED), 1);
        }
        if (entry.recordedAt() != null) {
            String w = Counters.isoWeek(entry.recordedAt());
            Counters.add(d, Counters.week(w), 1);
            Counters.add(d, Counters.weekStatus(w, DecisionStatus.RECORDED), 1);
        }
        return d;
    }
}

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
 * @param usage        the decision's latency and token usage, counted per model (a bounded latency sketch,
 *                     {@link LogBuckets}, and token sums); {@link Usage#NONE} when none was recorded
 * @param subjectId    the data subject the decision names (its content is sealed under their key), or null
 */
public record NewDecision(String decisionId, String decisionType, String model, Usage usage, String subjectId)
        implements ProjectionChange {

    public NewDecision {
        usage = usage == null ? Usage.NONE : usage;
    }

    /** A decision without usage. */
    public NewDecision(String decisionId, String decisionType, String model) {
        this(decisionId, decisionType, model, Usage.NONE, null);
    }

    /** A decision without a data subject. */
    public NewDecision(String decisionId, String decisionType, String model, Usage usage) {
        this(decisionId, decisionType, model, usage, null);
    }

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
            if (usage.latencyMs() != null) Counters.add(d, Counters.latency(model, LogBuckets.bucket(usage.latencyMs())), 1);
            if (usage.hasTokens()) {
                Counters.add(d, Counters.usageDecisions(model), 1);
                if (usage.inputTokens() != null) Counters.add(d, Counters.tokensIn(model), usage.inputTokens());
                if (usage.outputTokens() != null) Counters.add(d, Counters.tokensOut(model), usage.outputTokens());
                if (usage.totalTokens() != null) Counters.add(d, Counters.tokensTotal(model), usage.totalTokens());
            }
        }
        if (entry.recordedAt() != null) {
            String w = Counters.isoWeek(entry.recordedAt());
            Counters.add(d, Counters.week(w), 1);
            Counters.add(d, Counters.weekStatus(w, DecisionStatus.RECORDED), 1);
        }
        return d;
    }
}

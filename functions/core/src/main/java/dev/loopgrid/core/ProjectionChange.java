package dev.loopgrid.core;

/** How an entry changes its decision's projection (the item that serves reads and lists). */
public sealed interface ProjectionChange {

    /**
     * A new decision: the projection is created (it must not exist).
     *
     * @param model the decision's model label ({@link Counters#modelLabel}) for per-model counters, or null
     */
    record NewDecision(String decisionType, String model) implements ProjectionChange {
        public NewDecision(String decisionType) {
            this(decisionType, null);
        }
    }

    /**
     * A human verdict: the projection's status moves from {@code expected} to {@code next}; applied only if
     * the status is still {@code expected} (a concurrent verdict makes the writer re-read and try again).
     *
     * @param reason      the flag's reason (flags only, may be null)
     * @param correction  canonical text of the corrected output (corrections only)
     * @param correctedBy who corrected it (corrections only)
     * @param notes       correction notes (may be null)
     * @param model       the decision's model label, for per-model counters (may be null)
     * @param decisionCreatedAt the decision's created_at, for per-week counters (may be null)
     */
    record StatusChange(String decisionType, DecisionStatus expected, DecisionStatus next, String reason,
                        String correction, String correctedBy, String notes, String model,
                        String decisionCreatedAt) implements ProjectionChange {
        public StatusChange(String decisionType, DecisionStatus expected, DecisionStatus next, String reason,
                            String correction, String correctedBy, String notes) {
            this(decisionType, expected, next, reason, correction, correctedBy, notes, null, null);
        }
    }

    /** The entry leaves every projection as it is. */
    record None() implements ProjectionChange {}

    /**
     * A finished replay: its item moves from running (claimed by {@code attempt}) to {@code result}'s final
     * state in the same transaction as its ledger entry. A duplicate worker run finds the condition failed.
     */
    record ReplayFinished(dev.loopgrid.core.replay.ReplayRecord result, int attempt) implements ProjectionChange {}
}

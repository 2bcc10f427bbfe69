package dev.loopgrid.core;

/** How an entry changes its decision's projection (the item that serves reads and lists). */
public sealed interface ProjectionChange {

    /** A new decision: the projection is created (it must not exist). */
    record NewDecision(String decisionType) implements ProjectionChange {}

    /**
     * A human verdict: the projection's status moves from {@code expected} to {@code next}; applied only if
     * the status is still {@code expected} (a concurrent verdict makes the writer re-read and try again).
     *
     * @param reason      the flag's reason (flags only, may be null)
     * @param correction  canonical text of the corrected output (corrections only)
     * @param correctedBy who corrected it (corrections only)
     * @param notes       correction notes (may be null)
     */
    record StatusChange(String decisionType, DecisionStatus expected, DecisionStatus next, String reason,
                        String correction, String correctedBy, String notes) implements ProjectionChange {}

    /** The entry leaves every projection as it is. */
    record None() implements ProjectionChange {}

    /**
     * A finished replay: its item moves from running (claimed by {@code attempt}) to {@code result}'s final
     * state in the same transaction as its ledger entry. A duplicate worker run finds the condition failed.
     */
    record ReplayFinished(dev.loopgrid.core.replay.ReplayRecord result, int attempt) implements ProjectionChange {}
}

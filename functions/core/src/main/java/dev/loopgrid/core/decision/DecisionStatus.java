package dev.loopgrid.core.decision;

import java.util.Optional;

/**
 * The latest human verdict on a decision: a projection of its flag, correction and confirmation entries. A
 * confirmation only moves a decision that no human found wrong (recorded or confirmed); a later flag or correction
 * moves a confirmed decision, and wins.
 */
public enum DecisionStatus {
    RECORDED("recorded"), INCORRECT("incorrect"), CORRECTED("corrected"), CONFIRMED("confirmed");

    private final String wire;

    DecisionStatus(String wire) { this.wire = wire; }

    public String wire() { return wire; }

    /** Whether a human reviewed the decision: confirmed it, flagged it or corrected it. */
    public boolean reviewed() { return this != RECORDED; }

    public static Optional<DecisionStatus> fromWire(String wire) {
        for (DecisionStatus s : values()) if (s.wire.equals(wire)) return Optional.of(s);
        return Optional.empty();
    }
}

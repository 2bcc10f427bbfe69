package dev.loopgrid.core.decision;

import java.util.Optional;

/** The latest human verdict on a decision: a projection of its flag and correction entries. */
public enum DecisionStatus {
    RECORDED("recorded"), INCORRECT("incorrect"), CORRECTED("corrected");

    private final String wire;

    DecisionStatus(String wire) { this.wire = wire; }

    public String wire() { return wire; }

    public static Optional<DecisionStatus> fromWire(String wire) {
        for (DecisionStatus s : values()) if (s.wire.equals(wire)) return Optional.of(s);
        return Optional.empty();
    }
}

package dev.loopgrid.core;

/** The kinds of ledger entry. The wire name is what the envelope's {@code type} field holds. */
public enum EntryType {
    DECISION("decision"), FLAG("flag"), CORRECTION("correction"), REPLAY("replay");

    private final String wire;

    EntryType(String wire) { this.wire = wire; }

    public String wire() { return wire; }

    public static EntryType fromWire(String wire) {
        for (EntryType t : values()) if (t.wire.equals(wire)) return t;
        throw new IllegalArgumentException("unknown entry type " + wire);
    }
}

package dev.loopgrid.core.ledger;

import java.util.List;

/**
 * The kinds of ledger entry and the layout of each one's content: the wire name is what the envelope's
 * {@code type} field holds, and {@link #members()} are exactly the members of the content object whose canonical
 * text {@code content_hash} covers (absent values as JSON {@code null}). Content is built through
 * {@link #content()}, so no layout is written down anywhere else; docs/ledger-format.md gives the bytes.
 */
public enum EntryType {
    /** A decision the AI system made. */
    DECISION("decision", "service_name", "decision_type", "input", "model", "output", "prompt", "tool_calls",
            "metadata"),
    /** A human flagged the decision as incorrect. */
    FLAG("flag", "decision_id", "reason"),
    /** A human attached the correct output (ground truth). */
    CORRECTION("correction", "decision_id", "correction", "corrected_by", "notes"),
    /** A replay of the decision finished (completed or failed). */
    REPLAY("replay", "decision_id", "replay_id", "overrides", "output", "mode", "provider", "model", "status",
            "error"),
    /** A human confirmed the decision as right (a later flag or correction still wins). */
    CONFIRMATION("confirmation", "decision_id", "confirmed_by", "notes");

    private final String wire;
    private final List<String> members;

    EntryType(String wire, String... members) {
        this.wire = wire;
        this.members = List.of(members);
    }

    public String wire() { return wire; }

    /** The members of this type's content object. */
    public List<String> members() { return members; }

    /** A builder of this type's content. */
    public EntryContent.Builder content() {
        return new EntryContent.Builder(this);
    }

    public static EntryType fromWire(String wire) {
        for (EntryType t : values()) if (t.wire.equals(wire)) return t;
        throw new IllegalArgumentException("unknown entry type " + wire);
    }
}

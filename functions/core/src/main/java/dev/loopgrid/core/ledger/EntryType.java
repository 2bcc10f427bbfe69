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
    /**
     * A decision that names a data subject: its personal members (input, output, prompt, tool_calls, metadata) are
     * sealed under the subject's data key, so the hash covers the ciphertext and still verifies once the key is
     * destroyed (docs/erasure.md).
     */
    SEALED_DECISION("sealed_decision", "service_name", "decision_type", "model", "subject_id", "sealed"),
    /** A human flagged the decision as incorrect. */
    FLAG("flag", "decision_id", "reason"),
    /** A human attached the correct output (ground truth). */
    CORRECTION("correction", "decision_id", "correction", "corrected_by", "notes"),
    /** A replay of the decision finished (completed or failed). */
    REPLAY("replay", "decision_id", "replay_id", "overrides", "output", "mode", "provider", "model", "status",
            "error"),
    /** A human confirmed the decision as right (a later flag or correction still wins). */
    CONFIRMATION("confirmation", "decision_id", "confirmed_by", "notes"),
    /** A legal hold was placed on a decision, a data subject or a service (tenant's lifecycle chain). */
    HOLD("hold", "hold_id", "scope", "target", "reason", "case_ref", "placed_by"),
    /** A legal hold was released. */
    HOLD_RELEASE("hold_release", "hold_id", "reason", "released_by"),
    /** An erasure was requested before the retention floor allows it, and scheduled for when it does. */
    ERASURE_SCHEDULED("erasure_scheduled", "subject_id", "run_at", "reason", "request_ref", "requested_by"),
    /** A data subject's key was destroyed: their sealed content is erased, the chain still verifies. */
    ERASURE("erasure", "subject_id", "key_id", "reason", "request_ref", "legal_basis", "erased_by"),
    /** The tenant's retention floor was set. */
    RETENTION("retention", "floor_days", "set_by");

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

    /** Whether entries of this type record a decision (in the clear or sealed). */
    public boolean isDecision() {
        return this == DECISION || this == SEALED_DECISION;
    }

    public static EntryType fromWire(String wire) {
        for (EntryType t : values()) if (t.wire.equals(wire)) return t;
        throw new IllegalArgumentException("unknown entry type " + wire);
    }
}

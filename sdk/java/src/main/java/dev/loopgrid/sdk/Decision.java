package dev.loopgrid.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A recorded decision (the API's Decision object). Optional members are null when absent; {@link #raw()} is
 * the object as received, including members this SDK version does not know. An erased decision ({@link #erased()})
 * has no input, output, prompt, tool calls or metadata: they are null.
 *
 * @param status        {@code recorded}, {@code incorrect}, {@code corrected} or {@code confirmed}
 * @param contentHash   SHA-256 (hex) of the canonical decision content
 * @param chainHash     hash of the decision's ledger entry, linked to the previous entry
 * @param sequence      position of the entry in its chain (1-based), or null from servers that do not send it
 */
public record Decision(String decisionId, Instant createdAt, String serviceName, String decisionType,
                       JsonNode input, JsonNode model, JsonNode output, JsonNode prompt, JsonNode toolCalls,
                       JsonNode metadata, String status, String contentHash, String chainHash,
                       String incorrectReason, Instant incorrectAt, Correction correction, Long sequence,
                       String previousHash, String chainId, JsonNode raw) {

    /** A human correction attached to a decision. */
    public record Correction(JsonNode output, String correctedBy, Instant correctedAt, String notes) {
        static Correction of(JsonNode n) {
            if (n == null || !n.isObject()) return null;
            return new Correction(Nodes.node(n, "output"), Nodes.text(n, "corrected_by"),
                    Nodes.instant(n, "corrected_at"), Nodes.text(n, "notes"));
        }
    }

    /** A human confirmation of a decision (the latest one; kept when a later flag or correction wins). */
    public record Confirmation(String confirmedBy, Instant confirmedAt, String notes) {
        static Confirmation of(JsonNode n) {
            if (n == null || !n.isObject()) return null;
            return new Confirmation(Nodes.text(n, "confirmed_by"), Nodes.instant(n, "confirmed_at"), Nodes.text(n, "notes"));
        }
    }

    /** The decision's confirmation, or null when it was never confirmed (or the server does not send it). */
    public Confirmation confirmation() {
        return raw == null ? null : Confirmation.of(raw.get("confirmation"));
    }

    /** The decision's data subject, or null when it names none. */
    public String subjectId() {
        return raw == null ? null : Nodes.text(raw, "subject_id");
    }

    /** True when the content was erased with its subject's key (input, output, prompt, tool calls and metadata are null). */
    public boolean erased() {
        return raw != null && Nodes.bool(raw, "erased");
    }

    /** When the decision's subject was erased, or null. */
    public Instant erasedAt() {
        return raw == null ? null : Nodes.instant(raw, "erased_at");
    }

    /** The reason given for the erasure, or null. */
    public String erasureReason() {
        return raw == null ? null : Nodes.text(raw, "erasure_reason");
    }

    public static Decision of(JsonNode n) {
        return new Decision(Nodes.text(n, "decision_id"), Nodes.instant(n, "created_at"), Nodes.text(n, "service_name"),
                Nodes.text(n, "decision_type"), Nodes.node(n, "input"), Nodes.node(n, "model"), Nodes.node(n, "output"),
                Nodes.node(n, "prompt"), Nodes.node(n, "tool_calls"), Nodes.node(n, "metadata"), Nodes.text(n, "status"),
                Nodes.text(n, "content_hash"), Nodes.text(n, "chain_hash"), Nodes.text(n, "incorrect_reason"),
                Nodes.instant(n, "incorrect_at"), Correction.of(n.get("correction")), Nodes.number(n, "sequence"),
                Nodes.text(n, "previous_hash"), Nodes.text(n, "chain_id"), n);
    }
}

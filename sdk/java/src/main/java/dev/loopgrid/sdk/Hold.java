package dev.loopgrid.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A legal hold ({@code /v1/holds}): while it is in place, every erasure it covers is refused with 409
 * {@code legal_hold}. Optional members are null when absent; {@link #raw()} is the object as received.
 *
 * @param scope     {@code decision}, {@code subject} or {@code service}
 * @param target    the decision id, subject id or service name
 * @param subjectId for a decision hold: the decision's data subject
 * @param released  true in the answer of {@link LoopGrid#releaseHold}
 */
public record Hold(String holdId, String scope, String target, String subjectId, String reason, String caseRef,
                   String placedBy, Instant placedAt, Long sequence, boolean released, JsonNode raw) {

    public static Hold of(JsonNode n) {
        return new Hold(Nodes.text(n, "hold_id"), Nodes.text(n, "scope"), Nodes.text(n, "target"),
                Nodes.text(n, "subject_id"), Nodes.text(n, "reason"), Nodes.text(n, "case_ref"),
                Nodes.text(n, "placed_by"), Nodes.instant(n, "placed_at"), Nodes.number(n, "sequence"),
                Nodes.bool(n, "released"), n);
    }
}

package dev.loopgrid.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A data subject's erasure ({@code POST} / {@code GET /v1/subjects/{subject_id}/erasure}; see docs/erasure.md).
 * Optional members are null when absent; {@link #raw()} is the object as received.
 *
 * @param status          {@code none}, {@code scheduled} or {@code erased}
 * @param erased          true once the subject's key is destroyed
 * @param complete        true once backups (point-in-time recovery) can no longer restore the key; null when not sent
 * @param completeAfter   when the erasure becomes complete
 * @param runAt           when a scheduled erasure runs
 * @param scheduled       true when the erasure waits for the retention floor: the server answered 202 to
 *                        {@link LoopGrid#eraseSubject}, or reports {@code status} {@code scheduled}
 */
public record Erasure(String subjectId, String status, boolean erased, Instant erasedAt, String reason, String requestRef,
                      String keyId, Long erasureSequence, Boolean complete, Instant completeAfter, Instant runAt,
                      String detail, boolean scheduled, JsonNode raw) {

    /** An erasure as read ({@code GET}): scheduled when its status says so. */
    public static Erasure of(JsonNode n) {
        return of(n, "scheduled".equals(Nodes.text(n, "status")));
    }

    static Erasure of(JsonNode n, boolean scheduled) {
        JsonNode complete = n.get("complete");
        return new Erasure(Nodes.text(n, "subject_id"), Nodes.text(n, "status"), Nodes.bool(n, "erased"),
                Nodes.instant(n, "erased_at"), Nodes.text(n, "reason"), Nodes.text(n, "request_ref"),
                Nodes.text(n, "key_id"), Nodes.number(n, "erasure_sequence"),
                complete == null || !complete.isBoolean() ? null : complete.booleanValue(),
                Nodes.instant(n, "complete_after"), Nodes.instant(n, "run_at"), Nodes.text(n, "detail"), scheduled, n);
    }
}

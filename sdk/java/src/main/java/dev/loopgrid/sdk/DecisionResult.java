package dev.loopgrid.sdk;

import java.util.List;

/**
 * The answer for one item of {@link LoopGrid#recordDecisions}, in request order.
 *
 * @param status         201 (recorded), 200 (an idempotent retry: recorded before) or the item's error status (4xx/5xx)
 * @param decision       the recorded Decision when {@link #ok()}, else null
 * @param code           the stable error code (e.g. {@code validation_error}), else null
 * @param detail         what went wrong, else null
 * @param errors         field errors of a 422; empty otherwise
 * @param idempotencyKey the key the item was sent with
 */
public record DecisionResult(int status, Decision decision, String code, String detail,
                             List<LoopGridApiException.FieldError> errors, String idempotencyKey) {
    public DecisionResult {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    /** True when the decision is in the ledger (201, or 200 for a retry). */
    public boolean ok() {
        return status >= 200 && status < 300;
    }
}

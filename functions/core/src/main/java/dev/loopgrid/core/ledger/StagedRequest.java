package dev.loopgrid.core.ledger;

import java.util.concurrent.ThreadLocalRandom;

/**
 * An {@link AppendRequest} staged for its chain: stored without contention, then appended by whichever writer next
 * wins the chain's head, in one transaction with every other staged request it finds ({@link Ledger}, staged mode).
 *
 * @param stageId sortable and unique: the staging time (zero-padded epoch milliseconds), then 16 random hex digits,
 *                so key order is roughly arrival order and integration is first come, first served
 */
public record StagedRequest(String stageId, AppendRequest request) {

    public StagedRequest {
        if (stageId == null || stageId.isEmpty()) throw new IllegalArgumentException("stageId is required");
        if (request == null) throw new IllegalArgumentException("request is required");
    }

    /** A new stage id for a request staged at {@code epochMillis}. */
    public static String newId(long epochMillis) {
        return String.format("%015d#%016x", epochMillis, ThreadLocalRandom.current().nextLong());
    }
}

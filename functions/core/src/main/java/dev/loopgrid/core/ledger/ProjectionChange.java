package dev.loopgrid.core.ledger;

import java.util.Map;

/**
 * What an entry changes outside the chain (a decision's projection, a replay's item), written in the same
 * transaction as the entry. The ledger knows nothing of the features that implement this: it only asks the three
 * questions below. Implementations live with their feature ({@code decision}, {@code replay}); a store writes each
 * through a writer it looks up by the implementation's class, and refuses a change it has no writer for.
 */
public interface ProjectionChange {

    /**
     * The item this change writes, unique within a tenant (e.g. {@code "D" + decisionId}). Two changes of one item
     * never share a transaction: the later one waits for the next batch.
     */
    String projectionKey();

    /**
     * Bytes this change adds to a transaction besides the entry itself, roughly.
     *
     * @param storedContentBytes what the entry's content takes in the entry (its key when stored elsewhere)
     */
    int approximateBytes(int storedContentBytes);

    /**
     * The chain counters this change moves once committed as {@code entry} (name → delta), added to the head in
     * the same transaction. None by default.
     */
    default Map<String, Long> counterDeltas(Entry entry) {
        return Map.of();
    }
}

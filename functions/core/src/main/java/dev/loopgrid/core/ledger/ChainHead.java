package dev.loopgrid.core.ledger;

import java.util.Map;

/**
 * The head of a chain: the last entry's sequence and chain hash, and the chain's counters (updated in the same
 * transaction as every append, so totals never need a scan; stored apart from the head, in bounded records per
 * counter group, and empty when only the position was read: {@link ChainStore#readPosition}).
 *
 * @param counters counter name → value: {@link #ENTRIES} and {@link #entriesOfType}, and whatever the appended
 *                 entries' {@link ProjectionChange#counterDeltas} named
 */
public record ChainHead(String chainId, long sequence, String headHash, Map<String, Long> counters,
                        String firstRecordedAt, String lastRecordedAt) {

    /** Entries in the chain. */
    public static final String ENTRIES = "entries";

    /** Entries of one type in the chain. */
    public static String entriesOfType(EntryType t) {
        return "entries:" + t.wire();
    }

    public ChainHead {
        counters = counters == null ? Map.of() : Map.copyOf(counters);
    }

    /** The counter's value, 0 when it was never incremented. */
    public long counter(String name) {
        Long v = counters.get(name);
        return v == null ? 0 : v;
    }
}

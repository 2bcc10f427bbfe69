package dev.loopgrid.core.ledger;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The ledger's storage port, defined by what the {@link Ledger} and the verifiers need: chain heads, entries and
 * idempotency claims. What an entry does to a read model travels with it as a {@link ProjectionChange}, which the
 * store writes in the same transaction through a writer it looks up by the change's type. Reads that follow writes
 * are strongly consistent unless said otherwise. Every method may throw {@link StoreException.Unavailable}.
 */
public interface ChainStore {

    /**
     * The chain's head with all its counters, or empty if the chain has no entry yet. The counters are kept apart
     * from the head (a bounded record per counter group, see {@code CounterGroups}), so this reads them all: for
     * reports and verification, not for the append path ({@link #readPosition}).
     */
    Optional<ChainHead> readHead(ChainKey chain);

    /**
     * The chain's position only: its head with no counters (one small read), or empty if the chain has no entry yet.
     * What the {@link Ledger} links appends to. By default {@link #readHead}.
     */
    default Optional<ChainHead> readPosition(ChainKey chain) {
        return readHead(chain);
    }

    /**
     * One counter of a chain, reading only the record that holds it: its exact value (0 when it never moved), or
     * empty when its decision type or model label is not counted under its own name on this chain (beyond the cap,
     * counted under {@code CounterGroups.OTHER}); the caller must then count another way. By default from
     * {@link #readHead}.
     */
    default OptionalLong readCounter(ChainKey chain, String counter) {
        return OptionalLong.of(readHead(chain).map(h -> h.counter(counter)).orElse(0L));
    }

    /**
     * Atomically appends {@code entries} (consecutive, the first following {@code expected}) with, for each,
     * the projection change and idempotency claim of the request at the same index, and moves the head to
     * the last entry while adding {@code counterDeltas} to its counters (folded as {@code CounterGroups.fold} says,
     * against the chain's admitted names, exactly even when processes race to admit the last one). All or nothing. An entry whose
     * {@link Entry#contentKey()} is set (its content already stored outside the ledger) is stored with the key, its
     * content's UTF-8 size and no content, and so is what its projection change writes.
     *
     * @param expected the head the entries follow, or null when the chain must not exist yet
     * @throws StoreException.HeadMoved     the head is not at {@code expected}
     * @throws StoreException.WriteRejected a condition of one request failed; nothing was written
     * @throws StoreException.Unavailable   unknown outcome; the caller must find out whether it was applied
     * @throws IllegalStateException        the store has no writer for a request's projection change, or refuses
     *                                      the request outright (a bug, not an outcome)
     */
    void append(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                Map<String, Long> counterDeltas);

    /**
     * Whether one {@link #append} can carry {@code requests} after {@code expected} (null: the chain's first write),
     * {@code staged} of them taken from staging: e.g. within a transaction's item and size limits. The ledger forms
     * batches by adding requests while this holds; a single request always goes on its own.
     */
    default boolean fitsOneWrite(ChainHead expected, List<AppendRequest> requests, int staged) {
        return true;
    }

    /**
     * The entry at {@code sequence}, or empty. Content that was appended with a {@link AppendRequest#contentKey()}
     * comes back as that key with null content.
     */
    Optional<Entry> readEntry(ChainKey chain, long sequence);

    /**
     * The chain's stored entries whose storage keys lie from {@code fromSequence} to {@code toSequence}
     * (inclusive), in key order, fetched page by page as the iterator advances. The entries' own sequence
     * fields are returned as stored, so the verifier can see reordering and insertion.
     */
    Iterator<Entry> readEntries(ChainKey chain, long fromSequence, long toSequence);

    /**
     * Heads of all chains of a tenant, ordered by chain id. Costs grow with the number of chains, not entries.
     * A registered chain whose head item is missing comes back with sequence 0 and a null hash.
     */
    List<ChainHead> listChains(String tenant);

    /** Ids of all chains of a tenant, ordered: {@link #listChains} without heads or counters. */
    default List<String> listChainIds(String tenant) {
        return listChains(tenant).stream().map(ChainHead::chainId).toList();
    }

    /** An unexpired idempotency claim, or empty. */
    Optional<IdempotencyRecord> findIdempotency(String tenant, String key);
}

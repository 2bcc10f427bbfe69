package dev.loopgrid.core;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The ledger's storage port, defined by what the ledger needs. Reads that follow writes are strongly
 * consistent unless said otherwise. Every method may throw {@link StoreException.Unavailable}.
 */
public interface LedgerStore {

    /** The chain's head, or empty if the chain has no entry yet. */
    Optional<ChainHead> readHead(ChainKey chain);

    /**
     * Atomically appends {@code entries} (consecutive, the first following {@code expected}) with, for each,
     * the projection change and idempotency claim of the request at the same index, and moves the head to
     * the last entry while adding {@code counterDeltas} to its counters. All or nothing. An entry whose
     * {@link Entry#contentKey()} is set (its content already in the {@link ContentStore}) is stored with the key, its
     * content's UTF-8 size and no content, and so is its decision's projection.
     *
     * @param expected the head the entries follow, or null when the chain must not exist yet
     * @throws StoreException.HeadMoved     the head is not at {@code expected}
     * @throws StoreException.WriteRejected a condition of one request failed; nothing was written
     * @throws StoreException.Unavailable   unknown outcome; the caller must find out whether it was applied
     */
    void append(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                Map<String, Long> counterDeltas);

    /**
     * The entry at {@code sequence}, or empty. As with every read here, content that was appended with a
     * {@link AppendRequest#contentKey()} comes back as that key with null content ({@link ContentResolvingStore} reads it).
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

    /** A decision's projection, or empty (also when it belongs to another tenant). */
    Optional<DecisionRecord> findDecision(String tenant, String decisionId);

    /** An unexpired idempotency record, or empty. */
    Optional<IdempotencyRecord> findIdempotency(String tenant, String key);

    /**
     * One page of decisions, newest first: at most {@code pageSize}, and it ends early (with {@code hasMore} and a
     * {@code nextCursor} to the decision it left out) before the decision that would take the page's
     * {@link DecisionQuery#servedBytes} past {@link DecisionQuery#PAGE_BYTES}; a page always holds at least one.
     * Content stored under a key ({@link DecisionRecord#contentKey()}) is not read here: it comes back null.
     *
     * @throws LedgerException.Malformed when the cursor is not one this store issued for these filters
     */
    DecisionPage listDecisions(String tenant, DecisionQuery query);
}

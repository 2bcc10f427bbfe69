package dev.loopgrid.core.ledger;

import java.util.List;
import java.util.Map;

/**
 * A {@link ChainStore} that also serves the ledger's staged mode ({@link Ledger.Policy#staged()}): many independent
 * writers on one chain (one process per request, as on Lambda) store their requests in the chain's staging area, and
 * one writer at a time, the holder of the chain's lease, appends everyone's. The {@link Ledger} uses staged mode only
 * over a store of this type; over any other {@link ChainStore} every request is appended directly. Reads that follow
 * writes are strongly consistent; every method may throw {@link StoreException.Unavailable}.
 */
public interface StagingStore extends ChainStore {

    /**
     * As {@link #append}, where {@code staged.get(i)} is the {@link StagedRequest} that {@code requests.get(i)} was
     * taken from (null for a request that was not staged): the transaction also removes each such staged request, on
     * condition that it is still pending. A staged request that is no longer pending (another writer appended it, or
     * it was rejected or withdrawn) fails the whole write as {@link StoreException.HeadMoved}.
     */
    void append(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                Map<String, Long> counterDeltas, List<StagedRequest> staged);

    /**
     * As {@link #append}, on condition also that nobody holds the chain's lease ({@link #lease}, unexpired): the
     * direct append of a writer that believes itself alone on the chain, which must never race the lease holder's
     * appends of staged requests.
     *
     * @throws StoreException.Leased another writer holds the lease; nothing was written
     */
    void appendUnlessLeased(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                            Map<String, Long> counterDeltas);

    /**
     * Makes {@code writer} the chain's one integrator of staged requests until {@code untilEpochMillis}, unless another
     * writer holds an unexpired lease (renewing one's own lease always succeeds). Without a lease writers still never
     * fork the chain (the head's condition sees to that); the lease only keeps them from colliding on it.
     *
     * @return true if {@code writer} holds the lease now
     */
    boolean lease(ChainKey chain, String writer, long untilEpochMillis);

    /**
     * A new stage id prefix for one call's requests on {@code chain} (each request's id is the prefix, {@code #} and a
     * counter: {@link StagedRequest}). A store may draw it so that its requests land where the chain's lease holder
     * reads first; any prefix of {@link StagedRequest#newId} is correct.
     */
    default String newStagePrefix(ChainKey chain, long epochMillis) {
        return StagedRequest.newId(epochMillis);
    }

    /** Ends {@code writer}'s lease on the chain, if it holds it. */
    void release(ChainKey chain, String writer);

    /**
     * Whether this store can stage {@code request} ({@link #stage}) and tell its writer where it stands
     * ({@link #stagedState}). Requests it cannot stage are appended directly.
     */
    boolean canStage(AppendRequest request);

    /**
     * Stores {@code staged} for {@code chain} without touching the head (no contention between writers). Storing the
     * same staged request again while it is pending is harmless.
     *
     * @throws StoreException.Unavailable unknown outcome: {@link #stagedState} tells
     */
    void stage(ChainKey chain, StagedRequest staged);

    /**
     * Stages several requests of one writer, as {@link #stage} does each (a store may write them in fewer requests).
     *
     * @throws StoreException.Unavailable unknown outcome for some: {@link #stagedState} tells
     */
    default void stageAll(ChainKey chain, List<StagedRequest> staged) {
        for (StagedRequest s : staged) stage(chain, s);
    }

    /**
     * Up to {@code limit} pending staged requests of {@code chain}, lowest {@link StagedRequest#stageId} first (strongly
     * consistent).
     */
    List<StagedRequest> readStaged(ChainKey chain, int limit);

    /** Where {@code staged} stands now (strongly consistent). */
    StagedState stagedState(ChainKey chain, StagedRequest staged);

    /**
     * Where each of {@code staged} stands, in order (a store may ask in fewer requests than one per request).
     *
     * @throws StoreException.Unavailable nothing could be told
     */
    default List<StagedState> stagedStates(ChainKey chain, List<StagedRequest> staged) {
        List<StagedState> out = new java.util.ArrayList<>(staged.size());
        for (StagedRequest s : staged) out.add(stagedState(chain, s));
        return out;
    }

    /**
     * As {@link #stagedStates(ChainKey, List)}; with {@code withLease} false the store may leave the chain's lease
     * unread, and a pending request then reads as {@code Pending(true)} (held, as far as this poll can tell). Writers
     * poll many times per request and the lease is one item per chain: reading it on every poll would make it the
     * chain's hottest key for reads.
     */
    default List<StagedState> stagedStates(ChainKey chain, List<StagedRequest> staged, boolean withLease) {
        return stagedStates(chain, staged);
    }

    /**
     * Marks a pending staged request as rejected for {@code reason}: writers stop taking it and its own writer learns
     * why from {@link #stagedState}. Does nothing when it is no longer pending.
     */
    void rejectStaged(ChainKey chain, StagedRequest staged, StoreException.WriteRejected.Reason reason);

    /**
     * Removes {@code staged} if it is still stored (pending or rejected), so it can never be appended, and says what
     * became of it: {@link StagedState.Integrated} if it was appended before, {@link StagedState.Rejected} if it had
     * been rejected, {@link StagedState.Absent} otherwise (withdrawn, or never stored).
     */
    StagedState withdrawStaged(ChainKey chain, StagedRequest staged);
}

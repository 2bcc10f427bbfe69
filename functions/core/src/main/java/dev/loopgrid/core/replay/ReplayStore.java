package dev.loopgrid.core.replay;

import java.util.Optional;

/**
 * Storage of replays. Finishing a replay is not here: it is an append to the ledger whose transaction
 * also moves the replay item from running to its final state (see {@link ReplayFinished}),
 * so a replay's result and its ledger entry are written together or not at all.
 * Every method may throw {@code StoreException.Unavailable}.
 */
public interface ReplayStore {

    /** Stores a new pending replay, and its reference under its decision ({@link #listByDecision}), together. */
    void create(String tenant, ReplayRecord replay);

    /**
     * One page of a decision's replays, oldest first, without scanning: at most {@code limit}, after {@code cursor}
     * (null: from the first). Replays created before references were kept are not listed.
     *
     * @throws dev.loopgrid.core.ledger.LedgerException.Malformed for a cursor this store did not issue for the decision
     */
    ReplayPage listByDecision(String tenant, String decisionId, int limit, String cursor);

    /** A page of replays; {@code nextCursor} null on the last page. */
    record ReplayPage(java.util.List<ReplayRecord> replays, String nextCursor) {}

    Optional<ReplayRecord> find(String tenant, String replayId);

    /**
     * Claims the replay for one worker run: moves it to running, increments attempts and sets the lease,
     * if it is pending or its previous worker's lease has expired.
     *
     * @return the claimed replay, or empty when it is finished or another worker's lease still holds
     */
    Optional<ReplayRecord> claim(String tenant, String replayId, long nowMillis, long leaseUntilMillis);

    /** Gives a claimed replay back (running → pending) after a failure that may pass, if {@code attempt} still holds it. */
    void release(String tenant, String replayId, int attempt, String error);

    /** Marks a replay that could never be queued as failed (pending → failed). */
    void failUnqueued(String tenant, String replayId, String error, String at);

    /**
     * One page of open replays of every tenant — those {@link #create} stored and {@link #closeOpen} has not forgotten —
     * created before {@code createdBefore} (a {@code Times} string), oldest first, without scanning the replays: the
     * store keeps an index of open replays beside them, written with {@link #create}. It may list replays that have
     * finished since; {@link ReplayRecovery} looks at each and closes the finished ones.
     */
    OpenPage listOpen(String createdBefore, int limit, String cursor);

    /** Forgets a finished replay in the index of open replays (idempotent). */
    void closeOpen(OpenReplay replay);

    /** An entry of the index of open replays. */
    record OpenReplay(String tenant, String replayId, String createdAt) {}

    /** A page of open replays; {@code nextCursor} null on the last page. */
    record OpenPage(java.util.List<OpenReplay> replays, String nextCursor) {}
}

package dev.loopgrid.core.ledger;

/** Where a {@link StagedRequest} stands, as its store sees it now ({@link ChainStore#stagedState}). */
public sealed interface StagedState {

    /**
     * Staged, waiting for a writer to append it.
     *
     * @param leased another writer holds the chain's unexpired lease ({@link ChainStore#lease}): it is appending
     */
    record Pending(boolean leased) implements StagedState {}

    /** Appended to the chain as {@code entry}. */
    record Integrated(Entry entry) implements StagedState {}

    /** A condition of the request failed when a writer tried to append it; it never will be. */
    record Rejected(StoreException.WriteRejected.Reason reason) implements StagedState {}

    /** Neither staged nor appended: the staging write never landed (or the request was withdrawn). */
    record Absent() implements StagedState {}
}

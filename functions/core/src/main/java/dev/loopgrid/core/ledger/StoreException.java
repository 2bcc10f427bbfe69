package dev.loopgrid.core.ledger;

/**
 * What a {@link ChainStore} append can fail with, as domain outcomes (adapters translate their
 * infrastructure's exceptions into these).
 */
public abstract class StoreException extends RuntimeException {

    protected StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Another writer holds the chain's lease ({@link ChainStore#lease}) and so is appending staged requests: a direct
     * append of a writer that believed itself alone ({@link ChainStore#appendUnlessLeased}) stepped aside. Nothing was
     * written.
     */
    public static final class Leased extends StoreException {
        public Leased(String message) {
            super(message, null);
        }
    }

    /** The head was not at the expected sequence: another writer appended first. Nothing was written. */
    public static final class HeadMoved extends StoreException {
        private final ChainHead current;

        /** @param current the head as the store saw it when the condition failed, if it said (null otherwise) */
        public HeadMoved(String message, ChainHead current) {
            super(message, null);
            this.current = current;
        }

        public java.util.Optional<ChainHead> current() { return java.util.Optional.ofNullable(current); }
    }

    /**
     * A condition on one or more of the batch's writes failed (an idempotency key is taken, or a decision's
     * status moved, or a decision does not exist, or a new decision's id is taken). Nothing was written. A store
     * names every request it found rejected when it can (DynamoDB says which items failed), so that a batch of
     * retries is settled in one round instead of one round per request.
     */
    public static final class WriteRejected extends StoreException {
        private final java.util.SortedMap<Integer, Reason> all;

        public WriteRejected(int index, Reason reason, String message) {
            this(new java.util.TreeMap<>(java.util.Map.of(index, reason)), message);
        }

        /** @param all the rejected requests' indexes in the batch, each with its reason; at least one */
        public WriteRejected(java.util.SortedMap<Integer, Reason> all, String message) {
            super(message, null);
            if (all.isEmpty()) throw new IllegalArgumentException("a rejection names at least one request");
            this.all = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(all));
        }

        /** Index of the first rejected request in the batch. */
        public int index() { return all.firstKey(); }

        /** Why the first rejected request was refused. */
        public Reason reason() { return all.get(all.firstKey()); }

        /** Every rejected request of the batch by index, ascending, with its reason. */
        public java.util.SortedMap<Integer, Reason> all() { return all; }

        public enum Reason { IDEMPOTENCY_KEY_TAKEN, PROJECTION_MOVED }
    }

    /**
     * The store failed in a way that leaves the outcome unknown (timeout, throttling, a connection
     * reset after sending): the write may or may not have been applied.
     */
    public static final class Unavailable extends StoreException {
        public Unavailable(String message, Throwable cause) { super(message, cause); }
    }
}

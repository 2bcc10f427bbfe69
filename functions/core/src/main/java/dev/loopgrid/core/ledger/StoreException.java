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
     * A condition on one of the batch's writes failed (its idempotency key is taken, or its decision's
     * status moved, or its decision does not exist). Nothing was written.
     */
    public static final class WriteRejected extends StoreException {
        private final int index;
        private final Reason reason;

        public WriteRejected(int index, Reason reason, String message) {
            super(message, null);
            this.index = index;
            this.reason = reason;
        }

        /** Index of the rejected request in the batch. */
        public int index() { return index; }

        public Reason reason() { return reason; }

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

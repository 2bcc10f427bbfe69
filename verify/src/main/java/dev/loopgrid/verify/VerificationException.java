package dev.loopgrid.verify;

/**
 * A proof, note, checkpoint or key that does not verify, with the reason as a value ({@link #reason()}) and the
 * detail in the message. Thrown by every verifier and strict parser of this module; nothing here logs.
 */
public final class VerificationException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why verification failed. */
    public enum Reason {
        /** A hash is not 32 bytes. */
        BAD_HASH_LENGTH,
        /** Inclusion: the leaf index is negative or not below the tree size. */
        INDEX_OUT_OF_RANGE,
        /** Consistency: size1 &gt; size2, a negative size, or size1 = 0 (a proof from the empty tree proves nothing). */
        BAD_TREE_SIZES,
        /** The proof does not have exactly the number of hashes the tree shape requires. */
        WRONG_PROOF_LENGTH,
        /** The proof is well formed but the recomputed root differs from the expected one. */
        ROOT_MISMATCH,
        /** The signed note is not canonical C2SP signed-note text. */
        MALFORMED_NOTE,
        /** A verifier or signer key string is malformed or its key ID does not match. */
        MALFORMED_KEY,
        /** No signature of the note is by a known key (name and key ID both matching). */
        UNKNOWN_KEY,
        /** Two configured keys share the name and key ID of a signature. */
        AMBIGUOUS_KEY,
        /** A signature by a known key does not verify: the whole note is rejected. */
        BAD_SIGNATURE,
        /** The note text is not a C2SP tlog-checkpoint. */
        MALFORMED_CHECKPOINT,
        /** The checkpoint's origin is not the expected one. */
        ORIGIN_MISMATCH,
        /** A tile or entry bundle has the wrong length or structure. */
        MALFORMED_TILE,
        /** A C2SP tlog-proof is not canonical text. */
        MALFORMED_PROOF,
        /** The entry a receipt names does not match its proof's leaf or its own chain hash. */
        ENTRY_MISMATCH
    }

    private final Reason reason;

    public VerificationException(Reason reason, String detail) {
        // an outcome, not a bug: no stack trace (rejecting forged input stays cheap; the reason and detail say why)
        super(reason + ": " + detail, null, false, false);
        this.reason = reason;
    }

    /** Why verification failed. */
    public Reason reason() {
        return reason;
    }
}

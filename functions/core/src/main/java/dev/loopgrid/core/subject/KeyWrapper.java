package dev.loopgrid.core.subject;

/**
 * Envelope encryption of data keys: a new data key comes with its wrapped form, which is all that is stored; the
 * wrapping key never leaves the wrapper (AWS: a KMS key, {@code GenerateDataKey}/{@code Decrypt}; local stack: an
 * AES key in a file of the data dir). {@code context} binds a wrapped key to its tenant and subject, so a wrapped key
 * copied onto another subject's item does not unwrap.
 */
public interface KeyWrapper {

    /** A fresh 256-bit data key and its wrapped form. */
    Generated generate(String tenant, String subjectId);

    /**
     * The data key inside {@code wrapped}.
     *
     * @throws dev.loopgrid.core.ledger.StoreException.Unavailable the wrapper could not be reached
     * @throws IllegalStateException the wrapped key does not unwrap under this tenant and subject
     */
    byte[] unwrap(String tenant, String subjectId, byte[] wrapped);

    /** What {@link #generate} gives: the key in the clear and wrapped. */
    record Generated(byte[] plaintext, byte[] wrapped) {}
}

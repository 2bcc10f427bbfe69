package dev.loopgrid.core.subject;

import java.util.Optional;

/**
 * Where subjects' wrapped data keys are kept (one item per tenant and subject). Destroying a key is a ledger
 * append (an erasure entry with the change that removes the key, in one transaction), not a method here.
 */
public interface SubjectKeyStore {

    /** The subject's state, read strongly consistently (an erasure is seen at once), or empty when none. */
    Optional<SubjectState> find(String tenant, String subjectId);

    /**
     * Creates the subject's item with its wrapped key, unless one exists.
     *
     * @return the state after: the new one, or the one another writer created first (whose key is then the key)
     */
    SubjectState create(String tenant, String subjectId, String keyId, byte[] wrappedKey, String service, String now);

    /** Notes a use: adds {@code service} to the subject's services and moves its last use to {@code now}. */
    void touch(String tenant, String subjectId, String service, String now);
}

package dev.loopgrid.core.decision;

import dev.loopgrid.core.ledger.StoreException;

import java.util.Optional;

/**
 * Where decision content too large for a ledger item lives: objects addressed by the SHA-256 of their bytes
 * (the entry's {@code content_hash}), one key space per tenant. The ledger entry and the decision's
 * projection keep the hash and the key; whoever reads the object re-hashes it ({@link ContentResolver}),
 * so the object store is trusted for availability only, never for integrity.
 *
 * <p>Objects are written once, before the ledger transaction that references them, and never deleted by
 * LoopGrid. An object whose transaction then fails stays behind unreferenced; that is harmless (it holds
 * exactly the bytes its key names) and a retry of the same content reuses it.
 */
public interface ContentStore {
    /** Key prefix of every content object (the CDK app grants content access on {@code content/*} only). */
    String PREFIX = "content/";

    /** The key of {@code contentHash}'s object in {@code tenant}'s key space: {@code content/<tenant>/<sha256>.json}. */
    static String key(String tenant, String contentHash) {
        return PREFIX + tenant + "/" + contentHash + ".json";
    }

    /**
     * Stores canonical content under {@link #key}{@code (tenant, contentHash)}. Idempotent: storing the same
     * bytes again is a success and leaves the object as it is.
     *
     * @param canonicalUtf8 the UTF-8 bytes of the canonical content, whose SHA-256 is {@code contentHash}
     * @return the key
     * @throws StoreException.Unavailable the object store failed; the object may or may not exist, and putting it
     *                                    again is safe
     */
    String put(String tenant, String contentHash, byte[] canonicalUtf8);

    /**
     * The bytes stored under {@code key}, exactly as stored (not checked against any hash here).
     *
     * @return empty when no object has that key
     * @throws StoreException.Unavailable the object store failed or refused access
     */
    Optional<byte[]> get(String key);
}

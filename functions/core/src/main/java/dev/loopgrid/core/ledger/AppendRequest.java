package dev.loopgrid.core.ledger;

/**
 * One entry a use case wants appended, before it has a place in the chain. The {@link Ledger} gives it
 * its sequence, time and previous hash when it commits the batch that carries it.
 *
 * @param content     canonical content text
 * @param contentHash SHA-256 of {@code content}
 * @param projection  what the entry changes outside the chain (written in the same transaction), or null for nothing
 * @param idempotency a claim on an idempotency key written in the same transaction, or null
 * @param contentKey  the key under which {@code content} is already stored outside the ledger, or null: with a key
 *                    the store writes the key instead of the content into the entry and the projection
 */
public record AppendRequest(EntryType type, String id, String decisionId, String content, String contentHash,
                            ProjectionChange projection, IdempotencyClaim idempotency, String contentKey) {

    /** A request whose content is stored inline. */
    public AppendRequest(EntryType type, String id, String decisionId, String content, String contentHash,
                         ProjectionChange projection, IdempotencyClaim idempotency) {
        this(type, id, decisionId, content, contentHash, projection, idempotency, null);
    }

    /** Bytes this request adds to a transaction, roughly: the entry's content, what its projection change writes, overhead. */
    public int approximateSize() {
        int stored = contentKey != null ? contentKey.length() + 32 : content.length() * 3;
        return stored + (projection == null ? 0 : projection.approximateBytes(stored)) + 1024;
    }

    /**
     * @param key         the client's Idempotency-Key
     * @param contentHash hash of the request's content: the same key with other content is a conflict
     */
    public record IdempotencyClaim(String key, String contentHash, long expiresAtEpochSecond) {}
}

package dev.loopgrid.core.ledger;

/**
 * One ledger entry as stored: the envelope fields, the exact canonical content text that was hashed, and
 * both hashes. Entries are never updated or deleted. See {@link EntryHasher} for what each hash covers.
 *
 * @param chainId      the chain (a service's name within a tenant)
 * @param sequence     1-based position in the chain
 * @param type         decision, flag, correction or replay
 * @param id           the entry's own id (a decision entry's is its decision id)
 * @param decisionId   the decision the entry belongs to
 * @param recordedAt   RFC 3339 UTC time with milliseconds, exactly as the API shows it
 * @param content      the canonical (RFC 8785) JSON text of the content; null when it is stored under
 *                     {@code contentKey} and was not (or could not be) read from there
 * @param contentHash  SHA-256 hex of {@code content}
 * @param previousHash the previous entry's {@code chainHash}, or 64 zeros for sequence 1
 * @param chainHash    SHA-256 hex of the canonical envelope
 * @param contentKey   the key of the content when it is stored outside the ledger item
 *                     (large decisions), null when the content is inline. Not hashed: the content hash is.
 */
public record Entry(String chainId, long sequence, EntryType type, String id, String decisionId,
                    String recordedAt, String content, String contentHash, String previousHash, String chainHash,
                    String contentKey) {

    /** Builds the entry that follows {@code previousHash} at {@code sequence}, computing its chain hash. */
    public static Entry link(String chainId, long sequence, EntryType type, String id, String decisionId,
                             String recordedAt, String content, String contentHash, String previousHash) {
        return link(chainId, sequence, type, id, decisionId, recordedAt, content, contentHash, previousHash, null);
    }

    /** As {@link #link(String, long, EntryType, String, String, String, String, String, String)}, content stored under {@code contentKey}. */
    public static Entry link(String chainId, long sequence, EntryType type, String id, String decisionId,
                             String recordedAt, String content, String contentHash, String previousHash,
                             String contentKey) {
        String chainHash = EntryHasher.chainHash(chainId, sequence, type.wire(), id, decisionId, recordedAt,
                contentHash, previousHash);
        return new Entry(chainId, sequence, type, id, decisionId, recordedAt, content, contentHash, previousHash,
                chainHash, contentKey);
    }

    /** This entry with {@code content} in place of its content (read from the content store). */
    public Entry withContent(String content) {
        return new Entry(chainId, sequence, type, id, decisionId, recordedAt, content, contentHash, previousHash,
                chainHash, contentKey);
    }
}

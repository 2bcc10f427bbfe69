package dev.loopgrid.core;

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
 * @param content      the canonical (RFC 8785) JSON text of the content
 * @param contentHash  SHA-256 hex of {@code content}
 * @param previousHash the previous entry's {@code chainHash}, or 64 zeros for sequence 1
 * @param chainHash    SHA-256 hex of the canonical envelope
 */
public record Entry(String chainId, long sequence, EntryType type, String id, String decisionId,
                    String recordedAt, String content, String contentHash, String previousHash, String chainHash) {

    /** Builds the entry that follows {@code previousHash} at {@code sequence}, computing its chain hash. */
    public static Entry link(String chainId, long sequence, EntryType type, String id, String decisionId,
                             String recordedAt, String content, String contentHash, String previousHash) {
        String chainHash = EntryHasher.chainHash(chainId, sequence, type.wire(), id, decisionId, recordedAt,
                contentHash, previousHash);
        return new Entry(chainId, sequence, type, id, decisionId, recordedAt, content, contentHash, previousHash,
                chainHash);
    }
}

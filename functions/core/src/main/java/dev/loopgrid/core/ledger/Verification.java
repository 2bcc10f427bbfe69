package dev.loopgrid.core.ledger;

/**
 * The outcome of verifying one chain: valid, or the first bad entry and why.
 *
 * @param entries    entries checked
 * @param decisions  decision entries among them
 * @param lastSequence sequence of the last entry checked (0 for an empty chain)
 * @param lastHash   chain hash of the last entry checked ({@link EntryHasher#GENESIS} for an empty chain)
 * @param failure    null when valid
 */
public record Verification(String chainId, long entries, long decisions, long lastSequence, String lastHash,
                           Failure failure) {

    public boolean valid() {
        return failure == null;
    }

    /** What can be wrong with a chain, named for what the tampering did. */
    public enum Kind {
        /** stored content no longer matches its content_hash */
        CONTENT_CHANGED("content changed"),
        /** an envelope field (id, time, type, sequence, content_hash, …) no longer matches chain_hash */
        ENVELOPE_CHANGED("envelope changed"),
        /** previous_hash is not the chain hash of the entry before it */
        LINK_BROKEN("link broken"),
        /** one or more sequence numbers are missing */
        SEQUENCE_GAP("entry missing"),
        /** an entry repeats a sequence number, belongs to another chain, or stands beyond the head */
        INSERTED("entry inserted"),
        /** entries are stored out of sequence order */
        REORDERED("entries reordered"),
        /** the chain head names a later entry (or another hash) than the last entry found: truncation */
        HEAD_MISMATCH("head disagrees with last entry"),
        /** the entry is not the one signed into the verifiable log: changed after it was recorded, however re-hashed */
        CHANGED_AFTER_SIGNING("entry changed after it was signed into the log"),
        /** an entry the signed log holds is no longer in the table */
        SIGNED_ENTRY_MISSING("signed entry missing"),
        /** the table's entries do not add up to a signed checkpoint's root */
        SIGNED_ROOT_MISMATCH("table disagrees with a signed checkpoint"),
        /** the table's log is shorter than a signed checkpoint covers */
        LOG_TRUNCATED("log truncated below a signed checkpoint"),
        /** a kept checkpoint does not verify with the log's key */
        CHECKPOINT_FORGED("checkpoint not signed by the log's key"),
        /** a decision entry has no projection: reads answer 404 for a recorded decision */
        PROJECTION_MISSING("projection missing"),
        /** a projection (what reads serve) disagrees with its entries: hashes, sequence, content or status */
        PROJECTION_CHANGED("projection disagrees with its entries"),
        /** the head's counters (what lists and reports count) disagree with the entries */
        COUNTERS_CHANGED("counters disagree with the entries");

        private final String label;

        Kind(String label) { this.label = label; }

        public String label() { return label; }
    }

    /**
     * The first bad entry.
     *
     * @param sequence   the sequence the bad entry claims (or, for HEAD_MISMATCH, the head's)
     * @param entryId    the bad entry's id, null for HEAD_MISMATCH
     * @param decisionId the decision it belongs to, null for HEAD_MISMATCH
     */
    public record Failure(Kind kind, String chainId, long sequence, String entryId, String decisionId,
                          String message) {

        /** What {@code broken_at} shows: the decision id for a decision entry, else the entry id, else the head. */
        public String brokenAt() {
            if (entryId == null) return "head:" + chainId;
            return entryId;
        }
    }
}

package dev.loopgrid.core;

/**
 * A decision's projection: its entry, plus the latest human verdict. What reads and lists return.
 *
 * @param content           canonical content text of the decision entry
 * @param correction        canonical text of the corrected output, or null
 * @param correctionSequence sequence of the latest correction's ledger entry, 0 when none (or not known)
 * @param correctionHash    chain hash of the latest correction's ledger entry, or null
 */
public record DecisionRecord(String decisionId, String chainId, String decisionType, long sequence,
                             String createdAt, String content, String contentHash, String chainHash,
                             String previousHash, DecisionStatus status, String incorrectReason,
                             String incorrectAt, String correction, String correctedBy, String correctedAt,
                             String correctionNotes, long correctionSequence, String correctionHash) {

    /** A new projection for a just-committed decision entry. */
    public static DecisionRecord of(Entry e, String decisionType) {
        return new DecisionRecord(e.decisionId(), e.chainId(), decisionType, e.sequence(), e.recordedAt(),
                e.content(), e.contentHash(), e.chainHash(), e.previousHash(), DecisionStatus.RECORDED,
                null, null, null, null, null, null, 0, null);
    }

    /** This projection after {@code change}, committed at {@code at} (the verdict's entry not known). */
    public DecisionRecord apply(ProjectionChange.StatusChange change, String at) {
        return apply(change, at, 0, null);
    }

    /** This projection after {@code change}, committed as {@code verdict}. */
    public DecisionRecord apply(ProjectionChange.StatusChange change, Entry verdict) {
        return apply(change, verdict.recordedAt(), verdict.sequence(), verdict.chainHash());
    }

    private DecisionRecord apply(ProjectionChange.StatusChange change, String at, long verdictSeq, String verdictHash) {
        if (change.next() == DecisionStatus.INCORRECT) {
            return new DecisionRecord(decisionId, chainId, decisionType, sequence, createdAt, content, contentHash,
                    chainHash, previousHash, DecisionStatus.INCORRECT, change.reason(), at, correction,
                    correctedBy, correctedAt, correctionNotes, correctionSequence, correctionHash);
        }
        return new DecisionRecord(decisionId, chainId, decisionType, sequence, createdAt, content, contentHash,
                chainHash, previousHash, change.next(), incorrectReason, incorrectAt, change.correction(),
                change.correctedBy(), at, change.notes(), verdictSeq, verdictHash);
    }
}

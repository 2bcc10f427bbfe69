package dev.loopgrid.core.decision;

import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.LedgerException;

/**
 * A decision's projection: its entry, plus the latest human verdict. What reads and lists return.
 *
 * @param content           canonical content text of the decision entry; null when it is stored under
 *                          {@code contentKey} and was not read from there, or failed its check ({@code contentProblem})
 * @param correction        canonical text of the corrected output, or null
 * @param correctionSequence sequence of the latest correction's ledger entry, 0 when none (or not known)
 * @param correctionHash    chain hash of the latest correction's ledger entry, or null
 * @param contentKey        the {@link ContentStore} key of a large decision's content, null when it is inline
 * @param contentProblem    why the content could not be served (its object is missing, or no longer matches
 *                          {@code contentHash}), null when it is fine; see {@link #requireContent()}
 * @param model             the model label the decision is counted under ({@link Counters#modelLabel}), so verdicts
 *                          move per-model counters without reading the content; null when not known
 * @param confirmedBy       who last confirmed the decision, or null; kept when a later flag or correction wins
 * @param confirmedAt       when it was last confirmed, or null
 * @param confirmationNotes the last confirmation's notes, or null
 * @param subjectId         the data subject the decision names ({@code subject_id}), whose key its content is sealed
 *                          under ({@link SealedDecision}); null for a decision without one (content in the clear)
 * @param opened            a sealed decision's content opened (canonical text in the {@code decision} layout), or
 *                          null when not opened (yet, or because its key was destroyed: {@code erasure})
 * @param erasure           when and why the decision's subject was erased, or null
 */
public record DecisionRecord(String decisionId, String chainId, String decisionType, long sequence,
                             String createdAt, String content, String contentHash, String chainHash,
                             String previousHash, DecisionStatus status, String incorrectReason,
                             String incorrectAt, String correction, String correctedBy, String correctedAt,
                             String correctionNotes, long correctionSequence, String correctionHash,
                             String contentKey, String contentProblem, String model, String confirmedBy,
                             String confirmedAt, String confirmationNotes, String subjectId, String opened,
                             Erasure erasure) {

    /** When and why a sealed decision's data subject was erased (its key destroyed). */
    public record Erasure(String erasedAt, String reason) {}

    /** Whether the decision's content was erased (its subject's key destroyed). */
    public boolean erased() {
        return erasure != null;
    }

    /** The new projection of a just-committed decision entry. */
    public static DecisionRecord of(Entry e, NewDecision change) {
        return new DecisionRecord(e.decisionId(), e.chainId(), change.decisionType(), e.sequence(), e.recordedAt(),
                e.content(), e.contentHash(), e.chainHash(), e.previousHash(), DecisionStatus.RECORDED,
                null, null, null, null, null, null, 0, null, e.contentKey(), null, change.model(), null, null, null,
                change.subjectId(), null, null);
    }

    /**
     * The canonical content text, intact.
     *
     * @throws LedgerException.IntegrityBroken when the content is stored outside the ledger item and could not be
     *                                         read back intact: a read never returns altered content
     */
    public String requireContent() {
        if (subjectId != null && contentProblem == null) {
            if (erasure != null) {
                throw new LedgerException.Conflict("decision_erased", "The content of decision " + decisionId
                        + " was erased at " + erasure.erasedAt() + " (its data subject's key was destroyed)");
            }
            if (opened != null) return opened;
            throw new LedgerException.IntegrityBroken("content_integrity_failed", "The sealed content of decision "
                    + decisionId + " could not be opened");
        }
        if (content != null && contentProblem == null) return content;
        throw new LedgerException.IntegrityBroken("content_integrity_failed", "The content of decision " + decisionId
                + " cannot be served: " + (contentProblem != null ? contentProblem : "it was not read from "
                + contentKey) + ". GET /v1/integrity/verify names the first bad entry of the ledger.");
    }

    /** This projection with its content as read from the content store ({@code problem} null when intact). */
    public DecisionRecord withContent(String content, String problem) {
        return new DecisionRecord(decisionId, chainId, decisionType, sequence, createdAt, content, contentHash,
                chainHash, previousHash, status, incorrectReason, incorrectAt, correction, correctedBy, correctedAt,
                correctionNotes, correctionSequence, correctionHash, contentKey, problem, model, confirmedBy, confirmedAt,
                confirmationNotes, subjectId, opened, erasure);
    }

    /** This projection with its sealed content opened ({@code opened}) or found erased ({@code erasure}). */
    public DecisionRecord withOpened(String opened, Erasure erasure) {
        return new DecisionRecord(decisionId, chainId, decisionType, sequence, createdAt, content, contentHash,
                chainHash, previousHash, status, incorrectReason, incorrectAt, correction, correctedBy, correctedAt,
                correctionNotes, correctionSequence, correctionHash, contentKey, contentProblem, model, confirmedBy,
                confirmedAt, confirmationNotes, subjectId, opened, erasure);
    }

    /** This projection with its correction and notes as opened (a sealed decision's), or null when erased. */
    public DecisionRecord withCorrection(String correction, String correctionNotes) {
        return new DecisionRecord(decisionId, chainId, decisionType, sequence, createdAt, content, contentHash,
                chainHash, previousHash, status, incorrectReason, incorrectAt, correction, correctedBy, correctedAt,
                correctionNotes, correctionSequence, correctionHash, contentKey, contentProblem, model, confirmedBy,
                confirmedAt, confirmationNotes, subjectId, opened, erasure);
    }

    /** This projection after {@code change}, committed as {@code verdict}. */
    public DecisionRecord apply(StatusChange change, Entry verdict) {
        String at = verdict.recordedAt();
        if (change.next() == DecisionStatus.INCORRECT) {
            return new DecisionRecord(decisionId, chainId, decisionType, sequence, createdAt, content, contentHash,
                    chainHash, previousHash, DecisionStatus.INCORRECT, change.reason(), at, correction,
                    correctedBy, correctedAt, correctionNotes, correctionSequence, correctionHash, contentKey,
                    contentProblem, model, confirmedBy, confirmedAt, confirmationNotes, subjectId, opened, erasure);
        }
        if (change.next() == DecisionStatus.CONFIRMED) {
            return new DecisionRecord(decisionId, chainId, decisionType, sequence, createdAt, content, contentHash,
                    chainHash, previousHash, DecisionStatus.CONFIRMED, incorrectReason, incorrectAt, correction,
                    correctedBy, correctedAt, correctionNotes, correctionSequence, correctionHash, contentKey,
                    contentProblem, model, change.confirmedBy(), at, change.notes(), subjectId, opened, erasure);
        }
        return new DecisionRecord(decisionId, chainId, decisionType, sequence, createdAt, content, contentHash,
                chainHash, previousHash, change.next(), incorrectReason, incorrectAt, change.correction(),
                change.correctedBy(), at, change.notes(), verdict.sequence(), verdict.chainHash(), contentKey,
                contentProblem, model, confirmedBy, confirmedAt, confirmationNotes, subjectId, opened, erasure);
    }
}

package dev.loopgrid.core.report;

/**
 * How far a chain was last verified: every entry up to and including {@code sequence} was re-hashed and linked,
 * and the entry at {@code sequence} had chain hash {@code chainHash}. Kept apart from the chain head, so that
 * remembering it never contends with appends.
 *
 * @param verifiedAt when that verification ran (API time format)
 */
public record VerificationCheckpoint(String chainId, long sequence, String chainHash, String verifiedAt) {}

package dev.loopgrid.core.replay;

/**
 * A replay as stored. JSON-valued fields hold canonical JSON text.
 *
 * @param status     pending, running, completed or failed
 * @param mode       live, simulated, error — null until finished
 * @param overrides  canonical text of the overrides, or null
 * @param output     canonical text of the replay output, or null
 * @param diff       canonical text of the diff array, or null
 * @param attempts   how many times a worker claimed it
 * @param leaseUntil epoch millis until which the current worker's claim holds (0 when not running)
 * @param entrySequence sequence of the replay's ledger entry once finished (0 before)
 * @param entryHash  chain hash of that entry
 */
public record ReplayRecord(String replayId, String decisionId, String chainId, String createdAt, String triggeredBy,
                           String overrides, ReplayStatus status, String mode, String output, boolean outputChanged,
                           String diffSummary, String diff, String provider, String model, Long latencyMs,
                           Long inputTokens, Long outputTokens, String finishReason, String systemFingerprint,
                           String error, String completedAt, int attempts, long leaseUntil, long entrySequence,
                           String entryHash) {

    public static ReplayRecord pending(String replayId, String decisionId, String chainId, String createdAt,
                                       String triggeredBy, String overrides) {
        return new ReplayRecord(replayId, decisionId, chainId, createdAt, triggeredBy, overrides, ReplayStatus.PENDING,
                null, null, false, null, null, null, null, null, null, null, null, null, null, null, 0, 0, 0, null);
    }

    /** This replay finished with the given result. */
    public ReplayRecord finished(ReplayStatus status, String mode, String output, boolean outputChanged,
                                 String diffSummary, String diff, String provider, String model, Long latencyMs,
                                 Long inputTokens, Long outputTokens, String finishReason, String systemFingerprint,
                                 String error) {
        return new ReplayRecord(replayId, decisionId, chainId, createdAt, triggeredBy, overrides, status, mode, output,
                outputChanged, diffSummary, diff, provider, model, latencyMs, inputTokens, outputTokens, finishReason,
                systemFingerprint, error, null, attempts, 0, 0, null);
    }

    /** With the time and ledger entry of its completion. */
    public ReplayRecord committed(String completedAt, long entrySequence, String entryHash) {
        return new ReplayRecord(replayId, decisionId, chainId, createdAt, triggeredBy, overrides, status, mode, output,
                outputChanged, diffSummary, diff, provider, model, latencyMs, inputTokens, outputTokens, finishReason,
                systemFingerprint, error, completedAt, attempts, 0, entrySequence, entryHash);
    }

    /**
     * This replay with other overrides, output and diff texts (sealed, opened, or emptied: {@code erased} marks them
     * destroyed with the decision's data subject's key).
     */
    public ReplayRecord withContent(String overrides, String output, String diff, boolean erased) {
        return new ReplayRecord(replayId, decisionId, chainId, createdAt, triggeredBy, overrides, status, mode, output,
                outputChanged, erased ? null : diffSummary, diff, provider, model, latencyMs, inputTokens, outputTokens,
                finishReason, systemFingerprint, erased ? "erased with the decision's data subject's key" : error,
                completedAt, attempts, leaseUntil, entrySequence, entryHash);
    }

    public boolean terminal() {
        return status == ReplayStatus.COMPLETED || status == ReplayStatus.FAILED;
    }
}

package dev.loopgrid.core.log;

/**
 * How the log is published.
 *
 * @param originPrefix       the logs' origin without the tenant ({@code <originPrefix>/<tenant>} names one tenant's
 *                           log); also the signing key's name
 * @param checkpointInterval at most one checkpoint (one signature) per tenant per this many milliseconds
 * @param maxBatchLeaves     leaves per sequencing commit
 */
public record LogConfig(String originPrefix, long checkpointInterval, int maxBatchLeaves) {
    /** Runs of different chains one commit may carry (DynamoDB transactions take 100 items: state, batch, runs). */
    public static final int MAX_RUNS_PER_BATCH = 90;

    public LogConfig {
        if (originPrefix == null || originPrefix.isBlank() || originPrefix.contains("+") || originPrefix.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("log origin prefix must be non-empty, without spaces or '+': " + originPrefix);
        }
        if (checkpointInterval < 0 || maxBatchLeaves < 1) throw new IllegalArgumentException("bad log settings");
    }

    public String origin(String tenant) {
        return originPrefix + "/" + tenant;
    }
}

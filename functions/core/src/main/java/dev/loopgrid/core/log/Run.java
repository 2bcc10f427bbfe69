package dev.loopgrid.core.log;

/**
 * Consecutive entries of one chain that hold consecutive leaves of the log: sequences {@code fromSequence} ..
 * {@code toSequence} of {@code chainId} are leaves {@code fromIndex} .. {@code fromIndex + count() - 1}. A chain's
 * newest run is how far it is integrated, and its {@code lastHash} (the chain hash of {@code toSequence}) is what the
 * chain's next integrated entry must link to.
 */
public record Run(String chainId, long fromSequence, long toSequence, long fromIndex, String lastHash) {
    public Run {
        if (toSequence < fromSequence || fromSequence < 1 || fromIndex < 0) {
            throw new IllegalArgumentException("bad run " + chainId + " " + fromSequence + ".." + toSequence + " @" + fromIndex);
        }
    }

    public long count() {
        return toSequence - fromSequence + 1;
    }

    /** The leaf index of {@code sequence} (which must lie in this run). */
    public long indexOf(long sequence) {
        if (sequence < fromSequence || sequence > toSequence) throw new IllegalArgumentException("sequence " + sequence + " not in " + this);
        return fromIndex + (sequence - fromSequence);
    }
}

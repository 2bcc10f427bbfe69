package dev.loopgrid.core.log;

import dev.loopgrid.verify.Merkle;
import java.util.Arrays;
import java.util.List;

/**
 * One sequencing commit: leaves {@code fromIndex} .. {@code fromIndex + size() - 1}, made of {@code runs} in order
 * (each run's entries consecutive), with each leaf's hash as it was integrated.
 *
 * @param leafHashes the leaf hashes concatenated, 32 bytes each
 */
public record LogBatch(long fromIndex, List<Run> runs, byte[] leafHashes) {
    public LogBatch {
        runs = List.copyOf(runs);
        long n = 0;
        long at = fromIndex;
        for (Run r : runs) {
            if (r.fromIndex() != at) throw new IllegalArgumentException("runs of a batch must be consecutive: " + runs);
            at += r.count();
            n += r.count();
        }
        if (leafHashes.length != n * Merkle.HASH_SIZE) {
            throw new IllegalArgumentException(n + " leaves need " + n * Merkle.HASH_SIZE + " bytes of hashes");
        }
    }

    public long size() {
        return leafHashes.length / Merkle.HASH_SIZE;
    }

    public long endIndex() {
        return fromIndex + size();
    }

    public byte[] leafHash(long index) {
        int i = (int) (index - fromIndex);
        return Arrays.copyOfRange(leafHashes, i * Merkle.HASH_SIZE, (i + 1) * Merkle.HASH_SIZE);
    }
}

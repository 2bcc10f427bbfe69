package dev.loopgrid.verify;

import java.util.ArrayList;
import java.util.List;

/**
 * The hashes of complete subtrees of a log, the input from which {@link Merkle} generates proofs. The server backs
 * it with stored tiles ({@link TiledHashes}); tests and small trees use {@link #ofLeafHashes}.
 */
@FunctionalInterface
public interface HashSource {
    /**
     * The Merkle Tree Hash of the complete subtree of height {@code level} at position {@code index} of that level:
     * {@code MTH(D[index·2^level : (index+1)·2^level])}. Level 0 gives leaf hashes. Callers only ask for subtrees
     * that lie entirely inside the tree.
     *
     * @throws IllegalArgumentException when the subtree is not (yet) complete in this source
     * @throws java.io.UncheckedIOException when a backing store fails
     */
    byte[] hash(int level, long index);

    /** An in-memory source over the given leaf hashes: every complete subtree is computed once, up front. */
    static HashSource ofLeafHashes(List<byte[]> leafHashes) {
        List<byte[][]> levels = new ArrayList<>();
        byte[][] level = leafHashes.toArray(new byte[0][]);
        for (byte[] h : level) Merkle.checkHash(h);
        levels.add(level);
        while (level.length > 1) {
            byte[][] up = new byte[level.length / 2][];
            for (int i = 0; i < up.length; i++) up[i] = Merkle.nodeHash(level[2 * i], level[2 * i + 1]);
            levels.add(up);
            level = up;
        }
        return (lvl, index) -> {
            if (lvl < 0 || lvl >= levels.size() || index < 0 || index >= levels.get(lvl).length) {
                throw new IllegalArgumentException("no complete subtree at level " + lvl + " index " + index
                        + " in a tree of " + leafHashes.size() + " leaves");
            }
            return levels.get(lvl)[(int) index];
        };
    }
}

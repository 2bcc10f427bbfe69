package dev.loopgrid.core.log;

import dev.loopgrid.verify.Merkle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The right edge of a Merkle tree: the roots of the perfect subtrees that make up its first {@code size} leaves,
 * largest first (one per set bit of {@code size}, so at most 64 hashes). Enough to append leaves and compute the root
 * without the rest of the tree (the compact range of transparency-dev/merkle).
 */
public final class CompactRange {
    private long size;
    private final List<byte[]> hashes;

    private CompactRange(long size, List<byte[]> hashes) {
        this.size = size;
        this.hashes = hashes;
    }

    public static CompactRange empty() {
        return new CompactRange(0, new ArrayList<>());
    }

    /**
     * The range stored as its hashes concatenated ({@link #encode}).
     *
     * @throws IllegalArgumentException when the bytes do not hold one hash per set bit of {@code size}
     */
    public static CompactRange decode(long size, byte[] encoded) {
        int n = Long.bitCount(size);
        if (size < 0 || encoded == null || encoded.length != n * Merkle.HASH_SIZE) {
            throw new IllegalArgumentException("a compact range of size " + size + " has " + n + " hashes");
        }
        List<byte[]> hashes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            hashes.add(Arrays.copyOfRange(encoded, i * Merkle.HASH_SIZE, (i + 1) * Merkle.HASH_SIZE));
        }
        return new CompactRange(size, hashes);
    }

    public long size() {
        return size;
    }

    /** Appends one leaf hash. */
    public void append(byte[] leafHash) {
        hashes.add(leafHash);
        // merge equal-size subtrees from the right: one per trailing one bit of the old size
        for (long s = size; (s & 1) == 1; s >>= 1) {
            byte[] right = hashes.remove(hashes.size() - 1);
            byte[] left = hashes.remove(hashes.size() - 1);
            hashes.add(Merkle.nodeHash(left, right));
        }
        size++;
    }

    /** The Merkle Tree Hash of the first {@link #size} leaves. */
    public byte[] root() {
        if (hashes.isEmpty()) return Merkle.emptyRoot();
        byte[] h = hashes.get(hashes.size() - 1);
        for (int i = hashes.size() - 2; i >= 0; i--) h = Merkle.nodeHash(hashes.get(i), h);
        return h;
    }

    public byte[] encode() {
        byte[] out = new byte[hashes.size() * Merkle.HASH_SIZE];
        for (int i = 0; i < hashes.size(); i++) System.arraycopy(hashes.get(i), 0, out, i * Merkle.HASH_SIZE, Merkle.HASH_SIZE);
        return out;
    }

    public CompactRange copy() {
        return new CompactRange(size, new ArrayList<>(hashes));
    }
}

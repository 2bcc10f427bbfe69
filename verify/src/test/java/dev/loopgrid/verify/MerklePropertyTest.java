package dev.loopgrid.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Random trees of 1..2,000 leaves: every inclusion and consistency proof the generator makes verifies, has the
 * exact length, and every single-bit change of a proof hash, root, leaf hash, index or size fails.
 *
 * <p>Sizes are the exception the RFC allows: a proof does not bind the tree size, only the walk it induces
 * (leaf 5's proof in the tree of 8 also verifies "in the tree of 7" against the root of 8). So a flipped size must
 * fail against the true root of the flipped size unless the proof is also the true proof there, and, against the
 * original root, must fail exactly when the RFC recursion walks differently. The signed checkpoint binds the size.
 *
 * <p>Seeded: {@code -Dverify.seed=N} replays a run; the seed is in the failure message.
 */
class MerklePropertyTest {
    static final int MAX = 2_000;
    static final long SEED = Long.getLong("verify.seed", System.nanoTime());

    final Random rnd = new Random(SEED);
    final List<byte[]> leaves = new ArrayList<>();
    final HashSource source;

    MerklePropertyTest() {
        for (int i = 0; i < MAX; i++) {
            byte[] entry = new byte[1 + rnd.nextInt(40)];
            rnd.nextBytes(entry);
            leaves.add(Merkle.leafHash(entry));
        }
        source = HashSource.ofLeafHashes(leaves);
    }

    /** Sizes 1..64 all, the powers of two and their neighbours, 2,000, and random others. */
    TreeSet<Integer> sizes(int random) {
        TreeSet<Integer> s = new TreeSet<>();
        for (int i = 1; i <= 64; i++) s.add(i);
        for (int p = 64; p <= MAX; p *= 2) {
            s.add(p - 1);
            s.add(p);
            if (p + 1 <= MAX) s.add(p + 1);
        }
        s.add(MAX);
        while (s.size() < 64 + random) s.add(1 + rnd.nextInt(MAX));
        return s;
    }

    @Test
    void root_equalsTheRfcDefinition() {
        for (int n : sizes(40)) {
            assertArrayEquals(mth(0, n), Merkle.root(source, n), msg("size " + n));
            if (n <= 300) assertArrayEquals(mth(0, n), Merkle.root(leaves.subList(0, n)), msg("size " + n));
        }
    }

    @Test
    void inclusionProofs_verify_andEverySingleBitChangeFails() {
        int checked = 0;
        for (int size : sizes(40)) {
            byte[] root = Merkle.root(source, size);
            for (long index : indices(size)) {
                List<byte[]> proof = Merkle.inclusionProof(source, index, size);
                String at = "leaf " + index + " of " + size;
                assertEquals(Merkle.inclusionProofLength(index, size), proof.size(), msg(at));
                ok(() -> Merkle.verifyInclusion(index, size, leaves.get((int) index), proof, root), at);
                boolean everyBit = size <= 16;
                for (int e = 0; e < proof.size(); e++) {
                    for (int bit : bits(everyBit)) {
                        List<byte[]> bad = new ArrayList<>(proof);
                        bad.set(e, flip(proof.get(e), bit));
                        bad(() -> Merkle.verifyInclusion(index, size, leaves.get((int) index), bad, root), at + " proof[" + e + "] bit " + bit);
                    }
                }
                for (int bit : bits(everyBit)) {
                    bad(() -> Merkle.verifyInclusion(index, size, leaves.get((int) index), proof, flip(root, bit)), at + " root bit " + bit);
                    bad(() -> Merkle.verifyInclusion(index, size, flip(leaves.get((int) index), bit), proof, root), at + " leaf bit " + bit);
                }
                for (int bit = 0; bit < 63; bit++) {
                    long badIndex = index ^ (1L << bit);
                    bad(() -> Merkle.verifyInclusion(badIndex, size, leaves.get((int) index), proof, root), at + " index bit " + bit);
                    long badSize = size ^ (1L << bit);
                    boolean sameWalk = badSize > index && walk(index, size).equals(walk(index, badSize));
                    boolean passes = passes(() -> Merkle.verifyInclusion(index, badSize, leaves.get((int) index), proof, root));
                    assertEquals(sameWalk, passes, msg(at + " size bit " + bit + " (size " + badSize + ")"));
                    if (badSize > index && badSize <= MAX) {
                        byte[] trueRoot = Merkle.root(source, badSize);
                        boolean sameProof = same(proof, Merkle.inclusionProof(source, index, badSize));
                        assertEquals(sameProof, passes(() -> Merkle.verifyInclusion(index, badSize, leaves.get((int) index), proof, trueRoot)),
                                msg(at + " size bit " + bit + " against the true root of " + badSize));
                    }
                }
                checked++;
            }
        }
        assertTrue(checked > 1_000, "checked " + checked);
    }

    @Test
    void consistencyProofs_verify_andEverySingleBitChangeFails() {
        int checked = 0;
        for (int size2 : sizes(30)) {
            byte[] root2 = Merkle.root(source, size2);
            for (long size1 : indices(size2)) {
                if (size1 == 0) continue;
                byte[] root1 = Merkle.root(source, size1);
                List<byte[]> proof = Merkle.consistencyProof(source, size1, size2);
                String at = size1 + " -> " + size2;
                assertEquals(Merkle.consistencyProofLength(size1, size2), proof.size(), msg(at));
                ok(() -> Merkle.verifyConsistency(size1, size2, proof, root1, root2), at);
                boolean everyBit = size2 <= 16;
                for (int e = 0; e < proof.size(); e++) {
                    for (int bit : bits(everyBit)) {
                        List<byte[]> bad = new ArrayList<>(proof);
                        bad.set(e, flip(proof.get(e), bit));
                        bad(() -> Merkle.verifyConsistency(size1, size2, bad, root1, root2), at + " proof[" + e + "] bit " + bit);
                    }
                }
                for (int bit : bits(everyBit)) {
                    bad(() -> Merkle.verifyConsistency(size1, size2, proof, flip(root1, bit), root2), at + " root1 bit " + bit);
                    bad(() -> Merkle.verifyConsistency(size1, size2, proof, root1, flip(root2, bit)), at + " root2 bit " + bit);
                }
                for (int bit = 0; bit < 63; bit++) {
                    long b1 = size1 ^ (1L << bit);
                    long b2 = size2 ^ (1L << bit);
                    // against the true roots of the flipped sizes: passes only where the proof is the true proof there
                    if (b1 > 0 && b1 <= size2) {
                        boolean sameProof = same(proof, Merkle.consistencyProof(source, b1, size2));
                        byte[] r1 = Merkle.root(source, b1);
                        assertEquals(sameProof, passes(() -> Merkle.verifyConsistency(b1, size2, proof, r1, root2)), msg(at + " size1 bit " + bit));
                    } else {
                        bad(() -> Merkle.verifyConsistency(b1, size2, proof, root1, root2), at + " size1 bit " + bit);
                    }
                    if (b2 >= size1 && b2 <= MAX) {
                        boolean sameProof = same(proof, Merkle.consistencyProof(source, size1, b2));
                        byte[] r2 = Merkle.root(source, b2);
                        assertEquals(sameProof, passes(() -> Merkle.verifyConsistency(size1, b2, proof, root1, r2)), msg(at + " size2 bit " + bit));
                    } else if (b2 < size1) {
                        bad(() -> Merkle.verifyConsistency(size1, b2, proof, root1, root2), at + " size2 bit " + bit);
                    }
                }
                checked++;
            }
        }
        assertTrue(checked > 1_000, "checked " + checked);
    }

    @Test
    void tiles_rebuildTheSameProofs() {
        for (int size : List.of(1, 255, 256, 257, 511, 512, 1000, MAX)) {
            var tiles = TiledHashes.allTiles(source, size);
            var fetched = new TreeSet<String>();
            for (long index : indices(size)) {
                TiledHashes tiled = new TiledHashes(size, p -> {
                    fetched.add(p);
                    byte[] t = tiles.get(p);
                    if (t == null) throw new java.io.FileNotFoundException(p);
                    return t;
                });
                var needed = TiledHashes.tilesForInclusion(index, size).stream().map(Tile::path).toList();
                fetched.clear();
                assertTrue(same(Merkle.inclusionProof(source, index, size), Merkle.inclusionProof(tiled, index, size)), msg(size + "/" + index));
                assertEquals(new TreeSet<>(needed), fetched, msg("tiles needed for " + index + " in " + size));
                if (index > 0) {
                    assertTrue(same(Merkle.consistencyProof(source, index, size), Merkle.consistencyProof(tiled, index, size)));
                }
            }
            assertArrayEquals(Merkle.root(source, size), Merkle.root(new TiledHashes(size, tiles::get), size));
        }
    }

    // ---- helpers ----

    /** MTH straight from RFC 9162 §2.1.1 over the leaf hashes [from, to). */
    byte[] mth(int from, int to) {
        int n = to - from;
        if (n == 1) return leaves.get(from);
        int k = Integer.highestOneBit(n - 1);
        return Merkle.nodeHash(mth(from, from + k), mth(from + k, to));
    }

    /** The RFC 9162 §2.1.3.1 recursion's left/right choices for leaf m of n, from the root down. */
    static List<Boolean> walk(long m, long n) {
        List<Boolean> w = new ArrayList<>();
        while (n > 1) {
            long k = Long.highestOneBit(n - 1);
            if (m < k) {
                w.add(true);
                n = k;
            } else {
                w.add(false);
                m -= k;
                n -= k;
            }
        }
        return w;
    }

    TreeSet<Long> indices(long size) {
        TreeSet<Long> s = new TreeSet<>();
        if (size <= 40) {
            for (long i = 0; i < size; i++) s.add(i);
        } else {
            s.add(0L);
            s.add(size - 1);
            s.add(size / 2);
            while (s.size() < 12) s.add((long) rnd.nextInt((int) size));
        }
        return s;
    }

    int[] bits(boolean every) {
        if (every) {
            int[] all = new int[256];
            for (int i = 0; i < 256; i++) all[i] = i;
            return all;
        }
        return new int[] {rnd.nextInt(256), rnd.nextInt(256)};
    }

    static byte[] flip(byte[] h, int bit) {
        byte[] c = h.clone();
        c[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
        return c;
    }

    /** A copy of {@code b} with bit {@code bit} flipped (any length). */
    static byte[] flipAny(byte[] b, int bit) {
        return flip(b, bit);
    }

    static boolean same(List<byte[]> a, List<byte[]> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) if (!java.util.Arrays.equals(a.get(i), b.get(i))) return false;
        return true;
    }

    static boolean passes(MerkleVectorsTest.Check c) {
        try {
            c.run();
            return true;
        } catch (VerificationException e) {
            return false;
        }
    }

    static void ok(MerkleVectorsTest.Check c, String at) {
        try {
            c.run();
        } catch (VerificationException e) {
            fail(msg(at + ": " + e.getMessage()));
        }
    }

    static void bad(MerkleVectorsTest.Check c, String at) {
        if (passes(c)) fail(msg(at + " verified but must not"));
    }

    static String msg(String s) {
        return s + " (seed " + SEED + ", replay with -Dverify.seed=" + SEED + ")";
    }
}

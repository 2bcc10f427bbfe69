package dev.loopgrid.verify;

import dev.loopgrid.verify.VerificationException.Reason;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Merkle tree hashing and proofs of RFC 9162 §2.1 (the same as RFC 6962 §2.1), with SHA-256.
 *
 * <p>The bytes hashed, exactly:
 * <ul>
 *   <li>leaf hash: {@code SHA-256(0x00 ‖ entry)} ({@link #LEAF_PREFIX});</li>
 *   <li>interior node: {@code SHA-256(0x01 ‖ left ‖ right)} ({@link #NODE_PREFIX}), left and right 32 bytes each;</li>
 *   <li>root of the empty tree: {@code SHA-256()} = {@code e3b0c442…b855}.</li>
 * </ul>
 * MTH of n &gt; 1 leaves is {@code nodeHash(MTH(D[0:k]), MTH(D[k:n]))} with k the largest power of two below n.
 *
 * <p>Verifiers follow RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), and first check what the RFC
 * leaves implicit: every hash is 32 bytes, {@code 0 ≤ index < size}, {@code 0 < size1 ≤ size2}, and the proof has
 * exactly the number of hashes the tree shape requires ({@link #inclusionProofLength},
 * {@link #consistencyProofLength}). Failures are {@link VerificationException}s naming the reason.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9162.html#section-2.1">RFC 9162 §2.1</a>
 */
public final class Merkle {
    /** Hash size in bytes (SHA-256). */
    public static final int HASH_SIZE = 32;
    /** Domain-separation prefix of a leaf hash: {@code SHA-256(0x00 ‖ entry)}. */
    public static final byte LEAF_PREFIX = 0x00;
    /** Domain-separation prefix of an interior node: {@code SHA-256(0x01 ‖ left ‖ right)}. */
    public static final byte NODE_PREFIX = 0x01;

    private Merkle() {}

    /** {@code SHA-256()}: the root of the empty tree. */
    public static byte[] emptyRoot() {
        return sha256().digest();
    }

    /** {@code SHA-256(0x00 ‖ entry)}. */
    public static byte[] leafHash(byte[] entry) {
        MessageDigest d = sha256();
        d.update(LEAF_PREFIX);
        d.update(entry);
        return d.digest();
    }

    /** {@code SHA-256(0x01 ‖ left ‖ right)}. */
    public static byte[] nodeHash(byte[] left, byte[] right) {
        MessageDigest d = sha256();
        d.update(NODE_PREFIX);
        d.update(left);
        d.update(right);
        return d.digest();
    }

    /** MTH of the given leaf hashes (the empty root for none). */
    public static byte[] root(List<byte[]> leafHashes) {
        if (leafHashes.isEmpty()) return emptyRoot();
        return root(HashSource.ofLeafHashes(leafHashes), leafHashes.size());
    }

    /** MTH of the first {@code size} leaves of {@code source}. */
    public static byte[] root(HashSource source, long size) {
        if (size < 0) throw new IllegalArgumentException("negative size " + size);
        if (size == 0) return emptyRoot();
        return subtreeRoot(source, 0, size);
    }

    /**
     * The inclusion proof of leaf {@code index} in the tree of {@code size} leaves: RFC 9162 §2.1.3.1
     * {@code PATH(index, D[0:size])}, the leaf's sibling first.
     */
    public static List<byte[]> inclusionProof(HashSource source, long index, long size) {
        if (index < 0 || index >= size) throw new IllegalArgumentException("index " + index + " not in [0, " + size + ")");
        List<byte[]> proof = new ArrayList<>(inclusionProofLength(index, size));
        path(source, index, 0, size, proof);
        return proof;
    }

    /**
     * The consistency proof between the trees of {@code size1} and {@code size2} leaves: RFC 9162 §2.1.4.1
     * {@code PROOF(size1, D[0:size2])}. Empty when the sizes are equal.
     */
    public static List<byte[]> consistencyProof(HashSource source, long size1, long size2) {
        if (size1 <= 0 || size1 > size2) throw new IllegalArgumentException("need 0 < size1 <= size2, got " + size1 + ", " + size2);
        List<byte[]> proof = new ArrayList<>(consistencyProofLength(size1, size2));
        if (size1 < size2) subproof(source, size1, 0, size2, true, proof);
        return proof;
    }

    /** The number of hashes in a valid inclusion proof: {@code bitlen(index ^ (size-1)) + popcount(index >> that)}. */
    public static int inclusionProofLength(long index, long size) {
        if (index < 0 || index >= size) throw new IllegalArgumentException("index " + index + " not in [0, " + size + ")");
        int inner = 64 - Long.numberOfLeadingZeros(index ^ (size - 1));
        return inner + Long.bitCount(index >>> inner);
    }

    /** The number of hashes in a valid consistency proof from {@code size1} to {@code size2} (0 &lt; size1 ≤ size2). */
    public static int consistencyProofLength(long size1, long size2) {
        if (size1 <= 0 || size1 > size2) throw new IllegalArgumentException("need 0 < size1 <= size2, got " + size1 + ", " + size2);
        if (size1 == size2) return 0;
        int inner = 64 - Long.numberOfLeadingZeros((size1 - 1) ^ (size2 - 1));
        int border = Long.bitCount((size1 - 1) >>> inner);
        int shift = Long.numberOfTrailingZeros(size1);
        boolean perfect = size1 == 1L << shift; // then root1 seeds the walk and is not in the proof
        return (perfect ? 0 : 1) + (inner - shift) + border;
    }

    /**
     * Verifies that {@code leafHash} is leaf {@code index} of the tree of {@code size} leaves with root {@code root}.
     *
     * @throws VerificationException BAD_HASH_LENGTH, INDEX_OUT_OF_RANGE, WRONG_PROOF_LENGTH or ROOT_MISMATCH
     */
    public static void verifyInclusion(long index, long size, byte[] leafHash, List<byte[]> proof, byte[] root)
            throws VerificationException {
        checkHash(root, "root");
        byte[] computed = rootFromInclusionProof(index, size, leafHash, proof);
        if (!MessageDigest.isEqual(computed, root)) {
            throw new VerificationException(Reason.ROOT_MISMATCH, "inclusion proof of leaf " + index + " in tree of "
                    + size + " gives root " + Hex.encode(computed) + ", expected " + Hex.encode(root));
        }
    }

    /**
     * The root that the inclusion proof gives for {@code leafHash} at {@code index} (RFC 9162 §2.1.3.2 steps 1–4),
     * after the length checks.
     */
    public static byte[] rootFromInclusionProof(long index, long size, byte[] leafHash, List<byte[]> proof)
            throws VerificationException {
        if (size <= 0 || index < 0 || index >= size) {
            throw new VerificationException(Reason.INDEX_OUT_OF_RANGE, "leaf index " + index + " is not below tree size " + size);
        }
        checkHash(leafHash, "leaf hash");
        proof = checkProof(proof);
        int want = inclusionProofLength(index, size);
        if (proof.size() != want) {
            throw new VerificationException(Reason.WRONG_PROOF_LENGTH, "inclusion proof of leaf " + index + " in tree of "
                    + size + " has " + proof.size() + " hashes, needs " + want);
        }
        long fn = index;
        long sn = size - 1;
        byte[] r = leafHash;
        for (byte[] p : proof) {
            if (sn == 0) throw new VerificationException(Reason.WRONG_PROOF_LENGTH, "inclusion proof too long");
            if ((fn & 1) == 1 || fn == sn) {
                r = nodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>>= 1;
                    sn >>>= 1;
                }
            } else {
                r = nodeHash(r, p);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        if (sn != 0) throw new VerificationException(Reason.WRONG_PROOF_LENGTH, "inclusion proof too short");
        return r;
    }

    /**
     * Verifies that the tree of {@code size1} leaves with root {@code root1} is a prefix of the tree of
     * {@code size2} leaves with root {@code root2}. Equal sizes need an empty proof and equal roots; a proof from
     * size 0 is refused (BAD_TREE_SIZES): it would prove nothing.
     *
     * @throws VerificationException BAD_HASH_LENGTH, BAD_TREE_SIZES, WRONG_PROOF_LENGTH or ROOT_MISMATCH
     */
    public static void verifyConsistency(long size1, long size2, List<byte[]> proof, byte[] root1, byte[] root2)
            throws VerificationException {
        checkHash(root1, "root1");
        checkHash(root2, "root2");
        proof = checkProof(proof);
        if (size1 < 0 || size1 > size2) {
            throw new VerificationException(Reason.BAD_TREE_SIZES, "size1 " + size1 + " is not in [0, size2 " + size2 + "]");
        }
        if (size1 == 0) {
            throw new VerificationException(Reason.BAD_TREE_SIZES, "a consistency proof from the empty tree proves nothing");
        }
        if (size1 == size2) {
            if (!proof.isEmpty()) {
                throw new VerificationException(Reason.WRONG_PROOF_LENGTH, "equal sizes need an empty proof, got " + proof.size() + " hashes");
            }
            if (!MessageDigest.isEqual(root1, root2)) {
                throw new VerificationException(Reason.ROOT_MISMATCH, "equal sizes " + size1 + " but different roots");
            }
            return;
        }
        int want = consistencyProofLength(size1, size2);
        if (proof.size() != want) {
            throw new VerificationException(Reason.WRONG_PROOF_LENGTH, "consistency proof " + size1 + " → " + size2
                    + " has " + proof.size() + " hashes, needs " + want);
        }
        // RFC 9162 §2.1.4.2
        List<byte[]> path = proof;
        if (Long.bitCount(size1) == 1) {
            path = new ArrayList<>(proof.size() + 1);
            path.add(root1);
            path.addAll(proof);
        }
        long fn = size1 - 1;
        long sn = size2 - 1;
        while ((fn & 1) == 1) {
            fn >>>= 1;
            sn >>>= 1;
        }
        byte[] fr = path.get(0);
        byte[] sr = path.get(0);
        for (int i = 1; i < path.size(); i++) {
            byte[] c = path.get(i);
            if (sn == 0) throw new VerificationException(Reason.WRONG_PROOF_LENGTH, "consistency proof too long");
            if ((fn & 1) == 1 || fn == sn) {
                fr = nodeHash(c, fr);
                sr = nodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>>= 1;
                    sn >>>= 1;
                }
            } else {
                sr = nodeHash(sr, c);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        if (sn != 0) throw new VerificationException(Reason.WRONG_PROOF_LENGTH, "consistency proof too short");
        if (!MessageDigest.isEqual(fr, root1)) {
            throw new VerificationException(Reason.ROOT_MISMATCH, "consistency proof gives first root " + Hex.encode(fr)
                    + ", expected " + Hex.encode(root1));
        }
        if (!MessageDigest.isEqual(sr, root2)) {
            throw new VerificationException(Reason.ROOT_MISMATCH, "consistency proof gives second root " + Hex.encode(sr)
                    + ", expected " + Hex.encode(root2));
        }
    }

    // ---- generation (RFC 9162 §2.1.3.1, §2.1.4.1) over leaves [start, end) ----

    /** MTH(D[start:end]) where start is aligned so that the left part of every split is a complete subtree. */
    static byte[] subtreeRoot(HashSource source, long start, long end) {
        long n = end - start;
        if (Long.bitCount(n) == 1) {
            int level = Long.numberOfTrailingZeros(n);
            return source.hash(level, start >>> level);
        }
        long k = Long.highestOneBit(n - 1);
        return nodeHash(subtreeRoot(source, start, start + k), subtreeRoot(source, start + k, end));
    }

    private static void path(HashSource source, long m, long start, long end, List<byte[]> out) {
        long n = end - start;
        if (n == 1) return;
        long k = Long.highestOneBit(n - 1);
        if (m < k) {
            path(source, m, start, start + k, out);
            out.add(subtreeRoot(source, start + k, end));
        } else {
            path(source, m - k, start + k, end, out);
            out.add(subtreeRoot(source, start, start + k));
        }
    }

    private static void subproof(HashSource source, long m, long start, long end, boolean b, List<byte[]> out) {
        long n = end - start;
        if (m == n) {
            if (!b) out.add(subtreeRoot(source, start, end));
            return;
        }
        long k = Long.highestOneBit(n - 1);
        if (m <= k) {
            subproof(source, m, start, start + k, b, out);
            out.add(subtreeRoot(source, start + k, end));
        } else {
            subproof(source, m - k, start + k, end, false, out);
            out.add(subtreeRoot(source, start, start + k));
        }
    }

    // ---- helpers ----

    static void checkHash(byte[] h) {
        if (h == null || h.length != HASH_SIZE) {
            throw new IllegalArgumentException("a hash must be " + HASH_SIZE + " bytes, got " + (h == null ? "null" : h.length));
        }
    }

    private static void checkHash(byte[] h, String what) throws VerificationException {
        if (h == null || h.length != HASH_SIZE) {
            throw new VerificationException(Reason.BAD_HASH_LENGTH, what + " has " + (h == null ? "no" : h.length)
                    + " bytes, needs " + HASH_SIZE);
        }
    }

    /** The proof (null = empty) after checking every hash is 32 bytes. */
    private static List<byte[]> checkProof(List<byte[]> proof) throws VerificationException {
        if (proof == null) return Collections.emptyList();
        for (int i = 0; i < proof.size(); i++) checkHash(proof.get(i), "proof[" + i + "]");
        return proof;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}

package dev.loopgrid.verify;

import java.util.Arrays;

/**
 * A LoopGrid receipt ({@code "format": "loopgrid-receipt/v1"}) as served by {@code GET /v1/decisions/{id}/receipt} and
 * {@code GET /v1/entries/{chain}/{sequence}/receipt}, without its JSON: the entry's envelope fields, the
 * {@code chain_hash} it claims, the leaf index and tree size it claims, and the C2SP tlog-proof (whose {@code extra}
 * is the leaf data: the canonical envelope). {@link #verify} checks it offline against the log's public key, each
 * check failing with a {@link Failure} that names it ({@link Check}).
 *
 * @param origin     the receipt's {@code origin} ({@code <key name>/<tenant>})
 * @param entry      the envelope rebuilt from the receipt's entry fields
 * @param chainHash  the entry's claimed {@code chain_hash}
 * @param leafIndex  the claimed {@code leaf_index} (-1 when absent)
 * @param treeSize   the claimed {@code tree_size} (-1 when absent)
 * @param tlogProof  the {@code tlog_proof} text
 */
public record Receipt(String origin, EntryEnvelope entry, String chainHash, long leafIndex, long treeSize,
                      String tlogProof) {
    /** The receipt format this class reads. */
    public static final String FORMAT = "loopgrid-receipt/v1";

    /** The checks a receipt goes through, in order; a failure names the one that failed. */
    public enum Check {
        /** The receipt is not a receipt: missing or ill-typed members, an unknown format, a malformed proof. */
        MALFORMED,
        /** The entry's envelope (rebuilt from its fields) does not hash to the entry's {@code chain_hash}. */
        CHAIN_HASH,
        /** The proof's leaf data ({@code extra}) is not the entry's canonical envelope, or its index is not {@code leaf_index}. */
        LEAF_DATA,
        /** The checkpoint's origin is not the expected one (or the receipt's origin is not under the key's name). */
        ORIGIN,
        /** The checkpoint is not signed by the key (no signature by it, or a signature by it that fails). */
        SIGNATURE,
        /** The inclusion proof does not lead from the entry's leaf to the signed root (or has the wrong length). */
        INCLUSION,
        /** The decision given alongside does not match the receipt's entry. */
        DECISION
    }

    /** Why a receipt does not verify: {@link #check()} names the check, the message says exactly what differs. */
    public static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        private final Check check;

        public Failure(Check check, String detail) {
            super(detail);
            this.check = check;
        }

        public Failure(Check check, String detail, Throwable cause) {
            super(detail, cause);
            this.check = check;
        }

        public Check check() {
            return check;
        }
    }

    /**
     * Verifies the receipt: (1) the envelope hashes to {@code chain_hash}; (2) the leaf is that envelope (a proof that
     * carries leaf data, {@code extra}, must carry exactly it) and the proof's index is {@code leaf_index}; (3) the
     * checkpoint's origin is {@code expectedOrigin} — or, when that is
     * null, the receipt's own origin, which must then be {@code <key name>/<something>}; (4) the checkpoint carries a
     * valid signature by {@code key}; (5) the inclusion proof of the leaf leads to the checkpoint's root (exact proof
     * length, index below the size) and {@code tree_size} is the checkpoint's size.
     *
     * @return the verified checkpoint
     */
    public Checkpoint verify(NoteVerifier key, String expectedOrigin) throws Failure {
        String computed;
        try {
            computed = entry.chainHash();
        } catch (IllegalArgumentException e) {
            throw new Failure(Check.MALFORMED, "the entry cannot be canonicalised: " + e.getMessage(), e);
        }
        if (!computed.equals(chainHash)) {
            throw new Failure(Check.CHAIN_HASH, "the entry's envelope hashes to " + computed + ", not to its chain_hash "
                    + chainHash + " (an entry field was changed)");
        }
        TlogProof proof;
        try {
            proof = TlogProof.parse(tlogProof);
        } catch (VerificationException e) {
            throw new Failure(Check.MALFORMED, "tlog_proof is not a C2SP tlog-proof: " + e.getMessage(), e);
        }
        // the leaf is the entry's canonical envelope: a proof may carry it (extra, which must then be exactly that)
        // or leave it to the fields
        if (proof.extra() != null && !Arrays.equals(proof.extra(), entry.bytes())) {
            throw new Failure(Check.LEAF_DATA, "the proof's leaf data is not this entry's canonical envelope"
                    + " (the proof is for another entry, or the entry was changed)");
        }
        if (leafIndex >= 0 && leafIndex != proof.index()) {
            throw new Failure(Check.LEAF_DATA, "leaf_index " + leafIndex + " differs from the proof's index " + proof.index());
        }
        String origin = expectedOrigin;
        if (origin == null) {
            if (this.origin == null || !this.origin.startsWith(key.name() + "/") || this.origin.length() == key.name().length() + 1) {
                throw new Failure(Check.ORIGIN, "the receipt's origin " + quote(this.origin) + " is not a log of key "
                        + quote(key.name()) + " (expected " + quote(key.name() + "/<tenant>") + ")");
            }
            origin = this.origin;
        }
        Note note;
        Checkpoint cp;
        try {
            note = Note.parse(proof.checkpoint());
            cp = Checkpoint.parse(note.text());
        } catch (VerificationException e) {
            throw new Failure(Check.MALFORMED, "the proof's checkpoint is malformed: " + e.getMessage(), e);
        }
        if (!cp.origin().equals(origin)) {
            throw new Failure(Check.ORIGIN, "the checkpoint's origin is " + quote(cp.origin()) + ", expected " + quote(origin));
        }
        if (this.origin != null && !this.origin.equals(cp.origin())) {
            throw new Failure(Check.ORIGIN, "the receipt says origin " + quote(this.origin) + " but its checkpoint is of "
                    + quote(cp.origin()));
        }
        try {
            note.verify(key);
        } catch (VerificationException e) {
            String why = switch (e.reason()) {
                case UNKNOWN_KEY -> "the checkpoint carries no signature by key " + key.name() + "+" + key.keyIdHex();
                case BAD_SIGNATURE -> "the checkpoint's signature by key " + key.name() + "+" + key.keyIdHex() + " is invalid";
                default -> "the checkpoint's signature does not verify: " + e.getMessage();
            };
            throw new Failure(Check.SIGNATURE, why, e);
        }
        try {
            Merkle.verifyInclusion(proof.index(), cp.size(), Merkle.leafHash(entry.bytes()), proof.proof(), cp.rootHash());
        } catch (VerificationException e) {
            throw new Failure(Check.INCLUSION, "the inclusion proof of leaf " + proof.index() + " does not lead to the root"
                    + " of the signed checkpoint (size " + cp.size() + "): " + e.getMessage(), e);
        }
        if (treeSize >= 0 && treeSize != cp.size()) {
            throw new Failure(Check.INCLUSION, "tree_size " + treeSize + " differs from the signed checkpoint's size " + cp.size());
        }
        return cp;
    }

    /** SHA-256 hex of {@code bytes}, for callers comparing content hashes. */
    public static String sha256Hex(byte[] bytes) {
        return Hex.encode(Merkle.sha256().digest(bytes));
    }

    private static String quote(String s) {
        return s == null ? "(none)" : "\"" + s + "\"";
    }
}

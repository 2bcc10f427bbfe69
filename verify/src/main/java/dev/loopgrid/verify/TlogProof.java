package dev.loopgrid.verify;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A C2SP {@code tlog-proof} (c2sp.org/tlog-proof@v1): the offline proof that an entry is in a log — its index, the
 * inclusion path (the leaf's sibling first) and the signed checkpoint it leads to, with optional {@code extra} bytes
 * that are <b>not</b> authenticated by the proof (LoopGrid puts the leaf data there, so a verifier recomputes the leaf
 * hash from them and so authenticates them).
 *
 * <pre>
 * c2sp.org/tlog-proof@v1
 * extra &lt;base64&gt;          (optional)
 * index &lt;decimal&gt;
 * &lt;base64 hash&gt;            (0..63 lines)
 *
 * &lt;checkpoint, verbatim, signatures included&gt;
 * </pre>
 */
public record TlogProof(byte[] extra, long index, List<byte[]> proof, String checkpoint) {
    public static final String HEADER = "c2sp.org/tlog-proof@v1";

    public TlogProof {
        proof = List.copyOf(proof);
        if (index < 0) throw new IllegalArgumentException("negative index");
        for (byte[] h : proof) Merkle.checkHash(h);
    }

    /** The proof as text. */
    public String format() {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        if (extra != null) sb.append("extra ").append(Base64.getEncoder().encodeToString(extra)).append('\n');
        sb.append("index ").append(index).append('\n');
        for (byte[] h : proof) sb.append(Base64.getEncoder().encodeToString(h)).append('\n');
        sb.append('\n').append(checkpoint);
        return sb.toString();
    }

    /** Parses proof text strictly: the header, at most one extra line, a canonical index, hash lines, a blank line. */
    public static TlogProof parse(String text) throws VerificationException {
        if (text == null) throw malformed("no proof");
        int blank = text.indexOf("\n\n");
        if (blank < 0) throw malformed("no blank line before the checkpoint");
        String[] lines = text.substring(0, blank).split("\n", -1);
        String checkpoint = text.substring(blank + 2);
        if (checkpoint.isEmpty()) throw malformed("no checkpoint after the blank line");
        if (!HEADER.equals(lines[0])) throw malformed("the first line must be " + HEADER);
        int i = 1;
        byte[] extra = null;
        if (i < lines.length && lines[i].startsWith("extra ")) {
            extra = b64(lines[i].substring(6), "extra");
            i++;
        }
        if (i >= lines.length || !lines[i].startsWith("index ")) throw malformed("an index line must follow");
        long index = decimal(lines[i].substring(6));
        i++;
        List<byte[]> proof = new ArrayList<>();
        for (; i < lines.length; i++) {
            byte[] h = b64(lines[i], "proof hash");
            if (h.length != Merkle.HASH_SIZE) throw malformed("a proof hash must be 32 bytes, line " + (i + 1) + " has " + h.length);
            proof.add(h);
        }
        if (proof.size() > 63) throw malformed("more than 63 proof hashes");
        return new TlogProof(extra, index, proof, checkpoint);
    }

    /**
     * Verifies the proof for {@code leafHash}: the checkpoint is signed by {@code logKey} for {@code origin}, and the
     * inclusion path leads from the leaf at {@link #index} to its root (exact length, index below the size).
     *
     * @return the verified checkpoint
     */
    public Checkpoint verify(byte[] leafHash, String origin, NoteVerifier logKey) throws VerificationException {
        Checkpoint cp = origin == null ? Checkpoint.open(checkpoint, logKey) : Checkpoint.open(checkpoint, origin, logKey);
        Merkle.verifyInclusion(index, cp.size(), leafHash, proof, cp.rootHash());
        return cp;
    }

    /** {@link #verify} with the leaf hash computed from the {@code extra} bytes (the leaf data). */
    public Checkpoint verifyExtra(String origin, NoteVerifier logKey) throws VerificationException {
        if (extra == null) throw new VerificationException(VerificationException.Reason.MALFORMED_PROOF, "the proof carries no leaf data (extra)");
        return verify(Merkle.leafHash(extra), origin, logKey);
    }

    private static long decimal(String s) throws VerificationException {
        if (s.isEmpty() || s.length() > 19 || (s.length() > 1 && s.charAt(0) == '0')) throw malformed("index must be a decimal without leading zeros");
        for (int k = 0; k < s.length(); k++) if (s.charAt(k) < '0' || s.charAt(k) > '9') throw malformed("index must be a decimal");
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw malformed("index out of range");
        }
    }

    private static byte[] b64(String s, String what) throws VerificationException {
        try {
            byte[] b = Base64.getDecoder().decode(s);
            if (!Base64.getEncoder().encodeToString(b).equals(s)) throw malformed(what + " is not canonical base64");
            return b;
        } catch (IllegalArgumentException e) {
            throw malformed(what + " is not base64");
        }
    }

    private static VerificationException malformed(String m) {
        return new VerificationException(VerificationException.Reason.MALFORMED_PROOF, m);
    }

    /** The UTF-8 text. */
    public byte[] bytes() {
        return format().getBytes(StandardCharsets.UTF_8);
    }
}

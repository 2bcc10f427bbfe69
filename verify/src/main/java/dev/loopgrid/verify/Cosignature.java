package dev.loopgrid.verify;

import dev.loopgrid.verify.VerificationException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * C2SP tlog-cosignature, Ed25519 ("cosignature/v1", signature type 0x04): a witness's statement that, at a time,
 * the largest consistent tree it has seen for the checkpoint's origin has this root. The signature is
 * {@code u64 timestamp (big-endian POSIX seconds) ‖ Ed25519 signature} over
 * <pre>
 * cosignature/v1\n
 * time &lt;timestamp&gt;\n
 * &lt;checkpoint text, final newline included, no signature lines&gt;
 * </pre>
 * Make cosigners with {@link NoteSigner#cosigner}; verifiers with {@link NoteVerifier#of} and type 0x04.
 *
 * @see <a href="https://c2sp.org/tlog-cosignature">c2sp.org/tlog-cosignature</a>
 */
public final class Cosignature {
    private Cosignature() {}

    /** The message an Ed25519 cosignature signs. */
    public static byte[] message(byte[] checkpointText, long timestamp) {
        byte[] head = ("cosignature/v1\ntime " + timestamp + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + checkpointText.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(checkpointText, 0, out, head.length, checkpointText.length);
        return out;
    }

    /** The timestamp of a cosignature (its first 8 bytes). */
    public static long timestamp(Note.Signature cosignature) {
        byte[] s = cosignature.signature();
        if (s.length < 8) throw new IllegalArgumentException("not a timestamped signature");
        return ByteBuffer.wrap(s, 0, 8).getLong();
    }

    /**
     * Verifies that {@code note} carries a valid cosignature by {@code cosigner} and returns its timestamp.
     *
     * @throws VerificationException UNKNOWN_KEY when there is no cosignature by that key, BAD_SIGNATURE when it fails
     */
    public static long verify(Note note, NoteVerifier cosigner) throws VerificationException {
        if (cosigner.type() != NoteVerifier.TYPE_COSIGNATURE) {
            throw new VerificationException(Reason.MALFORMED_KEY, cosigner.name() + " is not a cosignature (0x04) key");
        }
        Note.Verified v = note.verify(List.of(cosigner));
        return timestamp(v.verified().get(0));
    }
}

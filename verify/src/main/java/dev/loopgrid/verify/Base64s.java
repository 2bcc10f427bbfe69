package dev.loopgrid.verify;

import dev.loopgrid.verify.VerificationException.Reason;
import java.util.Base64;

/** Strict standard base64 (RFC 4648 §4): padded, no line breaks, canonical trailing bits. */
final class Base64s {
    private Base64s() {}

    static byte[] decode(String s, Reason reason) throws VerificationException {
        byte[] out;
        try {
            out = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new VerificationException(reason, "bad base64: " + e.getMessage());
        }
        // the JDK accepts missing padding and non-zero trailing bits: only the canonical form is accepted here
        if (!Base64.getEncoder().encodeToString(out).equals(s)) {
            throw new VerificationException(reason, "non-canonical base64 " + NoteVerifier.quote(s));
        }
        return out;
    }
}

package dev.loopgrid.verify;

import dev.loopgrid.verify.VerificationException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * A C2SP signed note: text ending in a newline, a blank line, then one or more signature lines
 * {@code — <key name> <base64(4-byte key ID ‖ signature)>} (U+2014 EM DASH, space). The text may contain empty
 * lines; it ends at the <em>last</em> blank line.
 *
 * <p>{@link #parse} is strict and refuses, as MALFORMED_NOTE: invalid UTF-8, control characters other than
 * {@code \n} (CR included), a missing final newline, no blank line, an empty signature section or empty line in it,
 * a signature line not of the exact form, a key name with a space or {@code +}, non-canonical base64, a signature
 * shorter than 5 bytes, and more than {@link #MAX_SIGNATURES} signatures.
 *
 * <p>{@link #verify} follows the spec: signatures by unknown keys (name and key ID not both matching) are ignored;
 * a failing signature by a known key rejects the note (BAD_SIGNATURE); no verified signature rejects it (UNKNOWN_KEY).
 *
 * @see <a href="https://c2sp.org/signed-note">c2sp.org/signed-note</a>
 */
public final class Note {
    /** The most signatures a note may carry (the spec requires accepting at least 16). */
    public static final int MAX_SIGNATURES = 100;
    private static final String DASH = "\u2014 ";

    /** One signature line: the key name, the key ID and the signature bytes after the key ID. */
    public record Signature(String name, int keyId, byte[] signature) {
        public Signature {
            signature = signature.clone();
        }

        @Override
        public byte[] signature() {
            return signature.clone();
        }

        /** {@code — <name> <base64(keyId ‖ signature)>\n}. */
        public String line() {
            byte[] b = ByteBuffer.allocate(4 + signature.length).putInt(keyId).put(signature).array();
            return DASH + name + " " + Base64.getEncoder().encodeToString(b) + "\n";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Signature s && s.name.equals(name) && s.keyId == keyId && Arrays.equals(s.signature, signature);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + keyId;
        }

        @Override
        public String toString() {
            return line().trim();
        }
    }

    /** The outcome of {@link #verify}: the text and which signatures verified and which were by unknown keys. */
    public record Verified(String text, List<Signature> verified, List<Signature> unknown) {}

    private final String text;
    private final List<Signature> signatures;

    private Note(String text, List<Signature> signatures) {
        this.text = text;
        this.signatures = List.copyOf(signatures);
    }

    /** Signs {@code text} (valid note text, ending in a newline) with each signer in turn. */
    public static Note sign(String text, NoteSigner... signers) throws VerificationException {
        checkText(text);
        List<Signature> sigs = new ArrayList<>();
        for (NoteSigner s : signers) sigs.add(s.sign(text));
        return new Note(text, sigs);
    }

    /** This note with more signatures appended (e.g. a witness's cosignature). */
    public Note withSignatures(List<Signature> more) throws VerificationException {
        List<Signature> all = new ArrayList<>(signatures);
        all.addAll(more);
        if (all.size() > MAX_SIGNATURES) throw new VerificationException(Reason.MALFORMED_NOTE, "too many signatures");
        for (Signature s : more) NoteVerifier.checkName(s.name(), Reason.MALFORMED_NOTE);
        return new Note(text, all);
    }

    /** Parses UTF-8 bytes strictly (see the class comment). */
    public static Note parse(byte[] message) throws VerificationException {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(message)).toString();
        } catch (CharacterCodingException e) {
            throw new VerificationException(Reason.MALFORMED_NOTE, "not valid UTF-8");
        }
        return parse(s);
    }

    /** Parses a note strictly (see the class comment). */
    public static Note parse(String message) throws VerificationException {
        checkChars(message);
        int split = message.lastIndexOf("\n\n");
        if (split < 0) throw new VerificationException(Reason.MALFORMED_NOTE, "no blank line before the signatures");
        String text = message.substring(0, split + 1);
        String sigs = message.substring(split + 2);
        if (sigs.isEmpty()) throw new VerificationException(Reason.MALFORMED_NOTE, "no signature lines");
        if (!sigs.endsWith("\n")) throw new VerificationException(Reason.MALFORMED_NOTE, "missing final newline");
        String[] lines = sigs.substring(0, sigs.length() - 1).split("\n", -1);
        if (lines.length > MAX_SIGNATURES) {
            throw new VerificationException(Reason.MALFORMED_NOTE, lines.length + " signatures, at most " + MAX_SIGNATURES);
        }
        List<Signature> out = new ArrayList<>(lines.length);
        for (String line : lines) out.add(parseSignatureLine(line));
        return new Note(text, out);
    }

    private static Signature parseSignatureLine(String line) throws VerificationException {
        if (!line.startsWith(DASH)) throw new VerificationException(Reason.MALFORMED_NOTE, "signature line does not start with \"— \"");
        String rest = line.substring(DASH.length());
        int sp = rest.indexOf(' ');
        if (sp < 0) throw new VerificationException(Reason.MALFORMED_NOTE, "signature line without a signature");
        String name = rest.substring(0, sp);
        NoteVerifier.checkName(name, Reason.MALFORMED_NOTE);
        byte[] b = Base64s.decode(rest.substring(sp + 1), Reason.MALFORMED_NOTE);
        if (b.length < 5) throw new VerificationException(Reason.MALFORMED_NOTE, "signature of " + b.length + " bytes is too short");
        ByteBuffer bb = ByteBuffer.wrap(b);
        int keyId = bb.getInt();
        return new Signature(name, keyId, Arrays.copyOfRange(b, 4, b.length));
    }

    /** The text, final newline included: what the signatures sign. */
    public String text() {
        return text;
    }

    public List<Signature> signatures() {
        return signatures;
    }

    /** The note as served: text, blank line, signature lines. */
    public String format() {
        StringBuilder sb = new StringBuilder(text).append('\n');
        for (Signature s : signatures) sb.append(s.line());
        return sb.toString();
    }

    @Override
    public String toString() {
        return format();
    }

    /** Verifies with one or more known keys; see the class comment for the rules. */
    public Verified verify(NoteVerifier... known) throws VerificationException {
        return verify(Arrays.asList(known));
    }

    /** Verifies with the known keys; see the class comment for the rules. */
    public Verified verify(Collection<NoteVerifier> known) throws VerificationException {
        byte[] msg = text.getBytes(StandardCharsets.UTF_8);
        List<Signature> verified = new ArrayList<>();
        List<Signature> unknown = new ArrayList<>();
        for (Signature s : signatures) {
            NoteVerifier match = null;
            for (NoteVerifier v : known) {
                if (v.name().equals(s.name()) && v.keyId() == s.keyId()) {
                    if (match != null && !match.vkey().equals(v.vkey())) {
                        throw new VerificationException(Reason.AMBIGUOUS_KEY, "two keys named " + s.name() + " with ID " + v.keyIdHex());
                    }
                    match = v;
                }
            }
            if (match == null) {
                unknown.add(s);
            } else if (match.verify(msg, s.signature)) {
                verified.add(s);
            } else {
                throw new VerificationException(Reason.BAD_SIGNATURE, "invalid signature by " + match.name() + "+" + match.keyIdHex());
            }
        }
        if (verified.isEmpty()) {
            throw new VerificationException(Reason.UNKNOWN_KEY, "no signature by a known key (" + signatures.size() + " signatures)");
        }
        return new Verified(text, List.copyOf(verified), List.copyOf(unknown));
    }

    /** Note text is non-empty, ends in a newline and has no control characters but newline. */
    static void checkText(String text) throws VerificationException {
        if (text.isEmpty() || !text.endsWith("\n")) throw new VerificationException(Reason.MALFORMED_NOTE, "text must end in a newline");
        checkChars(text);
    }

    private static void checkChars(String s) throws VerificationException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\n') {
                throw new VerificationException(Reason.MALFORMED_NOTE, "control character 0x" + Integer.toHexString(c) + " at " + i);
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    throw new VerificationException(Reason.MALFORMED_NOTE, "lone surrogate at " + i);
                }
            }
        }
    }
}

package dev.loopgrid.verify;

import dev.loopgrid.verify.VerificationException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.InvalidKeySpecException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * A C2SP signed-note verifier key ("vkey"): {@code <name>+<hex key ID>+<base64(type ‖ public key)>}.
 * Two types are supported: {@link #TYPE_ED25519} (0x01, Ed25519 over the note text) and
 * {@link #TYPE_COSIGNATURE} (0x04, a timestamped Ed25519 cosignature of a checkpoint, c2sp.org/tlog-cosignature).
 * The key ID is {@code SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]}, big-endian.
 *
 * @see <a href="https://c2sp.org/signed-note">c2sp.org/signed-note</a>
 */
public final class NoteVerifier {
    /** Signature type of an Ed25519 note signature. */
    public static final byte TYPE_ED25519 = 0x01;
    /** Signature type of a timestamped Ed25519 checkpoint cosignature. */
    public static final byte TYPE_COSIGNATURE = 0x04;

    private static final Pattern HEX8 = Pattern.compile("[0-9a-f]{8}");

    private final String name;
    private final int keyId;
    private final byte type;
    private final byte[] rawKey;
    private final PublicKey publicKey;

    private NoteVerifier(String name, byte type, byte[] rawKey) throws VerificationException {
        this.name = name;
        this.type = type;
        this.rawKey = rawKey.clone();
        this.keyId = keyId(name, type, rawKey);
        try {
            this.publicKey = Ed25519.publicKey(rawKey);
            // the JDK decodes the point only here (InvalidKeyException "Invalid point"): fail at configuration time
            java.security.Signature.getInstance("Ed25519").initVerify(publicKey);
        } catch (InvalidKeySpecException | java.security.InvalidKeyException e) {
            throw new VerificationException(Reason.MALFORMED_KEY, "not an Ed25519 public key: " + e.getMessage());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no Ed25519 (Java 15+ needed)", e);
        }
    }

    /** A verifier for an Ed25519 note signer ({@code type} 0x01) or cosigner (0x04) with this raw 32-byte key. */
    public static NoteVerifier of(String name, byte type, byte[] rawPublicKey) throws VerificationException {
        checkName(name, Reason.MALFORMED_KEY);
        if (type != TYPE_ED25519 && type != TYPE_COSIGNATURE) {
            throw new VerificationException(Reason.MALFORMED_KEY, "unsupported signature type 0x" + Hex.encode(new byte[] {type}));
        }
        if (rawPublicKey.length != Ed25519.PUBLIC_KEY_SIZE) {
            throw new VerificationException(Reason.MALFORMED_KEY, "Ed25519 key must be 32 bytes, got " + rawPublicKey.length);
        }
        return new NoteVerifier(name, type, rawPublicKey);
    }

    /** Parses a vkey strictly: three {@code +}-separated parts, lower-case 8-digit hex, canonical base64, matching ID. */
    public static NoteVerifier parse(String vkey) throws VerificationException {
        String[] parts = vkey.split("\\+", 3); // base64 may contain +, names may not
        if (parts.length != 3) throw new VerificationException(Reason.MALFORMED_KEY, "a vkey has three +-separated parts");
        String name = parts[0];
        checkName(name, Reason.MALFORMED_KEY);
        if (!HEX8.matcher(parts[1]).matches()) throw new VerificationException(Reason.MALFORMED_KEY, "key ID is not 8 hex digits");
        byte[] typed = Base64s.decode(parts[2], Reason.MALFORMED_KEY);
        if (typed.length < 1) throw new VerificationException(Reason.MALFORMED_KEY, "empty key");
        NoteVerifier v = of(name, typed[0], Arrays.copyOfRange(typed, 1, typed.length));
        if (v.keyId != (int) Long.parseLong(parts[1], 16)) {
            throw new VerificationException(Reason.MALFORMED_KEY, "key ID " + parts[1] + " does not match the key (" + v.keyIdHex() + ")");
        }
        return v;
    }

    /** {@code SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4]} as a big-endian int. */
    public static int keyId(String name, byte type, byte[] rawKey) {
        MessageDigest d = Merkle.sha256();
        d.update(name.getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0x0A);
        d.update(type);
        d.update(rawKey);
        return ByteBuffer.wrap(d.digest()).getInt();
    }

    /** The vkey string. */
    public String vkey() {
        byte[] typed = new byte[1 + rawKey.length];
        typed[0] = type;
        System.arraycopy(rawKey, 0, typed, 1, rawKey.length);
        return name + "+" + keyIdHex() + "+" + java.util.Base64.getEncoder().encodeToString(typed);
    }

    public String name() {
        return name;
    }

    public int keyId() {
        return keyId;
    }

    public String keyIdHex() {
        return String.format("%08x", keyId);
    }

    public byte type() {
        return type;
    }

    /** The raw 32-byte public key. */
    public byte[] publicKey() {
        return rawKey.clone();
    }

    /**
     * Whether {@code signature} (the bytes after the 4-byte key ID) is valid over the note {@code text} (UTF-8,
     * final newline included). For a cosignature it is {@code u64 timestamp ‖ Ed25519 signature} over
     * {@link Cosignature#message}.
     */
    public boolean verify(byte[] text, byte[] signature) {
        if (type == TYPE_ED25519) return Ed25519.verify(publicKey, text, signature);
        if (signature.length != 8 + Ed25519.SIGNATURE_SIZE) return false;
        long timestamp = ByteBuffer.wrap(signature, 0, 8).getLong();
        if (timestamp < 0) return false; // above 2^63-1
        return Ed25519.verify(publicKey, Cosignature.message(text, timestamp), Arrays.copyOfRange(signature, 8, signature.length));
    }

    @Override
    public String toString() {
        return vkey();
    }

    /** Key names are non-empty and contain neither Unicode spaces nor {@code +}. */
    static void checkName(String name, Reason reason) throws VerificationException {
        if (name.isEmpty()) throw new VerificationException(reason, "empty key name");
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            if (cp == '+' || Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp < 0x20 || cp == 0x7f) {
                throw new VerificationException(reason, "key name " + quote(name) + " contains a space, + or control character");
            }
            i += Character.charCount(cp);
        }
    }

    static String quote(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }
}

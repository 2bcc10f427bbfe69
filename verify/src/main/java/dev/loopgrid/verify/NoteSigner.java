package dev.loopgrid.verify;

import dev.loopgrid.verify.VerificationException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Signs note text as a C2SP signed-note key: Ed25519 (type 0x01) or a timestamped Ed25519 cosigner (type 0x04,
 * c2sp.org/tlog-cosignature). The private key may live in the JDK ({@link PrivateKey}) or, for a server, behind
 * any signing function (e.g. AWS KMS {@code ED25519_SHA_512} with {@code MessageType.RAW}) via {@link #of}.
 */
public final class NoteSigner {
    /** Signs raw bytes with Ed25519, returning the 64-byte RFC 8032 signature. */
    @FunctionalInterface
    public interface RawSigner {
        byte[] sign(byte[] message);
    }

    private static final Pattern HEX8 = Pattern.compile("[0-9a-f]{8}");

    private final NoteVerifier verifier;
    private final RawSigner raw;
    private final LongSupplier clock;
    private final byte[] seed; // only for keys made from a seed, to format skey()

    private NoteSigner(NoteVerifier verifier, RawSigner raw, LongSupplier clock, byte[] seed) {
        this.verifier = verifier;
        this.raw = raw;
        this.clock = clock;
        this.seed = seed;
    }

    /** An Ed25519 note signer (type 0x01) over any signing function, given the matching raw public key. */
    public static NoteSigner of(String name, byte[] rawPublicKey, RawSigner signer) throws VerificationException {
        return new NoteSigner(NoteVerifier.of(name, NoteVerifier.TYPE_ED25519, rawPublicKey), signer, null, null);
    }

    /** An Ed25519 note signer (type 0x01) with a JDK key pair. */
    public static NoteSigner ed25519(String name, KeyPair keys) throws VerificationException {
        PrivateKey key = keys.getPrivate();
        return of(name, Ed25519.rawPublicKey(keys.getPublic()), m -> Ed25519.sign(key, m));
    }

    /** An Ed25519 note signer (type 0x01) from a 32-byte RFC 8032 seed. */
    public static NoteSigner ed25519(String name, byte[] seed) throws VerificationException {
        KeyPair keys = Ed25519.keyPair(seed);
        PrivateKey key = keys.getPrivate();
        return new NoteSigner(NoteVerifier.of(name, NoteVerifier.TYPE_ED25519, Ed25519.rawPublicKey(keys.getPublic())),
                m -> Ed25519.sign(key, m), null, seed.clone());
    }

    /**
     * A cosigner (type 0x04): each signature is {@code u64 timestamp ‖ Ed25519(cosignature/v1 message)} with the
     * timestamp (POSIX seconds) read from {@code clock} at signing time.
     */
    public static NoteSigner cosigner(String name, KeyPair keys, LongSupplier clock) throws VerificationException {
        PrivateKey key = keys.getPrivate();
        return new NoteSigner(NoteVerifier.of(name, NoteVerifier.TYPE_COSIGNATURE, Ed25519.rawPublicKey(keys.getPublic())),
                m -> Ed25519.sign(key, m), clock, null);
    }

    /**
     * Parses a signer key in the golang.org/x/mod/sumdb/note form
     * {@code PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 ‖ 32-byte seed)>}.
     */
    public static NoteSigner parse(String skey) throws VerificationException {
        String[] parts = skey.split("\\+", 5); // base64 may contain +, names may not
        if (parts.length != 5 || !parts[0].equals("PRIVATE") || !parts[1].equals("KEY")) {
            throw new VerificationException(Reason.MALFORMED_KEY, "a signer key is PRIVATE+KEY+<name>+<id>+<key>");
        }
        NoteVerifier.checkName(parts[2], Reason.MALFORMED_KEY);
        if (!HEX8.matcher(parts[3]).matches()) throw new VerificationException(Reason.MALFORMED_KEY, "key ID is not 8 hex digits");
        byte[] typed = Base64s.decode(parts[4], Reason.MALFORMED_KEY);
        if (typed.length != 1 + Ed25519.SEED_SIZE || typed[0] != NoteVerifier.TYPE_ED25519) {
            throw new VerificationException(Reason.MALFORMED_KEY, "signer key must be 0x01 followed by a 32-byte seed");
        }
        NoteSigner s = ed25519(parts[2], Arrays.copyOfRange(typed, 1, typed.length));
        if (!s.verifier.keyIdHex().equals(parts[3])) {
            throw new VerificationException(Reason.MALFORMED_KEY, "key ID " + parts[3] + " does not match the key");
        }
        return s;
    }

    /** The signer key string of a seed-based signer ({@code PRIVATE+KEY+…}); secret. */
    public String skey() {
        if (seed == null) throw new IllegalStateException("only signers made from a seed have a signer key string");
        byte[] typed = new byte[1 + seed.length];
        typed[0] = NoteVerifier.TYPE_ED25519;
        System.arraycopy(seed, 0, typed, 1, seed.length);
        return "PRIVATE+KEY+" + verifier.name() + "+" + verifier.keyIdHex() + "+" + Base64.getEncoder().encodeToString(typed);
    }

    /** The matching verifier (its {@link NoteVerifier#vkey()} is what clients configure). */
    public NoteVerifier verifier() {
        return verifier;
    }

    public String name() {
        return verifier.name();
    }

    /** The signature over {@code text} as a note signature (key ID added by the caller's {@link Note.Signature}). */
    public Note.Signature sign(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        byte[] sig;
        if (verifier.type() == NoteVerifier.TYPE_COSIGNATURE) {
            long ts = clock.getAsLong();
            if (ts < 0) throw new IllegalStateException("negative timestamp " + ts);
            byte[] ed = raw.sign(Cosignature.message(bytes, ts));
            sig = ByteBuffer.allocate(8 + ed.length).putLong(ts).put(ed).array();
        } else {
            sig = raw.sign(bytes);
        }
        return new Note.Signature(verifier.name(), verifier.keyId(), sig);
    }
}

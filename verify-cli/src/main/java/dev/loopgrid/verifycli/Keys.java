package dev.loopgrid.verifycli;

import dev.loopgrid.verify.Ed25519;
import dev.loopgrid.verify.NoteSigner;
import dev.loopgrid.verify.NoteVerifier;
import dev.loopgrid.verify.VerificationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.LongSupplier;

/** The log's verifier key from {@code --key} and a monitor's cosigner key from {@code --cosign}. */
final class Keys {
    private Keys() {}

    /** {@code --key}: a C2SP vkey, or {@code @FILE} holding one (as served by {@code GET /v1/log/key}). */
    static NoteVerifier verifier(String arg) throws CliException {
        String vkey = arg;
        if (arg.startsWith("@")) {
            try {
                vkey = Files.readString(Path.of(arg.substring(1)), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw CliException.usage("cannot read the key file " + arg.substring(1) + ": " + e.getMessage());
            }
        }
        try {
            NoteVerifier v = NoteVerifier.parse(vkey.strip());
            if (v.type() != NoteVerifier.TYPE_ED25519) throw CliException.usage("--key must be the log's Ed25519 (type 0x01) key");
            return v;
        } catch (VerificationException e) {
            throw CliException.usage("--key is not a verifier key (<name>+<hex key id>+<base64 key>): " + e.getMessage());
        }
    }

    /**
     * A cosigner (C2SP tlog-cosignature, type 0x04) from a file holding {@code PRIVATE+KEY+<name>+<hex id>+<base64(0x04 ‖
     * 32-byte seed)>}, as written by {@code loopgrid-verify cosigner-key}.
     */
    static NoteSigner cosigner(Path file, LongSupplier clock) throws CliException {
        String skey;
        try {
            skey = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw CliException.usage("cannot read the cosigner key " + file + ": " + e.getMessage());
        }
        String[] parts = skey.split("\\+", 5);
        if (parts.length != 5 || !parts[0].equals("PRIVATE") || !parts[1].equals("KEY")) {
            throw CliException.usage("the cosigner key file must hold PRIVATE+KEY+<name>+<id>+<key>");
        }
        byte[] typed;
        try {
            typed = Base64.getDecoder().decode(parts[4]);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("the cosigner key is not base64");
        }
        if (typed.length != 1 + Ed25519.SEED_SIZE || typed[0] != NoteVerifier.TYPE_COSIGNATURE) {
            throw CliException.usage("the cosigner key must be 0x04 followed by a 32-byte seed");
        }
        KeyPair keys = Ed25519.keyPair(Arrays.copyOfRange(typed, 1, typed.length));
        try {
            NoteSigner s = NoteSigner.cosigner(parts[2], keys, clock);
            if (!s.verifier().keyIdHex().equals(parts[3])) {
                throw CliException.usage("the cosigner key's ID " + parts[3] + " does not match the key (" + s.verifier().keyIdHex() + ")");
            }
            return s;
        } catch (VerificationException e) {
            throw CliException.usage("bad cosigner key: " + e.getMessage());
        }
    }

    /** The private key string of a new cosigner with {@code seed}; its verifier key is printed by the command. */
    static String cosignerSkey(String name, byte[] seed) throws CliException {
        try {
            NoteSigner s = NoteSigner.cosigner(name, Ed25519.keyPair(seed), () -> 0);
            byte[] typed = new byte[1 + seed.length];
            typed[0] = NoteVerifier.TYPE_COSIGNATURE;
            System.arraycopy(seed, 0, typed, 1, seed.length);
            return "PRIVATE+KEY+" + name + "+" + s.verifier().keyIdHex() + "+" + Base64.getEncoder().encodeToString(typed);
        } catch (VerificationException e) {
            throw CliException.usage("bad cosigner name: " + e.getMessage());
        }
    }
}

package dev.loopgrid.aws.log;

import dev.loopgrid.verify.Ed25519;
import dev.loopgrid.verify.NoteSigner;
import dev.loopgrid.verify.VerificationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.MessageType;
import software.amazon.awssdk.services.kms.model.SigningAlgorithmSpec;

/** Where the log's signing key comes from: a key file (local stack), a fresh key (tests), or AWS KMS. */
public final class LogKeys {
    private LogKeys() {}

    /**
     * The signer whose C2SP signer key ({@code PRIVATE+KEY+…}) is in {@code file}; on first use a new Ed25519 key is
     * generated and written there, readable by the owner only.
     */
    public static NoteSigner fromFile(Path file, String name) throws IOException {
        if (Files.exists(file)) {
            try {
                NoteSigner s = NoteSigner.parse(Files.readString(file, StandardCharsets.UTF_8).trim());
                if (!s.name().equals(name)) {
                    throw new IOException("the log key in " + file + " is named " + s.name() + ", not " + name
                            + ": a log keeps its key (delete the file only to start a new log)");
                }
                return s;
            } catch (VerificationException e) {
                throw new IOException("the log key in " + file + " is malformed: " + e.getMessage(), e);
            }
        }
        NoteSigner s = generate(name);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".log-key", ".tmp");
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        Files.writeString(tmp, s.skey() + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return s;
    }

    /** A new Ed25519 signer (in-memory stacks and tests). */
    public static NoteSigner generate(String name) {
        byte[] seed = new byte[Ed25519.SEED_SIZE];
        new SecureRandom().nextBytes(seed);
        try {
            return NoteSigner.ed25519(name, seed);
        } catch (VerificationException e) {
            throw new IllegalArgumentException("bad log key name " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * A signer backed by an AWS KMS key of spec {@code ECC_NIST_EDWARDS25519}: signatures are {@code ED25519_SHA_512}
     * over the RAW message (pure RFC 8032 Ed25519, what C2SP notes need — never the pre-hashed
     * {@code ED25519_PH_SHA_512}); the private key never leaves KMS.
     */
    public static NoteSigner kms(KmsClient kms, String keyId, String name) {
        byte[] spki = kms.getPublicKey(b -> b.keyId(keyId)).publicKey().asByteArray();
        byte[] raw = java.util.Arrays.copyOfRange(spki, spki.length - Ed25519.PUBLIC_KEY_SIZE, spki.length);
        try {
            return NoteSigner.of(name, raw, message -> kms.sign(b -> b.keyId(keyId)
                    .message(SdkBytes.fromByteArray(message))
                    .messageType(MessageType.RAW)
                    .signingAlgorithm(SigningAlgorithmSpec.ED25519_SHA_512)).signature().asByteArray());
        } catch (VerificationException e) {
            throw new IllegalStateException("KMS key " + keyId + " is not an Ed25519 key: " + e.getMessage(), e);
        }
    }
}

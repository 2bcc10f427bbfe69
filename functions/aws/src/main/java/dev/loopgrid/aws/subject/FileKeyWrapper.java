package dev.loopgrid.aws.subject;

import dev.loopgrid.core.subject.KeyWrapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Data keys wrapped with AES-256-GCM under a key kept in a file (the local stack: {@code <data-dir>/subject-keys.key},
 * created on first start with owner-only permissions). The tenant and subject are the associated data, as KMS's
 * encryption context is on AWS. Wrapped form: 12-byte IV ‖ ciphertext ‖ tag.
 */
public final class FileKeyWrapper implements KeyWrapper {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final byte[] master;

    public FileKeyWrapper(byte[] master) {
        if (master.length != 32) throw new IllegalArgumentException("the wrapping key is 32 bytes");
        this.master = master.clone();
    }

    /** A wrapper under a new random key held only in memory (an in-memory stack). */
    public static FileKeyWrapper generate() {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        return new FileKeyWrapper(k);
    }

    /** The wrapper of the key in {@code file}, creating the file (owner-only) with a new key when absent. */
    public static FileKeyWrapper fromFile(Path file) {
        try {
            if (!Files.exists(file)) {
                byte[] k = new byte[32];
                RANDOM.nextBytes(k);
                Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
                Files.write(tmp, Base64.getEncoder().encode(k));
                try {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: keep the default permissions
                }
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            }
            byte[] k = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
            return new FileKeyWrapper(k);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the key file " + file, e);
        }
    }

    @Override
    public Generated generate(String tenant, String subjectId) {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        byte[] iv = new byte[12];
        RANDOM.nextBytes(iv);
        byte[] ct = crypt(Cipher.ENCRYPT_MODE, iv, aad(tenant, subjectId), key);
        byte[] wrapped = new byte[12 + ct.length];
        System.arraycopy(iv, 0, wrapped, 0, 12);
        System.arraycopy(ct, 0, wrapped, 12, ct.length);
        return new Generated(key, wrapped);
    }

    @Override
    public byte[] unwrap(String tenant, String subjectId, byte[] wrapped) {
        if (wrapped == null || wrapped.length < 12 + 16) throw new IllegalStateException("malformed wrapped key");
        return crypt(Cipher.DECRYPT_MODE, Arrays.copyOf(wrapped, 12), aad(tenant, subjectId),
                Arrays.copyOfRange(wrapped, 12, wrapped.length));
    }

    private byte[] crypt(int mode, byte[] iv, byte[] aad, byte[] in) {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(mode, new SecretKeySpec(master, "AES"), new GCMParameterSpec(128, iv));
            c.updateAAD(aad);
            return c.doFinal(in);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalStateException("a wrapped key does not unwrap under this key file", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    private static byte[] aad(String tenant, String subjectId) {
        return ("loopgrid/v1/subject-key\0" + tenant + "\0" + subjectId).getBytes(StandardCharsets.UTF_8);
    }
}

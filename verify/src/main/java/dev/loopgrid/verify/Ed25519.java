package dev.loopgrid.verify;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * RFC 8032 Ed25519 with the JDK's own provider (SunEC, Java 15+), on raw 32-byte keys as signed notes carry them.
 * A raw public key becomes a JDK key through its SPKI encoding: the 12-byte prefix
 * {@code 30 2a 30 05 06 03 2b 65 70 03 21 00} followed by the key.
 */
public final class Ed25519 {
    /** Public key, seed (private key) and signature sizes. */
    public static final int PUBLIC_KEY_SIZE = 32, SEED_SIZE = 32, SIGNATURE_SIZE = 64;

    private static final byte[] SPKI_PREFIX = Hex.decode("302a300506032b6570032100");

    private Ed25519() {}

    /** A JDK public key from the raw 32 bytes. */
    public static PublicKey publicKey(byte[] raw) throws InvalidKeySpecException {
        if (raw.length != PUBLIC_KEY_SIZE) throw new InvalidKeySpecException("Ed25519 public key must be 32 bytes, got " + raw.length);
        byte[] spki = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + raw.length);
        System.arraycopy(raw, 0, spki, SPKI_PREFIX.length, raw.length);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no Ed25519 (Java 15+ needed)", e);
        }
    }

    /** The raw 32 bytes of a JDK Ed25519 public key (the tail of its SPKI encoding). */
    public static byte[] rawPublicKey(PublicKey key) {
        byte[] spki = key.getEncoded();
        if (spki.length != SPKI_PREFIX.length + PUBLIC_KEY_SIZE
                || !Arrays.equals(spki, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + key.getAlgorithm());
        }
        return Arrays.copyOfRange(spki, SPKI_PREFIX.length, spki.length);
    }

    /** A JDK private key from the 32-byte RFC 8032 seed. */
    public static PrivateKey privateKey(byte[] seed) throws InvalidKeySpecException {
        if (seed.length != SEED_SIZE) throw new InvalidKeySpecException("Ed25519 seed must be 32 bytes, got " + seed.length);
        try {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed.clone()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no Ed25519 (Java 15+ needed)", e);
        }
    }

    /** The key pair of a seed: the JDK derives the public key when its generator draws exactly this seed. */
    public static KeyPair keyPair(byte[] seed) {
        if (seed.length != SEED_SIZE) throw new IllegalArgumentException("Ed25519 seed must be 32 bytes, got " + seed.length);
        SecureRandom fixed = new SecureRandom() {
            private static final long serialVersionUID = 1L;

            @Override
            public void nextBytes(byte[] bytes) {
                if (bytes.length != SEED_SIZE) throw new IllegalStateException("unexpected draw of " + bytes.length + " bytes");
                System.arraycopy(seed, 0, bytes, 0, SEED_SIZE);
            }
        };
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
            g.initialize(NamedParameterSpec.ED25519, fixed);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519 (Java 15+ needed)", e);
        }
    }

    /** A fresh random key pair. */
    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519 (Java 15+ needed)", e);
        }
    }

    /** The 64-byte signature of {@code message}. */
    public static byte[] sign(PrivateKey key, byte[] message) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot sign with " + key.getAlgorithm() + " key", e);
        }
    }

    /** Whether {@code signature} is a valid signature of {@code message}; malformed input is simply false. */
    public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
        if (signature.length != SIGNATURE_SIZE) return false;
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(message);
            return s.verify(signature);
        } catch (SignatureException | InvalidKeyException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519 (Java 15+ needed)", e);
        }
    }
}

package dev.loopgrid.core.subject;

import java.util.Arrays;

/**
 * A data subject's 256-bit AES data key, in the clear (only ever in memory). {@code keyId} names it in sealed content,
 * so a box says which key opens it.
 */
public record DataKey(String keyId, byte[] secret) {
    public DataKey {
        if (secret == null || secret.length != 32) throw new IllegalArgumentException("a data key is 32 bytes");
        secret = secret.clone();
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DataKey k && k.keyId.equals(keyId) && Arrays.equals(k.secret, secret);
    }

    @Override
    public int hashCode() {
        return keyId.hashCode();
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "DataKey[" + keyId + "]";
    }
}

package dev.loopgrid.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RFC 8032 §7.1 vectors through the JDK: key derivation from the seed, deterministic signing, verification. */
class Ed25519Test {
    @Test
    void rfc8032Vectors_deriveSignAndVerify() throws Exception {
        for (Map<String, Object> v : Json.list(Json.vector("ed25519/rfc8032.json").get("vectors"))) {
            byte[] seed = Hex.decode((String) v.get("secretKey"));
            byte[] pub = Hex.decode((String) v.get("publicKey"));
            byte[] msg = Hex.decode((String) v.get("message"));
            byte[] sig = Hex.decode((String) v.get("signature"));
            KeyPair pair = Ed25519.keyPair(seed);
            assertArrayEquals(pub, Ed25519.rawPublicKey(pair.getPublic()), v.get("name") + " public key");
            assertArrayEquals(sig, Ed25519.sign(pair.getPrivate(), msg), v.get("name") + " signature");
            assertArrayEquals(sig, Ed25519.sign(Ed25519.privateKey(seed), msg), v.get("name") + " signature from privateKey(seed)");
            assertTrue(Ed25519.verify(Ed25519.publicKey(pub), msg, sig));
            for (int bit : new int[] {0, 255, 256, 511}) {
                assertFalse(Ed25519.verify(Ed25519.publicKey(pub), msg, MerklePropertyTest.flipAny(sig, bit)), v.get("name") + " bit " + bit);
            }
        }
    }
}

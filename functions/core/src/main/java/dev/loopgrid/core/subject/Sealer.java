package dev.loopgrid.core.subject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals bytes under a subject's {@link DataKey} with AES-256-GCM (JDK), as a small JSON box:
 * <pre>{"alg":"A256GCM","kid":key id,"iv":12 random bytes,"ct":ciphertext ‖ 16-byte tag,"kc":key commitment}</pre>
 * (bytes in unpadded base64url). {@code kc = HMAC-SHA256(key, "loopgrid/v1/key-commitment")} commits the box to its
 * key: GCM alone is not key-committing, so without it someone who could swap the stored key might find a second key
 * that opens the same box to other text. It says nothing about the plaintext, and once the key is destroyed it links
 * nothing. The associated data binds a box to where it belongs (tenant and subject), so a box moved elsewhere does
 * not open.
 */
public final class Sealer {
    public static final String ALG = "A256GCM";
    private static final byte[] COMMITMENT_LABEL = "loopgrid/v1/key-commitment".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private Sealer() {}

    /** A box the key opens only with the same {@code aad}. */
    public static ObjectNode seal(DataKey key, byte[] aad, byte[] plaintext) {
        byte[] iv = new byte[12];
        RANDOM.nextBytes(iv);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key.secret(), "AES"), new GCMParameterSpec(128, iv));
            c.updateAAD(aad);
            byte[] ct = c.doFinal(plaintext);
            ObjectNode box = JsonNodeFactory.instance.objectNode();
            box.put("alg", ALG);
            box.put("kid", key.keyId());
            box.put("iv", B64.encodeToString(iv));
            box.put("ct", B64.encodeToString(ct));
            box.put("kc", B64.encodeToString(commitment(key)));
            return box;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /**
     * The plaintext of {@code box}.
     *
     * @throws Unopenable the box is malformed, is for another key, or fails authentication (changed bytes, other aad)
     */
    public static byte[] open(DataKey key, byte[] aad, JsonNode box) {
        if (box == null || !box.isObject() || !ALG.equals(text(box, "alg"))) throw new Unopenable("not an " + ALG + " box");
        if (!key.keyId().equals(text(box, "kid"))) throw new Unopenable("sealed under key " + text(box, "kid"));
        byte[] iv = bytes(box, "iv");
        byte[] ct = bytes(box, "ct");
        byte[] kc = bytes(box, "kc");
        if (iv.length != 12 || ct.length < 16) throw new Unopenable("malformed box");
        if (!MessageDigest.isEqual(kc, commitment(key))) throw new Unopenable("the box is not committed to this key");
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key.secret(), "AES"), new GCMParameterSpec(128, iv));
            c.updateAAD(aad);
            return c.doFinal(ct);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new Unopenable("authentication failed");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    static byte[] commitment(DataKey key) {
        return hmac(key, COMMITMENT_LABEL);
    }

    /** HMAC-SHA256 of {@code data} under the data key (unlinkable once the key is destroyed). */
    public static byte[] hmac(DataKey key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.secret(), "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** {@code {"sealed": box}}: a member value (a correction, a replay's output) sealed in place. */
    public static ObjectNode wrap(DataKey key, byte[] aad, byte[] plaintext) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.set("sealed", seal(key, aad, plaintext));
        return o;
    }

    /** Whether {@code n} is a {@link #wrap} of a box. */
    public static boolean isWrapped(JsonNode n) {
        return n != null && n.isObject() && n.size() == 1 && n.has("sealed") && n.get("sealed").isObject();
    }

    /**
     * The plaintext of a {@link #wrap}.
     *
     * @throws Unopenable as {@link #open}
     */
    public static byte[] unwrap(DataKey key, byte[] aad, JsonNode wrapped) {
        return open(key, aad, wrapped.get("sealed"));
    }

    private static String text(JsonNode box, String field) {
        JsonNode v = box.get(field);
        return v != null && v.isTextual() ? v.textValue() : null;
    }

    private static byte[] bytes(JsonNode box, String field) {
        String s = text(box, field);
        if (s == null) throw new Unopenable("box has no " + field);
        try {
            return B64D.decode(s);
        } catch (IllegalArgumentException e) {
            throw new Unopenable("box " + field + " is not base64url");
        }
    }

    /** A box that does not open: changed, malformed, or sealed under another key or for another place. */
    public static final class Unopenable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Unopenable(String message) {
            super(message);
        }
    }
}

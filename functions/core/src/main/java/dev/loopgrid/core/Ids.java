package dev.loopgrid.core;

import dev.loopgrid.core.ledger.Canonical;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/** URL-safe identifiers: a prefix and 128 bits, random (or, for {@link #decision(String, String)}, derived). */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private Ids() {}

    public static String decision() { return "dec_" + random(); }

    /**
     * The decision id that {@code tenant} and {@code key} determine, in the format of random ones: the first 128 bits of
     * SHA-256 over a domain label and both strings, each length-prefixed (so no two pairs share an input).
     */
    public static String decision(String tenant, String key) {
        java.io.ByteArrayOutputStream input = new java.io.ByteArrayOutputStream();
        input.writeBytes("loopgrid/decision-id/v1\n".getBytes(StandardCharsets.UTF_8));
        for (String part : new String[] {tenant, key}) {
            byte[] b = part.getBytes(StandardCharsets.UTF_8);
            input.writeBytes((b.length + ":").getBytes(StandardCharsets.UTF_8));
            input.writeBytes(b);
        }
        String digest = Canonical.sha256Hex(input.toByteArray());
        return "dec_" + B64.encodeToString(java.util.HexFormat.of().parseHex(digest, 0, 32));
    }

    public static String flag() { return "flg_" + random(); }

    public static String correction() { return "cor_" + random(); }

    public static String confirmation() { return "cnf_" + random(); }

    public static String replay() { return "rep_" + random(); }

    public static String hold() { return "hld_" + random(); }

    public static String holdRelease() { return "hrl_" + random(); }

    public static String erasure() { return "era_" + random(); }

    public static String retention() { return "ret_" + random(); }

    private static String random() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return B64.encodeToString(b);
    }
}

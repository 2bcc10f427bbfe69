package dev.loopgrid.core;

import java.security.SecureRandom;
import java.util.Base64;

/** Random, URL-safe identifiers: a prefix and 128 bits of randomness. */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private Ids() {}

    public static String decision() { return "dec_" + random(); }

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

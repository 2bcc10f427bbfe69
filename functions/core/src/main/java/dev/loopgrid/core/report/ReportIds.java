package dev.loopgrid.core.report;

import java.security.SecureRandom;
import java.util.Base64;

/** Ids of reports ({@code rpt_…}) and exports ({@code exp_…}): 128 random bits, URL- and key-safe. */
public final class ReportIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private ReportIds() {}

    public static String report() { return "rpt_" + random(); }

    public static String export() { return "exp_" + random(); }

    /** True for a well-formed report id (so a key built from it stays under reports/). */
    public static boolean isReportId(String s) {
        return s != null && s.matches("rpt_[A-Za-z0-9_-]{22}");
    }

    private static String random() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}

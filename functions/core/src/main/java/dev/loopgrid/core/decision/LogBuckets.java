package dev.loopgrid.core.decision;

import java.util.Map;

/**
 * A bounded quantile sketch kept in counters: a value {@code v ≥ 1} falls into bucket {@code floor(4·log2 v)} (four
 * buckets per doubling, so a bucket's upper bound is at most 19 % above its lower bound), values below 1 into bucket
 * 0, and values beyond {@link #MAX_BUCKET} into the last bucket. A distribution is thus at most {@code MAX_BUCKET + 1}
 * counters whatever the number of values, and a quantile read from them is the upper bound of the bucket that holds
 * it: never below the true value, at most 19 % above it.
 */
public final class LogBuckets {
    /** Buckets per doubling. */
    public static final int PER_DOUBLING = 4;
    /** The last bucket: 2^30 (ms: 12 days; s: 34 years) and above. */
    public static final int MAX_BUCKET = 30 * PER_DOUBLING;

    private LogBuckets() {}

    /** The bucket of a non-negative value. */
    public static int bucket(double value) {
        if (!(value >= 1)) return 0; // also NaN
        int b = (int) Math.floor(PER_DOUBLING * (Math.log(value) / Math.log(2)));
        return Math.min(MAX_BUCKET, Math.max(0, b));
    }

    /** The upper bound of a bucket: the smallest value above every value in it (bucket 0: 2^(1/4) ≈ 1.19). */
    public static double upperBound(int bucket) {
        return Math.pow(2, (bucket + 1) / (double) PER_DOUBLING);
    }

    /**
     * The {@code q}-quantile ({@code 0 < q ≤ 1}) of the values counted in {@code counts} (bucket → count), as the
     * upper bound of the bucket holding the value of rank {@code ceil(q·n)}; null when nothing was counted.
     */
    public static Double quantile(Map<Integer, Long> counts, double q) {
        long n = 0;
        for (long c : counts.values()) n += Math.max(0, c);
        if (n == 0) return null;
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (Map.Entry<Integer, Long> e : new java.util.TreeMap<>(counts).entrySet()) {
            seen += Math.max(0, e.getValue());
            if (seen >= rank) return upperBound(e.getKey());
        }
        return upperBound(MAX_BUCKET);
    }

    /** Rounded for display: whole numbers from 10 up, one decimal below. */
    public static double round(double v) {
        return v >= 10 ? Math.round(v) : Math.round(v * 10) / 10.0;
    }
}

package dev.loopgrid.local.bench;

import java.util.Arrays;

/** Percentiles over collected nanosecond samples (sorted once; no histogram library). */
final class Latencies {
    private final long[] sorted;

    Latencies(long[] nanos, int count) {
        this.sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
    }

    int count() { return sorted.length; }

    /** Nearest-rank percentile in milliseconds; 0 when there are no samples. */
    double ms(double percentile) {
        if (sorted.length == 0) return 0;
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
    }

    double maxMs() {
        return sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6;
    }

    String summary() {
        return String.format("p50=%.1fms p90=%.1fms p99=%.1fms max=%.1fms", ms(50), ms(90), ms(99), maxMs());
    }
}

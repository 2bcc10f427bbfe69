package dev.loopgrid.local;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-tenant token buckets for the local front: what API Gateway's usage plan does per tenant in AWS. Each
 * tenant's bucket holds up to {@code burst} tokens and refills at {@code perSecond}; a request takes one.
 */
final class TenantRateLimiter {
    private final double perSecond;
    private final int burst;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    TenantRateLimiter(double perSecond, int burst) {
        if (!(perSecond > 0) || burst < 1) throw new IllegalArgumentException("rate must be > 0 and burst >= 1");
        this.perSecond = perSecond;
        this.burst = burst;
    }

    /** Takes a token for {@code tenant}: 0 when granted, else the milliseconds until one will be available. */
    long acquire(String tenant) {
        return buckets.computeIfAbsent(tenant, t -> new Bucket(burst, System.nanoTime())).take(System.nanoTime());
    }

    String describe() {
        return String.format(Locale.ROOT, "%s requests/s, burst %d", perSecond % 1 == 0 ? Long.toString((long) perSecond)
                : Double.toString(perSecond), burst);
    }

    private final class Bucket {
        private double tokens;
        private long last;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.last = now;
        }

        synchronized long take(long now) {
            tokens = Math.min(burst, tokens + (now - last) / 1e9 * perSecond);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) / perSecond * 1000);
        }
    }
}

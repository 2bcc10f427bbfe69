package dev.loopgrid.aws.providers;

import java.util.Objects;

/**
 * A provider API key. It is only ever read by {@link #reveal()} when a request header is built; its
 * {@code toString()} never shows it, so a key that ends up in a log line or an exception message by accident
 * still does not leak.
 */
public final class ApiKey {
    private final String value;

    private ApiKey(String value) {
        this.value = value;
    }

    /** @return the key, or null when {@code value} is null or blank */
    public static ApiKey ofNullable(String value) {
        return value == null || value.isBlank() ? null : new ApiKey(value.strip());
    }

    public static ApiKey of(String value) {
        ApiKey k = ofNullable(value);
        if (k == null) throw new IllegalArgumentException("API key is empty");
        return k;
    }

    /** The key itself: only for the request header. */
    String reveal() {
        return value;
    }

    /** Removes every occurrence of the key from {@code text} (error bodies may echo it). */
    String redact(String text) {
        return text == null ? null : text.replace(value, "[redacted]");
    }

    @Override
    public String toString() {
        return "ApiKey[***]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ApiKey k && k.value.equals(value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(value);
    }
}

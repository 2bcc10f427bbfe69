package dev.loopgrid.core.replay;

/**
 * A provider call that failed. {@code retryable} failures (429, 5xx, timeouts, connection errors) are
 * retried by the queue with backoff; others fail the replay at once.
 */
public final class ProviderException extends RuntimeException {
    private final boolean retryable;
    private final int status;

    public ProviderException(String message, boolean retryable, int status, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
        this.status = status;
    }

    public boolean retryable() { return retryable; }

    /** HTTP status, or 0 when there was no response. */
    public int status() { return status; }
}

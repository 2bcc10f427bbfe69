package dev.loopgrid.core.ledger;

import java.util.List;

/**
 * The few outcomes a request can end in other than success, named by outcome. One place (the HTTP
 * mapping in the functions module) turns each into a status code and an error body.
 */
public abstract class LedgerException extends RuntimeException {
    private final String code;

    protected LedgerException(String code, String detail) {
        super(detail, null, false, false);
        this.code = code;
    }

    /** Stable machine-readable code, e.g. {@code decision_not_found}. */
    public String code() {
        return code;
    }

    /** Human-readable explanation, sent as {@code detail}. */
    public String detail() {
        return getMessage();
    }

    /** One field that failed validation. */
    public record FieldError(String field, String message) {}

    /** The body is not JSON, or a query parameter cannot be read (400). */
    public static final class Malformed extends LedgerException {
        public Malformed(String detail) { super("malformed_request", detail); }
        public Malformed(String code, String detail) { super(code, detail); }
    }

    /** The body is not of a media type the endpoint reads (415). */
    public static final class UnsupportedMediaType extends LedgerException {
        public UnsupportedMediaType(String detail) { super("unsupported_media_type", detail); }
    }

    /** Well-formed JSON that fails validation (422). */
    public static final class Invalid extends LedgerException {
        private final List<FieldError> errors;
        public Invalid(List<FieldError> errors) {
            super("validation_failed", summary(errors));
            this.errors = List.copyOf(errors);
        }
        public List<FieldError> errors() { return errors; }
        private static String summary(List<FieldError> errors) {
            StringBuilder sb = new StringBuilder("Validation failed: ");
            for (int i = 0; i < errors.size(); i++) {
                if (i > 0) sb.append("; ");
                sb.append(errors.get(i).field()).append(' ').append(errors.get(i).message());
            }
            return sb.toString();
        }
    }

    /** An id that does not exist (or belongs to another tenant) (404). */
    public static final class NotFound extends LedgerException {
        public NotFound(String code, String detail) { super(code, detail); }
    }

    /** A request that contradicts an earlier one, e.g. an idempotency key reused with another body (409). */
    public static final class Conflict extends LedgerException {
        public Conflict(String code, String detail) { super(code, detail); }
    }

    /** Content larger than can be stored (413). */
    public static final class TooLarge extends LedgerException {
        public TooLarge(String detail) { super("payload_too_large", detail); }
    }

    /** No credentials, or credentials that are not a valid, unrevoked API key (401). */
    public static final class Unauthorized extends LedgerException {
        public Unauthorized(String detail) { super("unauthorized", detail); }
    }

    /** A valid key whose role may not use this route (403). */
    public static final class Forbidden extends LedgerException {
        public Forbidden(String detail) { super("forbidden", detail); }
    }

    /** The tenant sent more requests than its configured rate allows (429, with {@code Retry-After}). */
    public static final class Throttled extends LedgerException {
        private final int retryAfterSeconds;
        public Throttled(String detail, int retryAfterSeconds) {
            super("throttled", detail);
            this.retryAfterSeconds = retryAfterSeconds;
        }
        public int retryAfterSeconds() { return retryAfterSeconds; }
    }

    /**
     * Stored data that failed its integrity check and therefore cannot be served, e.g. a large decision's content
     * object that is missing or no longer matches its content hash (500: nothing the client sent).
     */
    public static final class IntegrityBroken extends LedgerException {
        public IntegrityBroken(String code, String detail) { super(code, detail); }
    }

    /** The chain head kept moving or the store kept failing; the client should retry later (503). */
    public static final class Unavailable extends LedgerException {
        private final int retryAfterSeconds;
        public Unavailable(String code, String detail, int retryAfterSeconds) {
            super(code, detail);
            this.retryAfterSeconds = retryAfterSeconds;
        }
        public int retryAfterSeconds() { return retryAfterSeconds; }
    }
}

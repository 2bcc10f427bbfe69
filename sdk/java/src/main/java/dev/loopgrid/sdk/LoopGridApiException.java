package dev.loopgrid.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The API answered with an error status. Carries the HTTP status, the stable {@code code} (e.g.
 * {@code decision_not_found}; null when the answer did not come from LoopGrid itself, e.g. a gateway's 429),
 * the human-readable {@code detail}, and for validation failures (422) the field errors.
 */
public class LoopGridApiException extends LoopGridException {
    private static final long serialVersionUID = 1L;

    /** One field that failed validation. */
    public record FieldError(String field, String message) {}

    private final int status;
    private final String code;
    private final String detail;
    private final transient List<FieldError> errors;
    private final transient JsonNode body;

    public LoopGridApiException(int status, String code, String detail) {
        this(status, code, detail, List.of(), null);
    }

    public LoopGridApiException(int status, String code, String detail, List<FieldError> errors, JsonNode body) {
        super("API Error " + status + (code == null ? "" : " " + code) + ": " + detail);
        this.status = status;
        this.code = code;
        this.detail = detail;
        this.errors = List.copyOf(errors);
        this.body = body;
    }

    /** The HTTP status, e.g. 404. */
    public int status() {
        return status;
    }

    /** The stable machine-readable code, or null when the body had none. */
    public String code() {
        return code;
    }

    /** The human-readable explanation ({@code detail} of the body, else the body text, else the status). */
    public String detail() {
        return detail;
    }

    /** Field errors of a validation failure; empty otherwise. */
    public List<FieldError> errors() {
        return errors;
    }

    /** The error body as JSON, or null when it was not JSON. */
    public JsonNode body() {
        return body;
    }
}

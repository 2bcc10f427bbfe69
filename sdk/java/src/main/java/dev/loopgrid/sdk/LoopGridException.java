package dev.loopgrid.sdk;

/**
 * A call to LoopGrid did not produce an answer: the server could not be reached, the request timed out, or
 * the response could not be read. {@link LoopGridApiException} (a subclass) is an answer that is an error.
 */
public class LoopGridException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LoopGridException(String message) {
        super(message);
    }

    public LoopGridException(String message, Throwable cause) {
        super(message, cause);
    }
}

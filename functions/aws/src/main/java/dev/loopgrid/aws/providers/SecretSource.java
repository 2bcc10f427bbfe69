package dev.loopgrid.aws.providers;

/**
 * Reads a secret's string value (Secrets Manager in AWS, a map in tests). Implementations never put the value
 * in a log line or an exception message.
 */
@FunctionalInterface
public interface SecretSource {

    /**
     * @param secretId an ARN or name
     * @return the secret string
     * @throws IllegalStateException when it cannot be read
     */
    String read(String secretId);

    /** A source for environments without secrets: every read fails. */
    static SecretSource none() {
        return id -> {
            throw new IllegalStateException("no secret source is configured to read " + id);
        };
    }
}

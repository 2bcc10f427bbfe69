package dev.loopgrid.aws.providers;

import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;

/**
 * {@link SecretSource} over AWS Secrets Manager ({@code GetSecretValue}). The client is built on first read, so
 * a process that never reads a secret (local runs with keys in the environment) never builds one.
 */
public final class SecretsManagerSecretSource implements SecretSource, AutoCloseable {
    /** Optional endpoint override (local fakes, tests). */
    public static final String ENDPOINT_ENV = "LOOPGRID_SECRETSMANAGER_ENDPOINT";

    private final Supplier<SecretsManagerClient> factory;
    private SecretsManagerClient client;

    public SecretsManagerSecretSource(SecretsManagerClient client) {
        Objects.requireNonNull(client);
        this.factory = () -> client;
    }

    private SecretsManagerSecretSource(Supplier<SecretsManagerClient> factory) {
        this.factory = factory;
    }

    /** A source whose client uses {@code AWS_REGION} and the optional {@value #ENDPOINT_ENV}. */
    public static SecretsManagerSecretSource fromEnvironment(Map<String, String> env) {
        return new SecretsManagerSecretSource(() -> {
            String region = env.getOrDefault("AWS_REGION", env.get("AWS_DEFAULT_REGION"));
            if (region == null || region.isBlank()) {
                throw new IllegalStateException("AWS_REGION is not set; it is needed to read the provider secret");
            }
            String endpoint = env.get(ENDPOINT_ENV);
            return client(Region.of(region), endpoint == null || endpoint.isBlank() ? null : URI.create(endpoint));
        });
    }

    public static SecretsManagerClient client(Region region, URI endpointOverride) {
        SecretsManagerClientBuilder b = SecretsManagerClient.builder()
                .region(region)
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        if (endpointOverride != null) b.endpointOverride(endpointOverride);
        return b.build();
    }

    private synchronized SecretsManagerClient client() {
        if (client == null) client = factory.get();
        return client;
    }

    @Override
    public String read(String secretId) {
        GetSecretValueResponse r;
        try {
            r = client().getSecretValue(b -> b.secretId(secretId));
        } catch (AwsServiceException e) {
            String code = e.awsErrorDetails() != null ? e.awsErrorDetails().errorCode() : null;
            throw new IllegalStateException("cannot read secret " + secretId + ": HTTP " + e.statusCode()
                    + (code == null ? "" : " " + code), e);
        } catch (SdkException e) {
            throw new IllegalStateException("cannot read secret " + secretId + ": " + e.getClass().getSimpleName(), e);
        }
        if (r.secretString() != null) return r.secretString();
        if (r.secretBinary() != null) return r.secretBinary().asUtf8String();
        throw new IllegalStateException("secret " + secretId + " has no value");
    }

    @Override
    public synchronized void close() {
        if (client != null) client.close();
    }

    @Override
    public String toString() {
        return "SecretsManagerSecretSource";
    }
}

package dev.loopgrid.aws.providers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.Json;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Which providers are configured, and how. Built from environment variables:
 *
 * <table>
 *   <caption>variables</caption>
 *   <tr><td>{@code OPENAI_API_KEY}</td><td>enables OpenAI</td></tr>
 *   <tr><td>{@code OPENAI_BASE_URL}</td><td>default {@value OpenAiProvider#DEFAULT_BASE_URL} (a trailing /v1 is fine)</td></tr>
 *   <tr><td>{@code ANTHROPIC_API_KEY}</td><td>enables Anthropic</td></tr>
 *   <tr><td>{@code ANTHROPIC_BASE_URL}</td><td>default {@value AnthropicProvider#DEFAULT_BASE_URL}</td></tr>
 *   <tr><td>{@code LOOPGRID_PROVIDER_SECRET_ARN}</td><td>a Secrets Manager secret
 *       {@code {"openai_api_key": …, "anthropic_api_key": …}}, read once; it supplies the keys the
 *       environment does not set (an environment key wins)</td></tr>
 *   <tr><td>{@code LOOPGRID_BEDROCK_ENABLED=true}</td><td>enables Bedrock, in {@code AWS_REGION}</td></tr>
 *   <tr><td>{@code LOOPGRID_BEDROCK_ENDPOINT}</td><td>Bedrock endpoint override (local fakes); with it,
 *       {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY} from the given environment sign requests</td></tr>
 *   <tr><td>{@code LOOPGRID_PROVIDER_TIMEOUT_MS}</td><td>total budget of one call, retries included (60000)</td></tr>
 *   <tr><td>{@code LOOPGRID_PROVIDER_CONNECT_TIMEOUT_MS}</td><td>connect timeout (5000)</td></tr>
 *   <tr><td>{@code LOOPGRID_PROVIDER_MAX_RETRIES}</td><td>retries after the first attempt (2)</td></tr>
 *   <tr><td>{@code LOOPGRID_PROVIDER_MAX_RETRY_WAIT_MS}</td><td>longest Retry-After waited in-process (20000)</td></tr>
 * </table>
 * {@link #toString()} shows which providers are configured and where, never a key.
 */
public record ProviderConfig(ApiKey openAiKey, String openAiBaseUrl, ApiKey anthropicKey, String anthropicBaseUrl,
                             boolean bedrockEnabled, String bedrockRegion, URI bedrockEndpoint,
                             AwsCredentialsProvider bedrockCredentials, ProviderHttp.Settings settings) {

    public static final String SECRET_ARN = "LOOPGRID_PROVIDER_SECRET_ARN";
    public static final String TIMEOUT_MS = "LOOPGRID_PROVIDER_TIMEOUT_MS";
    public static final String CONNECT_TIMEOUT_MS = "LOOPGRID_PROVIDER_CONNECT_TIMEOUT_MS";
    public static final String MAX_RETRIES = "LOOPGRID_PROVIDER_MAX_RETRIES";
    public static final String MAX_RETRY_WAIT_MS = "LOOPGRID_PROVIDER_MAX_RETRY_WAIT_MS";
    public static final String BEDROCK_ENABLED = "LOOPGRID_BEDROCK_ENABLED";
    public static final String BEDROCK_ENDPOINT = "LOOPGRID_BEDROCK_ENDPOINT";

    public static ProviderConfig fromEnvironment(Map<String, String> env, SecretSource secrets) {
        ProviderHttp.Settings d = ProviderHttp.Settings.DEFAULTS;
        ProviderHttp.Settings settings = new ProviderHttp.Settings(
                Duration.ofMillis(positive(env, CONNECT_TIMEOUT_MS, d.connectTimeout().toMillis())),
                Duration.ofMillis(positive(env, TIMEOUT_MS, d.totalTimeout().toMillis())),
                (int) bounded(env, MAX_RETRIES, d.maxRetries(), 0, 10),
                Duration.ofMillis(bounded(env, MAX_RETRY_WAIT_MS, d.maxRetryWait().toMillis(), 0, 600_000)));

        ApiKey openAi = ApiKey.ofNullable(env.get("OPENAI_API_KEY"));
        ApiKey anthropic = ApiKey.ofNullable(env.get("ANTHROPIC_API_KEY"));
        String arn = blankToNull(env.get(SECRET_ARN));
        if (arn != null && (openAi == null || anthropic == null)) {
            JsonNode secret = parseSecret(arn, secrets.read(arn));
            if (openAi == null) openAi = ApiKey.ofNullable(secretField(secret, "openai_api_key"));
            if (anthropic == null) anthropic = ApiKey.ofNullable(secretField(secret, "anthropic_api_key"));
        }

        boolean bedrock = "true".equalsIgnoreCase(blankToNull(env.get(BEDROCK_ENABLED)));
        String region = null;
        URI endpoint = null;
        AwsCredentialsProvider creds = null;
        if (bedrock) {
            region = blankToNull(env.getOrDefault("AWS_REGION", env.get("AWS_DEFAULT_REGION")));
            if (region == null) {
                throw new IllegalStateException(BEDROCK_ENABLED + "=true but AWS_REGION is not set");
            }
            String ep = blankToNull(env.get(BEDROCK_ENDPOINT));
            if (ep != null) {
                endpoint = URI.create(ep);
                String id = blankToNull(env.get("AWS_ACCESS_KEY_ID"));
                String secret = blankToNull(env.get("AWS_SECRET_ACCESS_KEY"));
                String token = blankToNull(env.get("AWS_SESSION_TOKEN"));
                if (id != null && secret != null) {
                    creds = StaticCredentialsProvider.create(token == null
                            ? AwsBasicCredentials.create(id, secret) : AwsSessionCredentials.create(id, secret, token));
                }
            }
        }
        return new ProviderConfig(openAi, baseUrl(env, "OPENAI_BASE_URL", OpenAiProvider.DEFAULT_BASE_URL),
                anthropic, baseUrl(env, "ANTHROPIC_BASE_URL", AnthropicProvider.DEFAULT_BASE_URL),
                bedrock, region, endpoint, creds, settings);
    }

    /** Parses the secret; failures never quote it (a parser message would show part of the value). */
    private static JsonNode parseSecret(String arn, String value) {
        JsonNode node;
        try {
            node = value == null ? null : Json.MAPPER.readTree(value);
        } catch (Exception e) {
            node = null; // deliberately not chained: the parser's message quotes the text
        }
        if (node == null || !node.isObject()) {
            throw new IllegalStateException("secret " + arn
                    + " is not a JSON object like {\"openai_api_key\": \"…\", \"anthropic_api_key\": \"…\"}");
        }
        return node;
    }

    private static String secretField(JsonNode secret, String name) {
        JsonNode v = secret.get(name);
        if (v == null) v = secret.get(name.toUpperCase(java.util.Locale.ROOT));
        return v != null && v.isTextual() ? v.textValue() : null;
    }

    private static String baseUrl(Map<String, String> env, String name, String dflt) {
        String v = blankToNull(env.get(name));
        if (v == null) return dflt;
        URI u;
        try {
            u = URI.create(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(name + " is not a URL");
        }
        if (u.getScheme() == null || u.getHost() == null
                || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
            throw new IllegalStateException(name + " must be an absolute http(s) URL");
        }
        return v;
    }

    private static long positive(Map<String, String> env, String name, long dflt) {
        return bounded(env, name, dflt, 1, Long.MAX_VALUE);
    }

    private static long bounded(Map<String, String> env, String name, long dflt, long min, long max) {
        String v = blankToNull(env.get(name));
        if (v == null) return dflt;
        try {
            long n = Long.parseLong(v.strip());
            if (n < min || n > max) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalStateException(name + " must be an integer between " + min + " and "
                    + (max == Long.MAX_VALUE ? "any larger value" : Long.toString(max)) + ", got '" + v + "'");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    public boolean openAiConfigured() { return openAiKey != null; }

    public boolean anthropicConfigured() { return anthropicKey != null; }

    @Override
    public String toString() {
        return "ProviderConfig[openai=" + (openAiKey == null ? "off" : "on " + openAiBaseUrl)
                + ", anthropic=" + (anthropicKey == null ? "off" : "on " + anthropicBaseUrl)
                + ", bedrock=" + (bedrockEnabled ? "on " + bedrockRegion
                        + (bedrockEndpoint == null ? "" : " " + bedrockEndpoint) : "off")
                + ", connectTimeoutMs=" + settings.connectTimeout().toMillis()
                + ", timeoutMs=" + settings.totalTimeout().toMillis()
                + ", maxRetries=" + settings.maxRetries()
                + ", maxRetryWaitMs=" + settings.maxRetryWait().toMillis() + "]";
    }
}

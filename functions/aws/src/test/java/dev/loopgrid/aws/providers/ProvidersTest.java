package dev.loopgrid.aws.providers;

import static dev.loopgrid.aws.providers.Fixtures.ANTHROPIC_KEY;
import static dev.loopgrid.aws.providers.Fixtures.OPENAI_KEY;
import static dev.loopgrid.aws.providers.FakeServer.json;
import static dev.loopgrid.aws.providers.FakeServer.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.core.replay.LlmProvider;
import dev.loopgrid.core.replay.ProviderResult;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

class ProvidersTest {
    private static final String ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:loopgrid/providers-AbCdEf";
    private static final String SECRET = "{\"openai_api_key\":\"" + OPENAI_KEY + "\",\"anthropic_api_key\":\""
            + ANTHROPIC_KEY + "\"}";

    /** A secret source that counts reads. */
    private static final class MapSecrets implements SecretSource {
        final List<String> reads = new ArrayList<>();
        final Map<String, String> values;

        MapSecrets(Map<String, String> values) {
            this.values = values;
        }

        @Override
        public String read(String id) {
            reads.add(id);
            String v = values.get(id);
            if (v == null) throw new IllegalStateException("no secret " + id);
            return v;
        }
    }

    @Test
    void nothingConfiguredMeansNoProviders() {
        assertTrue(Providers.fromEnvironment(Map.of(), SecretSource.none()).isEmpty());
        assertTrue(Providers.fromEnvironment(Map.of("OPENAI_API_KEY", "  ", "LOOPGRID_BEDROCK_ENABLED", "false"),
                SecretSource.none()).isEmpty());
    }

    @Test
    void keysFromTheEnvironmentConfigureOpenAiAndAnthropic() {
        Map<String, LlmProvider> p = Providers.fromEnvironment(
                Map.of("OPENAI_API_KEY", OPENAI_KEY, "ANTHROPIC_API_KEY", ANTHROPIC_KEY,
                        "ANTHROPIC_BASE_URL", "http://127.0.0.1:8089"), SecretSource.none());
        assertEquals(List.of("openai", "anthropic"), List.copyOf(p.keySet()));
        OpenAiProvider openai = assertInstanceOf(OpenAiProvider.class, p.get("openai"));
        assertEquals("https://api.openai.com/v1/chat/completions", openai.endpoint().toString());
        AnthropicProvider anthropic = assertInstanceOf(AnthropicProvider.class, p.get("anthropic"));
        assertEquals("http://127.0.0.1:8089/v1/messages", anthropic.endpoint().toString());
        assertEquals("openai", openai.name());
        assertEquals("anthropic", anthropic.name());
        assertFalse(p.toString().contains(OPENAI_KEY));
        assertFalse(p.toString().contains(ANTHROPIC_KEY));
        assertThrows(UnsupportedOperationException.class, () -> p.put("x", openai));
    }

    @Test
    void onlyTheConfiguredProviderIsPresent() {
        Map<String, LlmProvider> p = Providers.fromEnvironment(Map.of("ANTHROPIC_API_KEY", ANTHROPIC_KEY),
                SecretSource.none());
        assertEquals(List.of("anthropic"), List.copyOf(p.keySet()));
    }

    @Test
    void bedrockWhenEnabledWithARegion() {
        Map<String, LlmProvider> p = Providers.fromEnvironment(Map.of("LOOPGRID_BEDROCK_ENABLED", "true",
                "AWS_REGION", "eu-central-1", "LOOPGRID_BEDROCK_ENDPOINT", "http://127.0.0.1:4566",
                "AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY", "secret"), SecretSource.none());
        assertEquals(List.of("bedrock"), List.copyOf(p.keySet()));
        assertInstanceOf(BedrockProvider.class, p.get("bedrock"));
        ((BedrockProvider) p.get("bedrock")).close();

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Providers.fromEnvironment(
                Map.of("LOOPGRID_BEDROCK_ENABLED", "true"), SecretSource.none()));
        assertTrue(e.getMessage().contains("AWS_REGION"), e.getMessage());
    }

    @Test
    void keysComeFromTheSecretReadOnce() {
        MapSecrets secrets = new MapSecrets(Map.of(ARN, SECRET));
        ProviderConfig config = ProviderConfig.fromEnvironment(Map.of(ProviderConfig.SECRET_ARN, ARN), secrets);
        assertEquals(List.of(ARN), secrets.reads);
        assertTrue(config.openAiConfigured());
        assertTrue(config.anthropicConfigured());
        assertEquals(ApiKey.of(OPENAI_KEY), config.openAiKey());
        assertEquals(ApiKey.of(ANTHROPIC_KEY), config.anthropicKey());
        String shown = config.toString();
        assertFalse(shown.contains(OPENAI_KEY), shown);
        assertFalse(shown.contains(ANTHROPIC_KEY), shown);
        assertFalse(shown.contains("5ecr3tK3y"), shown);
        assertTrue(shown.contains("openai=on https://api.openai.com"), shown);
        assertEquals("ApiKey[***]", config.openAiKey().toString());
    }

    @Test
    void anEnvironmentKeyWinsOverTheSecret() {
        MapSecrets secrets = new MapSecrets(Map.of(ARN, "{\"anthropic_api_key\":\"" + ANTHROPIC_KEY + "\"}"));
        ProviderConfig config = ProviderConfig.fromEnvironment(
                Map.of(ProviderConfig.SECRET_ARN, ARN, "OPENAI_API_KEY", "sk-from-env-000000000"), secrets);
        assertEquals(ApiKey.of("sk-from-env-000000000"), config.openAiKey());
        assertEquals(ApiKey.of(ANTHROPIC_KEY), config.anthropicKey());
        assertEquals(1, secrets.reads.size());
    }

    @Test
    void aMalformedSecretIsReportedWithoutItsValue() {
        String broken = "{\"openai_api_key\": \"" + OPENAI_KEY + "\""; // unterminated
        MapSecrets secrets = new MapSecrets(Map.of(ARN, broken));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ProviderConfig.fromEnvironment(Map.of(ProviderConfig.SECRET_ARN, ARN), secrets));
        assertTrue(e.getMessage().contains(ARN), e.getMessage());
        assertFalse(Fixtures.allMessages(e).contains(OPENAI_KEY), Fixtures.allMessages(e));
        assertFalse(Fixtures.allMessages(e).contains("5ecr3tK3y"), Fixtures.allMessages(e));
    }

    @Test
    void timeoutsAndRetriesFromTheEnvironment() {
        ProviderConfig c = ProviderConfig.fromEnvironment(Map.of("LOOPGRID_PROVIDER_TIMEOUT_MS", "15000",
                "LOOPGRID_PROVIDER_CONNECT_TIMEOUT_MS", "1500", "LOOPGRID_PROVIDER_MAX_RETRIES", "0",
                "LOOPGRID_PROVIDER_MAX_RETRY_WAIT_MS", "5000"), SecretSource.none());
        assertEquals(Duration.ofSeconds(15), c.settings().totalTimeout());
        assertEquals(Duration.ofMillis(1500), c.settings().connectTimeout());
        assertEquals(0, c.settings().maxRetries());
        assertEquals(Duration.ofSeconds(5), c.settings().maxRetryWait());

        ProviderConfig d = ProviderConfig.fromEnvironment(Map.of(), SecretSource.none());
        assertEquals(ProviderHttp.Settings.DEFAULTS, d.settings());
        assertEquals(Duration.ofSeconds(60), d.settings().totalTimeout());
        assertEquals(Duration.ofSeconds(5), d.settings().connectTimeout());
        assertEquals(2, d.settings().maxRetries());

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ProviderConfig.fromEnvironment(
                Map.of("LOOPGRID_PROVIDER_MAX_RETRIES", "lots"), SecretSource.none()));
        assertTrue(e.getMessage().contains("LOOPGRID_PROVIDER_MAX_RETRIES"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> ProviderConfig.fromEnvironment(
                Map.of("LOOPGRID_PROVIDER_TIMEOUT_MS", "0"), SecretSource.none()));
        assertThrows(IllegalStateException.class, () -> ProviderConfig.fromEnvironment(
                Map.of("OPENAI_API_KEY", OPENAI_KEY, "OPENAI_BASE_URL", "api.openai.com"), SecretSource.none()));
    }

    @Test
    void keyFromSecretsManagerReachesTheProvider() {
        try (FakeServer secretsManager = new FakeServer(); FakeServer openai = new FakeServer()) {
            secretsManager.then(json(200, "{\"ARN\":\"" + ARN + "\",\"Name\":\"loopgrid/providers\","
                    + "\"SecretString\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(SECRET)
                    + ",\"VersionId\":\"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111\",\"VersionStages\":[\"AWSCURRENT\"],"
                    + "\"CreatedDate\":1.748012345E9}", "Content-Type", "application/x-amz-json-1.1"));
            openai.then(resource(200, "openai-chat-text.json"));
            SecretsManagerClient client = SecretsManagerClient.builder()
                    .region(Region.EU_WEST_1)
                    .endpointOverride(URI.create(secretsManager.baseUrl()))
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "s")))
                    .httpClientBuilder(UrlConnectionHttpClient.builder())
                    .build();
            try (SecretsManagerSecretSource source = new SecretsManagerSecretSource(client)) {
                Map<String, String> env = new HashMap<>();
                env.put(ProviderConfig.SECRET_ARN, ARN);
                env.put("OPENAI_BASE_URL", openai.baseUrl());
                Map<String, LlmProvider> providers = Providers.fromEnvironment(env, source);
                assertEquals(List.of("openai", "anthropic"), List.copyOf(providers.keySet()));

                FakeServer.Request get = secretsManager.only();
                assertEquals("secretsmanager.GetSecretValue", get.header("X-Amz-Target"));
                assertEquals(ARN, get.json().get("SecretId").asText());

                ProviderResult r = providers.get("openai").call(Fixtures.request(Fixtures.DECISION_WITH_MESSAGES));
                assertEquals("stop", r.finishReason());
                assertEquals("Bearer " + OPENAI_KEY, openai.only().header("Authorization"));
                assertEquals(1, secretsManager.requests().size(), "the secret is read once");
            }
        }
    }

    @Test
    void secretsManagerErrorsAreReportedWithoutSecrets() {
        try (FakeServer secretsManager = new FakeServer()) {
            secretsManager.then(json(400, "{\"__type\":\"ResourceNotFoundException\","
                    + "\"message\":\"Secrets Manager can't find the specified secret.\"}",
                    "Content-Type", "application/x-amz-json-1.1"));
            SecretsManagerClient client = SecretsManagerClient.builder()
                    .region(Region.EU_WEST_1)
                    .endpointOverride(URI.create(secretsManager.baseUrl()))
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "s")))
                    .httpClientBuilder(UrlConnectionHttpClient.builder())
                    .build();
            try (SecretsManagerSecretSource source = new SecretsManagerSecretSource(client)) {
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> Providers.fromEnvironment(Map.of(ProviderConfig.SECRET_ARN, ARN), source));
                assertTrue(e.getMessage().contains("ResourceNotFoundException"), e.getMessage());
                assertTrue(e.getMessage().contains(ARN), e.getMessage());
            }
        }
    }
}

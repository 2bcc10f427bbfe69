package dev.loopgrid.aws.providers;

import dev.loopgrid.core.replay.LlmProvider;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.regions.Region;

/**
 * Builds the configured providers, keyed by the name recorded in {@code model.provider} ({@code openai},
 * {@code anthropic}, {@code bedrock}). A provider that is not configured is absent, and its replays are
 * simulated. See {@link ProviderConfig} for the variables.
 */
public final class Providers {
    private static final Logger LOG = LoggerFactory.getLogger(Providers.class);

    private Providers() {}

    /** Reads keys from the environment, and from Secrets Manager when {@code LOOPGRID_PROVIDER_SECRET_ARN} is set. */
    public static Map<String, LlmProvider> fromEnvironment(Map<String, String> env) {
        return fromEnvironment(env, SecretsManagerSecretSource.fromEnvironment(env));
    }

    public static Map<String, LlmProvider> fromEnvironment(Map<String, String> env, SecretSource secrets) {
        return create(ProviderConfig.fromEnvironment(env, secrets));
    }

    public static Map<String, LlmProvider> create(ProviderConfig config) {
        Map<String, LlmProvider> out = new LinkedHashMap<>();
        if (config.openAiKey() != null) {
            out.put(OpenAiProvider.NAME, new OpenAiProvider(config.openAiBaseUrl(), config.openAiKey(), config.settings()));
        }
        if (config.anthropicKey() != null) {
            out.put(AnthropicProvider.NAME,
                    new AnthropicProvider(config.anthropicBaseUrl(), config.anthropicKey(), config.settings()));
        }
        if (config.bedrockEnabled()) {
            out.put(BedrockProvider.NAME, new BedrockProvider(BedrockProvider.client(Region.of(config.bedrockRegion()),
                    config.bedrockEndpoint(), config.bedrockCredentials(), config.settings())));
        }
        LOG.info("LLM providers: {} (others are simulated); {}", out.keySet(), config);
        return Collections.unmodifiableMap(out);
    }
}

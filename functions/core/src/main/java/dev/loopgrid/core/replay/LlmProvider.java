package dev.loopgrid.core.replay;

/** One LLM API (OpenAI, Anthropic, Bedrock…). Implementations live outside the core. */
public interface LlmProvider {

    /** The provider name as recorded in {@code model.provider}, e.g. {@code openai}. */
    String name();

    /**
     * Calls the model once (implementations may retry transient failures a bounded number of times).
     *
     * @throws ProviderException on failure, saying whether a later retry may succeed
     */
    ProviderResult call(ProviderRequest request);
}

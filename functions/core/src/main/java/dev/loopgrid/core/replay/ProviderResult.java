package dev.loopgrid.core.replay;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a provider answered, normalised.
 *
 * @param text              the assistant's text (may be empty when it only called tools)
 * @param toolCalls         [{"name", "arguments"}] or null
 * @param systemFingerprint OpenAI's system_fingerprint, when given
 */
public record ProviderResult(String text, JsonNode toolCalls, String model, String finishReason,
                             Long inputTokens, Long outputTokens, String systemFingerprint, long latencyMs) {}

package dev.loopgrid.aws.providers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.otel.GenAiMapper;
import dev.loopgrid.core.otel.OtlpIngest;
import dev.loopgrid.core.otel.OtlpJson;
import dev.loopgrid.core.replay.ProviderRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A decision ingested from an OpenTelemetry span is replayable: replaying it rebuilds the provider request the
 * instrumented application sent (fixtures in events/otlp, as OpenLLMetry and OpenInference emit them).
 */
class OtlpReplayTest {

    private static JsonNode ingested(String fixture) throws Exception {
        ExportTraceServiceRequest r = OtlpJson.parse(Files.readAllBytes(Path.of("../../events/otlp", fixture)),
                ExportTraceServiceRequest.newBuilder());
        var span = new OtlpIngest(null, Runnable::run, OtlpIngest.Limits.defaults()).spans(r).get(0);
        return ((GenAiMapper.Decision) GenAiMapper.map(span)).body();
    }

    private static void assertJson(String expected, JsonNode actual) {
        assertEquals(Canonical.canonicalize(Json.parse(expected)), Canonical.canonicalize(actual));
    }

    /** What the application sent to OpenAI's Chat Completions in both OpenAI fixtures. */
    private static final String OPENAI_REQUEST = """
            {"model": "gpt-4o-2024-08-06", "temperature": 0.2, "max_tokens": 512,
             "messages": [{"role": "system", "content": "You are a refunds assistant for ACME. Be concise."},
                          {"role": "user", "content": "Where is my refund for order A-1042?"}],
             "tools": [{"type": "function", "function": {"name": "lookup_order", "description": "Look up an order by id",
                        "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}},
                                       "required": ["order_id"]}}}]}""";

    /** What the application sent to Anthropic's Messages API in both Anthropic fixtures. */
    private static final String ANTHROPIC_REQUEST = """
            {"model": "claude-sonnet-4-5-20250929", "max_tokens": 1024, "temperature": 0.0,
             "system": "You answer billing questions for ACME. Never promise refunds.",
             "messages": [{"role": "user", "content": "I was charged twice for my subscription."}]}""";

    @Test
    void openAiChatWithToolCall_replaysAsTheSameChatCompletionsRequest() throws Exception {
        for (String f : new String[] {"openllmetry-openai-chat-tool-call.json", "openinference-openai-chat-tool-call.json"}) {
            ProviderRequest req = ProviderRequest.from(ingested(f));
            assertEquals("openai", req.provider(), f);
            assertJson(OPENAI_REQUEST, OpenAiProvider.requestBody(req));
        }
    }

    @Test
    void anthropicMessage_replaysAsTheSameMessagesRequest() throws Exception {
        for (String f : new String[] {"openllmetry-anthropic-message.json", "openinference-anthropic-message.json"}) {
            ProviderRequest req = ProviderRequest.from(ingested(f));
            assertEquals("anthropic", req.provider(), f);
            assertJson(ANTHROPIC_REQUEST, AnthropicProvider.requestBody(req));
        }
    }

    /** A conversation with an earlier tool round trip (v1.37+ parts) replays with its tool call and tool result. */
    @Test
    void toolRoundTrip_fromTheLatestConventions_replaysToOpenAi() throws Exception {
        JsonNode body = OpenAiProvider.requestBody(ProviderRequest.from(ingested("genai-semconv-chat-tool-call.json")));
        assertJson("""
                [{"role": "system", "content": "You are a refunds assistant for ACME. Be concise."},
                 {"role": "user", "content": "Where is my refund for order A-1042?"},
                 {"role": "assistant", "content": "", "tool_calls": [{"id": "call_Qx7", "type": "function",
                   "function": {"name": "lookup_order", "arguments": "{\\"order_id\\":\\"A-1042\\"}"}}]},
                 {"role": "tool", "tool_call_id": "call_Qx7", "content": "{\\"status\\":\\"refund_pending\\",\\"total\\":49.9}"}]""",
                body.get("messages"));
        assertEquals("expedite_refund", body.at("/tools/0/function/name").asText());
        assertJson("[\"\\nUser:\"]", body.get("stop"));
    }
}

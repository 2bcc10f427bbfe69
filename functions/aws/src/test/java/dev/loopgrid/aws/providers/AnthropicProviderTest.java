package dev.loopgrid.aws.providers;

import static dev.loopgrid.aws.providers.Fixtures.ANTHROPIC_KEY;
import static dev.loopgrid.aws.providers.Fixtures.allMessages;
import static dev.loopgrid.aws.providers.Fixtures.expectProviderException;
import static dev.loopgrid.aws.providers.FakeServer.json;
import static dev.loopgrid.aws.providers.FakeServer.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.replay.ProviderException;
import dev.loopgrid.core.replay.ProviderRequest;
import dev.loopgrid.core.replay.ProviderResult;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AnthropicProviderTest {
    private final FakeServer server = new FakeServer();

    @AfterEach
    void stop() {
        server.close();
    }

    private AnthropicProvider provider(ProviderHttp.Settings settings) {
        return new AnthropicProvider(server.baseUrl(), ApiKey.of(ANTHROPIC_KEY), settings);
    }

    private static ProviderRequest anthropic(String decisionJson) {
        ObjectNode decision = (ObjectNode) Fixtures.json(decisionJson);
        ((ObjectNode) decision.get("model")).put("provider", "anthropic").put("name", "claude-sonnet-4-20250514");
        return ProviderRequest.from(decision);
    }

    private static void assertNoKey(ProviderException e) {
        assertFalse(allMessages(e).contains(ANTHROPIC_KEY), () -> "API key leaked: " + allMessages(e));
        assertFalse(allMessages(e).contains("5ecr3tK3y"), () -> "API key fragment leaked: " + allMessages(e));
    }

    @Test
    void textResponseIsParsed() {
        server.then(resource(200, "anthropic-messages-text.json"));
        ProviderResult r = provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_PROMPT_TEXT));
        assertEquals("Your refund for order A-1042 has been approved. You will see €49.90 back on your card within "
                + "5–7 business days.", r.text());
        assertNull(r.toolCalls());
        assertEquals("claude-sonnet-4-20250514", r.model());
        assertEquals("end_turn", r.finishReason());
        assertEquals(201L, r.inputTokens());
        assertEquals(36L, r.outputTokens());
        assertNull(r.systemFingerprint());
    }

    @Test
    void requestHasHeadersTopLevelSystemAndDefaultMaxTokens() {
        server.then(resource(200, "anthropic-messages-text.json"));
        provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_PROMPT_TEXT));
        FakeServer.Request sent = server.only();
        assertEquals("POST", sent.method());
        assertEquals("/v1/messages", sent.rawPath());
        assertEquals(ANTHROPIC_KEY, sent.header("x-api-key"));
        assertEquals("2023-06-01", sent.header("anthropic-version"));
        assertNull(sent.header("Authorization"));
        JsonNode body = sent.json();
        assertEquals("claude-sonnet-4-20250514", body.get("model").asText());
        assertEquals("You are a refunds assistant for ACME. Be concise.", body.get("system").asText());
        assertEquals(1, body.get("messages").size(), "the system message is not among the messages");
        assertEquals("user", body.at("/messages/0/role").asText());
        assertEquals("Where is my refund for order A-1042?", body.at("/messages/0/content").asText());
        assertEquals(1024, body.get("max_tokens").asInt(), "max_tokens is required; 1024 when not recorded");
        assertEquals(0, body.get("temperature").asInt());
        assertFalse(body.has("tools"));
    }

    @Test
    void recordedMessagesParametersAndToolsAreMapped() {
        server.then(resource(200, "anthropic-messages-tool-use.json"));
        provider(Fixtures.fast()).call(anthropic(Fixtures.DECISION_WITH_MESSAGES));
        JsonNode body = server.only().json();
        assertEquals("You are a refunds assistant for ACME. Be concise.", body.get("system").asText());
        assertEquals(512, body.get("max_tokens").asInt());
        assertEquals(0.2, body.get("temperature").asDouble());
        assertEquals(0.9, body.get("top_p").asDouble());
        assertEquals(40, body.get("top_k").asInt());
        assertEquals("\nUser:", body.at("/stop_sequences/0").asText());
        assertFalse(body.has("stop"));
        assertFalse(body.has("seed"), "a parameter the Messages API does not know is not sent");

        JsonNode messages = body.get("messages");
        assertEquals(4, messages.size());
        assertEquals("user", messages.at("/0/role").asText());
        assertEquals("Where is my refund for order A-1042?", messages.at("/0/content").asText());
        // the recorded OpenAI-style tool call becomes a tool_use block …
        assertEquals("assistant", messages.at("/1/role").asText());
        assertEquals("tool_use", messages.at("/1/content/0/type").asText());
        assertEquals("call_1", messages.at("/1/content/0/id").asText());
        assertEquals("lookup_order", messages.at("/1/content/0/name").asText());
        assertEquals("A-1042", messages.at("/1/content/0/input/order_id").asText());
        // … and the tool message a tool_result block
        assertEquals("user", messages.at("/2/role").asText());
        assertEquals("tool_result", messages.at("/2/content/0/type").asText());
        assertEquals("call_1", messages.at("/2/content/0/tool_use_id").asText());
        assertEquals("{\"status\":\"refund_pending\",\"total\":49.9}", messages.at("/2/content/0/content").asText());
        assertEquals("Please approve it.", messages.at("/3/content").asText());

        JsonNode tools = body.get("tools");
        assertEquals(2, tools.size());
        assertEquals("lookup_order", tools.at("/0/name").asText());
        assertEquals("Look up an order by id", tools.at("/0/description").asText());
        assertEquals("object", tools.at("/0/input_schema/type").asText());
        assertEquals("order_id", tools.at("/0/input_schema/required/0").asText());
        assertFalse(tools.get(0).has("type"));
        assertFalse(tools.get(0).has("function"));
    }

    @Test
    void anthropicStyleRecordedMessagesPassThrough() {
        server.then(resource(200, "anthropic-messages-text.json"));
        String decision = """
                {"model": {"provider": "anthropic", "name": "claude-3-5-haiku-20241022", "max_tokens": 300},
                 "prompt": {"messages": [
                   {"role": "system", "content": "Rule one."},
                   {"role": "system", "content": "Rule two."},
                   {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
                   {"role": "assistant", "content": "Hello, how can I help?"},
                   {"role": "user", "content": "Refund A-1042"}],
                   "tools": [{"name": "lookup_order", "description": "Look up",
                              "input_schema": {"type": "object", "properties": {"id": {"type": "string"}}}}]},
                 "input": {"message": "Refund A-1042"}}
                """;
        provider(Fixtures.fast()).call(Fixtures.request(decision));
        JsonNode body = server.only().json();
        assertEquals("Rule one.\n\nRule two.", body.get("system").asText());
        assertEquals(300, body.get("max_tokens").asInt());
        assertEquals(3, body.get("messages").size());
        assertEquals("text", body.at("/messages/0/content/0/type").asText());
        assertEquals("Hi", body.at("/messages/0/content/0/text").asText());
        assertEquals("assistant", body.at("/messages/1/role").asText());
        assertEquals("string", body.at("/tools/0/input_schema/properties/id/type").asText());
    }

    @Test
    void toolUseResponseIsParsed() {
        server.then(resource(200, "anthropic-messages-tool-use.json"));
        ProviderResult r = provider(Fixtures.fast()).call(anthropic(Fixtures.DECISION_WITH_MESSAGES));
        assertEquals("I'll look up the order first, then issue the refund.", r.text(), "text blocks are concatenated");
        assertEquals("tool_use", r.finishReason());
        assertEquals(472L, r.inputTokens());
        assertEquals(89L, r.outputTokens());
        assertEquals(1, r.toolCalls().size());
        assertEquals("lookup_order", r.toolCalls().at("/0/name").asText());
        assertEquals("A-1042", r.toolCalls().at("/0/arguments/order_id").asText());
        assertTrue(r.toolCalls().at("/0/arguments/include_items").asBoolean());
    }

    @Test
    void rateLimitWithRetryAfterThenSuccess() {
        server.then(json(429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of "
                        + "request tokens has exceeded your per-minute rate limit\"}}", "retry-after", "1"),
                resource(200, "anthropic-messages-text.json"));
        long t0 = System.nanoTime();
        ProviderResult r = provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_PROMPT_TEXT));
        assertEquals("end_turn", r.finishReason());
        assertEquals(2, server.requests().size());
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 950);
    }

    @Test
    void retryAfterAsHttpDateIsHonoured() {
        String at = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(2));
        server.then(json(429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}",
                "Retry-After", at), resource(200, "anthropic-messages-text.json"));
        long t0 = System.nanoTime();
        provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_PROMPT_TEXT));
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(2, server.requests().size());
        // the date has one-second resolution: between 1 and 2 seconds from now
        assertTrue(elapsedMs >= 900 && elapsedMs < 4_000, "took " + elapsedMs + " ms");
    }

    @Test
    void overloadedEveryTimeIsRetryable() {
        server.then(resource(529, "anthropic-error-529.json"));
        ProviderException e = expectProviderException(
                () -> provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_PROMPT_TEXT)));
        assertTrue(e.retryable());
        assertEquals(529, e.status());
        assertEquals(3, server.requests().size());
        assertTrue(e.getMessage().contains("Overloaded (overloaded_error)"), e.getMessage());
        assertNoKey(e);
    }

    @Test
    void internalServerErrorEveryTimeIsRetryable() {
        server.then(json(500, "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server error\"}}"));
        ProviderException e = expectProviderException(
                () -> provider(Fixtures.fast().withMaxRetries(1)).call(Fixtures.request(Fixtures.DECISION_WITH_PROMPT_TEXT)));
        assertTrue(e.retryable());
        assertEquals(500, e.status());
        assertEquals(2, server.requests().size());
    }

    @Test
    void badRequestIsNotRetried() {
        server.then(resource(400, "anthropic-error-400.json"));
        ProviderException e = expectProviderException(
                () -> provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_PROMPT_TEXT)));
        assertFalse(e.retryable());
        assertEquals(400, e.status());
        assertEquals(1, server.requests().size());
        assertTrue(e.getMessage().contains("HTTP 400"), e.getMessage());
        assertTrue(e.getMessage().contains("messages.0.content: Input should be a valid list"), e.getMessage());
        assertNoKey(e);
    }

    @Test
    void authenticationErrorNeverShowsTheKey() {
        server.then(json(401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
                + "\"message\":\"invalid x-api-key: " + ANTHROPIC_KEY + "\"}}"));
        ProviderException e = expectProviderException(
                () -> provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_PROMPT_TEXT)));
        assertFalse(e.retryable());
        assertEquals(401, e.status());
        assertTrue(e.getMessage().contains("authentication_error"), e.getMessage());
        assertNoKey(e);
    }

    @Test
    void hangPastTheTimeoutFailsRetryableInBoundedTime() {
        server.then(server.hang());
        AnthropicProvider p = provider(Fixtures.fast().withTotalTimeout(Duration.ofMillis(600)));
        long t0 = System.nanoTime();
        ProviderException e = expectProviderException(() -> p.call(Fixtures.request(Fixtures.DECISION_WITH_PROMPT_TEXT)));
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.retryable());
        assertEquals(0, e.status());
        assertTrue(elapsedMs < 3_000, "took " + elapsedMs + " ms");
        assertNoKey(e);
    }

    @Test
    void malformedJsonIsNotRetryable() {
        server.then(json(200, "<html><body>Bad gateway</body></html>"));
        ProviderException e = expectProviderException(
                () -> provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_PROMPT_TEXT)));
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("malformed response"), e.getMessage());
        assertEquals(1, server.requests().size());
    }

    @Test
    void missingContentIsMalformed() {
        server.then(json(200, "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"stop_reason\":\"end_turn\"}"));
        ProviderException e = expectProviderException(
                () -> provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_PROMPT_TEXT)));
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("malformed response"), e.getMessage());
    }

    @Test
    void openAiStyleToolChoiceIsTranslated() {
        server.then(resource(200, "anthropic-messages-tool-use.json"));
        ObjectNode decision = (ObjectNode) Fixtures.json(Fixtures.DECISION_WITH_MESSAGES);
        ((ObjectNode) decision.get("model")).put("provider", "anthropic").put("tool_choice", "required");
        provider(Fixtures.fast()).call(ProviderRequest.from(decision));
        assertEquals("any", server.only().json().at("/tool_choice/type").asText());
    }
}

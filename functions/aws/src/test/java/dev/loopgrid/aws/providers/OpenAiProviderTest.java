package dev.loopgrid.aws.providers;

import static dev.loopgrid.aws.providers.Fixtures.OPENAI_KEY;
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
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OpenAiProviderTest {
    private final FakeServer server = new FakeServer();

    @AfterEach
    void stop() {
        server.close();
    }

    private OpenAiProvider provider(ProviderHttp.Settings settings) {
        return new OpenAiProvider(server.baseUrl(), ApiKey.of(OPENAI_KEY), settings);
    }

    private static void assertNoKey(ProviderException e) {
        assertFalse(allMessages(e).contains(OPENAI_KEY), () -> "API key leaked: " + allMessages(e));
        assertFalse(allMessages(e).contains("5ecr3tK3y"), () -> "API key fragment leaked: " + allMessages(e));
    }

    @Test
    void textResponseIsParsed() {
        server.then(resource(200, "openai-chat-text.json"));
        ProviderResult r = provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_MESSAGES));
        assertEquals("Your refund for order A-1042 has been approved. You will see €49.90 back on your card within "
                + "5–7 business days.", r.text());
        assertNull(r.toolCalls());
        assertEquals("gpt-4o-2024-08-06", r.model());
        assertEquals("stop", r.finishReason());
        assertEquals(187L, r.inputTokens());
        assertEquals(31L, r.outputTokens());
        assertEquals("fp_07871e2ad8", r.systemFingerprint());
        assertTrue(r.latencyMs() >= 0);
    }

    @Test
    void requestCarriesRecordedMessagesParametersAndTools() {
        server.then(resource(200, "openai-chat-text.json"));
        ProviderRequest request = Fixtures.request(Fixtures.DECISION_WITH_MESSAGES);
        provider(Fixtures.fast()).call(request);

        FakeServer.Request sent = server.only();
        assertEquals("POST", sent.method());
        assertEquals("/v1/chat/completions", sent.rawPath());
        assertEquals("Bearer " + OPENAI_KEY, sent.header("Authorization"));
        assertTrue(sent.header("Content-Type").startsWith("application/json"));
        JsonNode body = sent.json();
        assertEquals("gpt-4o-2024-08-06", body.get("model").asText());
        // prompt.messages verbatim: roles, null content, tool_calls, tool_call_id
        JsonNode recorded = Fixtures.json(Fixtures.DECISION_WITH_MESSAGES).at("/prompt/messages");
        assertEquals(recorded, body.get("messages"));
        assertEquals(0.2, body.get("temperature").asDouble());
        assertEquals(512, body.get("max_tokens").asInt());
        assertEquals(0.9, body.get("top_p").asDouble());
        assertEquals("\nUser:", body.get("stop").get(0).asText());
        assertEquals(7, body.get("seed").asInt());
        assertFalse(body.has("top_k"), "a parameter Chat Completions does not know is not sent");
        assertFalse(body.has("provider"));
        assertFalse(body.has("stream"));
        JsonNode tools = body.get("tools");
        assertEquals(2, tools.size());
        assertEquals("function", tools.get(0).get("type").asText());
        assertEquals("lookup_order", tools.get(0).at("/function/name").asText());
        assertEquals("Look up an order by id", tools.get(0).at("/function/description").asText());
        assertEquals("string", tools.get(0).at("/function/parameters/properties/order_id/type").asText());
        assertEquals("issue_refund", tools.get(1).at("/function/name").asText());
    }

    @Test
    void promptTextAndInputMessageBecomeSystemAndUser() {
        server.then(resource(200, "openai-chat-text.json"));
        ObjectNode decision = (ObjectNode) Fixtures.json(Fixtures.DECISION_WITH_PROMPT_TEXT);
        ((ObjectNode) decision.get("model")).put("provider", "openai").put("name", "gpt-4o-mini");
        provider(Fixtures.fast()).call(ProviderRequest.from(decision));
        JsonNode body = server.only().json();
        assertEquals("gpt-4o-mini", body.get("model").asText());
        assertEquals(2, body.get("messages").size());
        assertEquals("system", body.at("/messages/0/role").asText());
        assertEquals("You are a refunds assistant for ACME. Be concise.", body.at("/messages/0/content").asText());
        assertEquals("user", body.at("/messages/1/role").asText());
        assertEquals("Where is my refund for order A-1042?", body.at("/messages/1/content").asText());
        assertEquals(0, body.get("temperature").asInt());
        assertFalse(body.has("tools"));
        assertFalse(body.has("max_tokens"));
    }

    @Test
    void recordedToolCallsWithoutDefinitionsStillOfferTheTools() {
        server.then(resource(200, "openai-chat-tool-calls.json"));
        ObjectNode decision = (ObjectNode) Fixtures.json(Fixtures.DECISION_WITH_PROMPT_TEXT);
        ((ObjectNode) decision.get("model")).put("provider", "openai").put("name", "gpt-4o");
        decision.putArray("tool_calls").addObject().put("name", "lookup_order").putObject("arguments");
        provider(Fixtures.fast()).call(ProviderRequest.from(decision));
        JsonNode tools = server.only().json().get("tools");
        assertEquals(1, tools.size());
        assertEquals("lookup_order", tools.at("/0/function/name").asText());
        assertEquals("object", tools.at("/0/function/parameters/type").asText());
    }

    @Test
    void toolCallResponseIsParsed() {
        server.then(resource(200, "openai-chat-tool-calls.json"));
        ProviderResult r = provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_MESSAGES));
        assertEquals("", r.text());
        assertEquals("tool_calls", r.finishReason());
        assertEquals(243L, r.inputTokens());
        assertEquals(58L, r.outputTokens());
        JsonNode calls = r.toolCalls();
        assertEquals(2, calls.size());
        assertEquals("lookup_order", calls.at("/0/name").asText());
        assertTrue(calls.at("/0/arguments").isObject(), "arguments are parsed into a JSON object");
        assertEquals("A-1042", calls.at("/0/arguments/order_id").asText());
        assertTrue(calls.at("/0/arguments/include_items").asBoolean());
        assertEquals("issue_refund", calls.at("/1/name").asText());
        assertEquals(49.90, calls.at("/1/arguments/amount").asDouble());
        assertFalse(calls.get(0).has("id"), "call ids change on every run and are not part of the output");
    }

    @Test
    void unparseableToolArgumentsAreKeptAsString() {
        String body = Fixtures.resource("openai-chat-tool-calls.json")
                .replace("{\\\"order_id\\\":\\\"A-1042\\\",\\\"include_items\\\":true}", "{\\\"order_id\\\": \\\"A-10");
        server.then(json(200, body));
        ProviderResult r = provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_MESSAGES));
        assertTrue(r.toolCalls().at("/0/arguments").isTextual());
        assertEquals("{\"order_id\": \"A-10", r.toolCalls().at("/0/arguments").asText());
        assertTrue(r.toolCalls().at("/1/arguments").isObject());
    }

    @Test
    void rateLimitWithRetryAfterIsRetriedOnce() {
        server.then(resource(429, "openai-error-429.json", "Retry-After", "1"), resource(200, "openai-chat-text.json"));
        long t0 = System.nanoTime();
        ProviderResult r = provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_MESSAGES));
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(2, server.requests().size());
        assertEquals("stop", r.finishReason());
        assertTrue(elapsedMs >= 950, "waited the Retry-After second, took " + elapsedMs + " ms");
        assertTrue(r.latencyMs() < elapsedMs, "latency is the successful attempt only");
        assertEquals(server.requests().get(0).body(), server.requests().get(1).body(), "the retry sends the same body");
    }

    @Test
    void serverErrorEveryTimeEndsRetryableAfterMaxRetries() {
        server.then(resource(500, "openai-error-500.json"));
        ProviderException e = expectProviderException(
                () -> provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_MESSAGES)));
        assertTrue(e.retryable());
        assertEquals(500, e.status());
        assertEquals(3, server.requests().size(), "first attempt + 2 retries");
        assertTrue(e.getMessage().contains("HTTP 500"), e.getMessage());
        assertTrue(e.getMessage().contains("The server had an error"), e.getMessage());
        assertNoKey(e);
    }

    @Test
    void zeroRetriesMeansOneAttempt() {
        server.then(resource(503, "openai-error-500.json"));
        ProviderException e = expectProviderException(() -> provider(Fixtures.fast().withMaxRetries(0))
                .call(Fixtures.request(Fixtures.DECISION_WITH_MESSAGES)));
        assertTrue(e.retryable());
        assertEquals(1, server.requests().size());
    }

    @Test
    void badRequestIsNotRetried() {
        server.then(resource(400, "openai-error-400.json"));
        ProviderException e = expectProviderException(
                () -> provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_MESSAGES)));
        assertFalse(e.retryable());
        assertEquals(400, e.status());
        assertEquals(1, server.requests().size());
        assertTrue(e.getMessage().contains("400"), e.getMessage());
        assertTrue(e.getMessage().contains("Invalid value for 'temperature'"), e.getMessage());
        assertTrue(e.getMessage().startsWith("openai:"), e.getMessage());
        assertNoKey(e);
    }

    @Test
    void apiKeyEchoedByTheProviderIsScrubbed() {
        server.then(json(401, "{\"error\":{\"message\":\"Incorrect API key provided: " + OPENAI_KEY
                + ". You can find your API key at https://platform.openai.com/account/api-keys.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}"));
        ProviderException e = expectProviderException(
                () -> provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_MESSAGES)));
        assertFalse(e.retryable());
        assertEquals(401, e.status());
        assertTrue(e.getMessage().contains("Incorrect API key provided"), e.getMessage());
        assertNoKey(e);
        assertFalse(provider(Fixtures.fast()).toString().contains(OPENAI_KEY));
    }

    @Test
    void hangPastTheTimeoutFailsRetryableInBoundedTime() {
        server.then(server.hang());
        OpenAiProvider p = provider(Fixtures.fast().withTotalTimeout(Duration.ofMillis(700)));
        long t0 = System.nanoTime();
        ProviderException e = expectProviderException(() -> p.call(Fixtures.request(Fixtures.DECISION_WITH_MESSAGES)));
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.retryable());
        assertEquals(0, e.status());
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        assertTrue(elapsedMs >= 650 && elapsedMs < 3_000, "took " + elapsedMs + " ms");
        assertEquals(1, server.requests().size(), "no retry once the budget is spent");
        assertNoKey(e);
    }

    @Test
    void malformedJsonIsNotRetryable() {
        server.then(json(200, "{\"id\":\"chatcmpl-1\",\"choices\":[{\"message\":{\"content\":\"Hel"));
        ProviderException e = expectProviderException(
                () -> provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_MESSAGES)));
        assertFalse(e.retryable());
        assertEquals(200, e.status());
        assertTrue(e.getMessage().contains("malformed response"), e.getMessage());
        assertEquals(1, server.requests().size());
        assertNoKey(e);
    }

    @Test
    void missingChoicesIsMalformed() {
        server.then(json(200, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[]}"));
        ProviderException e = expectProviderException(
                () -> provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_MESSAGES)));
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("malformed response"), e.getMessage());
    }

    @Test
    void retryAfterLongerThanTheCapGoesBackToTheQueue() {
        server.then(resource(429, "openai-error-429.json", "Retry-After", "120"), resource(200, "openai-chat-text.json"));
        long t0 = System.nanoTime();
        ProviderException e = expectProviderException(
                () -> provider(Fixtures.fast()).call(Fixtures.request(Fixtures.DECISION_WITH_MESSAGES)));
        assertTrue(e.retryable());
        assertEquals(429, e.status());
        assertEquals(1, server.requests().size());
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 2_000, "did not wait");
        assertTrue(e.getMessage().contains("retry after 120000 ms"), e.getMessage());
    }

    @Test
    void retryAfterBeyondTheBudgetIsNotWaitedFor() {
        server.then(resource(429, "openai-error-429.json", "Retry-After", "3"), resource(200, "openai-chat-text.json"));
        ProviderException e = expectProviderException(() -> provider(Fixtures.fast()
                .withTotalTimeout(Duration.ofMillis(1_500))).call(Fixtures.request(Fixtures.DECISION_WITH_MESSAGES)));
        assertTrue(e.retryable());
        assertEquals(429, e.status());
        assertEquals(1, server.requests().size());
    }

    @Test
    void connectionRefusedIsRetryable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        OpenAiProvider p = new OpenAiProvider("http://127.0.0.1:" + port, ApiKey.of(OPENAI_KEY),
                Fixtures.fast().withMaxRetries(1));
        ProviderException e = expectProviderException(() -> p.call(Fixtures.request(Fixtures.DECISION_WITH_MESSAGES)));
        assertTrue(e.retryable());
        assertEquals(0, e.status());
        assertNoKey(e);
    }

    @Test
    void baseUrlWithV1IsNotDoubled() {
        assertEquals("https://api.openai.com/v1/chat/completions",
                new OpenAiProvider(null, ApiKey.of(OPENAI_KEY), Fixtures.fast()).endpoint().toString());
        assertEquals("http://127.0.0.1:9/v1/chat/completions",
                new OpenAiProvider("http://127.0.0.1:9/v1/", ApiKey.of(OPENAI_KEY), Fixtures.fast()).endpoint().toString());
        assertEquals("https://gw.example.com/openai/v1/chat/completions",
                new OpenAiProvider("https://gw.example.com/openai", ApiKey.of(OPENAI_KEY), Fixtures.fast()).endpoint().toString());
    }

    @Test
    void missingModelNameIsNotRetryable() {
        ObjectNode decision = (ObjectNode) Fixtures.json(Fixtures.DECISION_WITH_MESSAGES);
        ((ObjectNode) decision.get("model")).remove("name");
        ProviderException e = expectProviderException(() -> provider(Fixtures.fast()).call(ProviderRequest.from(decision)));
        assertFalse(e.retryable());
        assertEquals(0, server.requests().size());
    }
}

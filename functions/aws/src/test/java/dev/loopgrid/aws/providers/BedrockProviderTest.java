package dev.loopgrid.aws.providers;

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
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

class BedrockProviderTest {
    private static final String MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";
    private static final String SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    private final FakeServer server = new FakeServer();
    private BedrockProvider provider;

    @AfterEach
    void stop() {
        if (provider != null) provider.close();
        server.close();
    }

    private BedrockProvider provider(ProviderHttp.Settings settings) {
        provider = new BedrockProvider(BedrockProvider.client(Region.US_EAST_1, URI.create(server.baseUrl()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", SECRET_ACCESS_KEY)),
                settings));
        return provider;
    }

    private static ProviderRequest bedrock(String decisionJson) {
        ObjectNode decision = (ObjectNode) Fixtures.json(decisionJson);
        ((ObjectNode) decision.get("model")).put("provider", "bedrock").put("name", MODEL);
        return ProviderRequest.from(decision);
    }

    @Test
    void converseToolUseResponseIsParsedAndRequestIsMapped() {
        server.then(resource(200, "bedrock-converse-tool-use.json"));
        ProviderResult r = provider(Fixtures.fast()).call(bedrock(Fixtures.DECISION_WITH_MESSAGES));

        assertEquals("Let me check that order.", r.text());
        assertEquals("tool_use", r.finishReason());
        assertEquals(MODEL, r.model());
        assertEquals(412L, r.inputTokens());
        assertEquals(61L, r.outputTokens());
        assertEquals(1187L, r.latencyMs(), "Converse metrics latency");
        assertNull(r.systemFingerprint());
        assertEquals(1, r.toolCalls().size());
        assertEquals("lookup_order", r.toolCalls().at("/0/name").asText());
        JsonNode args = r.toolCalls().at("/0/arguments");
        assertEquals("A-1042", args.get("order_id").asText());
        assertTrue(args.get("include_items").asBoolean());
        assertTrue(args.get("limit").isIntegralNumber());
        assertEquals(3, args.get("limit").asInt());
        assertEquals(10.5, args.get("min_total").asDouble());

        FakeServer.Request sent = server.only();
        assertEquals("POST", sent.method());
        assertEquals("/model/" + MODEL + "/converse", URLDecoder.decode(sent.rawPath(), StandardCharsets.UTF_8));
        assertTrue(sent.header("Authorization").startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
                "the request is SigV4-signed");
        JsonNode body = sent.json();
        assertEquals("You are a refunds assistant for ACME. Be concise.", body.at("/system/0/text").asText());
        JsonNode messages = body.get("messages");
        assertEquals(3, messages.size(), "user, assistant(toolUse), user(toolResult + text merged): " + messages);
        assertEquals("user", messages.at("/0/role").asText());
        assertEquals("Where is my refund for order A-1042?", messages.at("/0/content/0/text").asText());
        assertEquals("assistant", messages.at("/1/role").asText());
        assertEquals("call_1", messages.at("/1/content/0/toolUse/toolUseId").asText());
        assertEquals("lookup_order", messages.at("/1/content/0/toolUse/name").asText());
        assertEquals("A-1042", messages.at("/1/content/0/toolUse/input/order_id").asText());
        assertEquals("user", messages.at("/2/role").asText());
        assertEquals("call_1", messages.at("/2/content/0/toolResult/toolUseId").asText());
        assertEquals("{\"status\":\"refund_pending\",\"total\":49.9}",
                messages.at("/2/content/0/toolResult/content/0/text").asText());
        assertEquals("Please approve it.", messages.at("/2/content/1/text").asText(),
                "consecutive user turns are merged into one message");

        JsonNode inference = body.get("inferenceConfig");
        assertEquals(512, inference.get("maxTokens").asInt());
        assertEquals(0.2, inference.get("temperature").asDouble(), 1e-6);
        assertEquals(0.9, inference.get("topP").asDouble(), 1e-6);
        assertEquals("\nUser:", inference.at("/stopSequences/0").asText());
        assertEquals(40, body.at("/additionalModelRequestFields/top_k").asInt());

        JsonNode tools = body.at("/toolConfig/tools");
        assertEquals(2, tools.size());
        assertEquals("lookup_order", tools.at("/0/toolSpec/name").asText());
        assertEquals("Look up an order by id", tools.at("/0/toolSpec/description").asText());
        assertEquals("object", tools.at("/0/toolSpec/inputSchema/json/type").asText());
        assertEquals("string", tools.at("/0/toolSpec/inputSchema/json/properties/order_id/type").asText());
        assertEquals("order_id", tools.at("/0/toolSpec/inputSchema/json/required/0").asText());
    }

    @Test
    void converseTextResponseFromPromptText() {
        server.then(resource(200, "bedrock-converse-text.json"));
        ProviderResult r = provider(Fixtures.fast()).call(bedrock(Fixtures.DECISION_WITH_PROMPT_TEXT));
        assertEquals("Your refund for order A-1042 has been approved.", r.text());
        assertNull(r.toolCalls());
        assertEquals("end_turn", r.finishReason());
        assertEquals(96L, r.inputTokens());
        assertEquals(14L, r.outputTokens());
        assertEquals(538L, r.latencyMs());
        JsonNode body = server.only().json();
        assertEquals("You are a refunds assistant for ACME. Be concise.", body.at("/system/0/text").asText());
        assertEquals(1, body.get("messages").size());
        assertEquals("Where is my refund for order A-1042?", body.at("/messages/0/content/0/text").asText());
        assertEquals(0.0, body.at("/inferenceConfig/temperature").asDouble());
        assertFalse(body.at("/inferenceConfig").has("maxTokens"));
        assertFalse(body.has("toolConfig"));
        assertFalse(body.has("additionalModelRequestFields"));
    }

    @Test
    void throttlingIsRetryable() {
        server.then(json(429, "{\"message\":\"Too many requests, please wait before trying again.\"}",
                "x-amzn-ErrorType", "ThrottlingException"));
        ProviderException e = expectProviderException(() -> provider(Fixtures.fast().withMaxRetries(1))
                .call(bedrock(Fixtures.DECISION_WITH_PROMPT_TEXT)));
        assertTrue(e.retryable());
        assertEquals(429, e.status());
        assertTrue(e.getMessage().contains("ThrottlingException"), e.getMessage());
        assertTrue(e.getMessage().contains("Too many requests"), e.getMessage());
        assertEquals(2, server.requests().size(), "the SDK retried once (maxRetries = 1)");
        assertFalse(Fixtures.allMessages(e).contains(SECRET_ACCESS_KEY));
    }

    @Test
    void throttlingThenSuccessSucceeds() {
        server.then(json(429, "{\"message\":\"Too many requests\"}", "x-amzn-ErrorType", "ThrottlingException"),
                resource(200, "bedrock-converse-text.json"));
        ProviderResult r = provider(Fixtures.fast()).call(bedrock(Fixtures.DECISION_WITH_PROMPT_TEXT));
        assertEquals("end_turn", r.finishReason());
        assertEquals(2, server.requests().size());
    }

    @Test
    void serviceUnavailableIsRetryable() {
        server.then(json(503, "{\"message\":\"Bedrock is unable to process your request.\"}",
                "x-amzn-ErrorType", "ServiceUnavailableException"));
        ProviderException e = expectProviderException(() -> provider(Fixtures.fast().withMaxRetries(0))
                .call(bedrock(Fixtures.DECISION_WITH_PROMPT_TEXT)));
        assertTrue(e.retryable());
        assertEquals(503, e.status());
    }

    @Test
    void validationErrorIsNotRetryable() {
        server.then(json(400, "{\"message\":\"The provided model identifier is invalid.\"}",
                "x-amzn-ErrorType", "ValidationException"));
        ProviderException e = expectProviderException(() -> provider(Fixtures.fast())
                .call(bedrock(Fixtures.DECISION_WITH_PROMPT_TEXT)));
        assertFalse(e.retryable());
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("ValidationException"), e.getMessage());
        assertTrue(e.getMessage().contains("model identifier is invalid"), e.getMessage());
        assertEquals(1, server.requests().size());
    }

    @Test
    void accessDeniedIsNotRetryable() {
        server.then(json(403, "{\"message\":\"You don't have access to the model with the specified model ID.\"}",
                "x-amzn-ErrorType", "AccessDeniedException"));
        ProviderException e = expectProviderException(() -> provider(Fixtures.fast())
                .call(bedrock(Fixtures.DECISION_WITH_PROMPT_TEXT)));
        assertFalse(e.retryable());
        assertEquals(403, e.status());
        assertEquals(1, server.requests().size());
    }

    @Test
    void hangPastTheTimeoutIsRetryable() {
        server.then(server.hang());
        long t0 = System.nanoTime();
        ProviderException e = expectProviderException(() -> provider(Fixtures.fast()
                .withTotalTimeout(Duration.ofMillis(800))).call(bedrock(Fixtures.DECISION_WITH_PROMPT_TEXT)));
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.retryable(), e.getMessage());
        assertEquals(0, e.status());
        assertTrue(elapsedMs < 4_000, "took " + elapsedMs + " ms");
    }

    @Test
    void documentsRoundTrip() {
        JsonNode schema = Fixtures.json("""
                {"type":"object","properties":{"n":{"type":"integer","minimum":-5,"maximum":12345678901234},
                 "x":{"type":"number","multipleOf":0.25},"tags":{"type":"array","items":{"type":"string"}},
                 "opt":{"type":["string","null"],"default":null},"flag":{"type":"boolean","default":false}},
                 "required":["n"]}
                """);
        assertEquals(schema, BedrockProvider.toJson(BedrockProvider.toDocument(schema)));
    }
}

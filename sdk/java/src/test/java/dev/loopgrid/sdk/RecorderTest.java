package dev.loopgrid.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.loopgrid.sdk.FakeServer.Respond;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Recorder around the official OpenAI and Anthropic Java SDKs (real clients, real types) talking to a scripted
 * provider server, recording into the local stack; and what it does when LoopGrid cannot record.
 */
class RecorderTest {
    static final String SERVICE = "java-recorder-" + UUID.randomUUID().toString().substring(0, 8);
    static LoopGrid grid;

    static final String COMPLETION = """
            {"id": "chatcmpl-1", "object": "chat.completion", "created": 1764806400, "model": "gpt-4o-2024-08-06",
             "system_fingerprint": "fp_1",
             "choices": [{"index": 0, "finish_reason": "tool_calls", "logprobs": null,
               "message": {"role": "assistant", "content": "Let me check your account.", "refusal": null,
                 "tool_calls": [{"id": "call_1", "type": "function",
                   "function": {"name": "lookup_account", "arguments": "{\\"id\\": 7}"}}]}}],
             "usage": {"prompt_tokens": 21, "completion_tokens": 9, "total_tokens": 30}}""";

    static final String MESSAGE = """
            {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
             "content": [{"type": "text", "text": "You were charged twice; "},
                         {"type": "text", "text": "a refund is on its way."},
                         {"type": "tool_use", "id": "toolu_1", "name": "refund", "input": {"amount": 42}}],
             "stop_reason": "tool_use", "stop_sequence": null,
             "usage": {"input_tokens": 30, "output_tokens": 12}}""";

    @BeforeAll
    static void client() {
        grid = LoopGrid.builder().baseUrl(TestStack.url()).serviceName(SERVICE).build();
    }

    static OpenAIClient openAi(FakeServer provider) {
        return OpenAIOkHttpClient.builder().baseUrl(provider.url() + "/v1").apiKey("sk-test").maxRetries(0).build();
    }

    static AnthropicClient anthropic(FakeServer provider) {
        return AnthropicOkHttpClient.builder().baseUrl(provider.url()).apiKey("sk-ant-test").maxRetries(0).build();
    }

    static ChatCompletionCreateParams chatParams() {
        return ChatCompletionCreateParams.builder().model("gpt-4o").addSystemMessage("You are support.")
                .addUserMessage("I was charged twice").temperature(0.2)
                .putAdditionalBodyProperty("tools", JsonValue.from(List.of(Map.of("type", "function",
                        "function", Map.of("name", "lookup_account", "parameters", Map.of("type", "object"))))))
                .build();
    }

    static MessageCreateParams messageParams() {
        return MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(512).system("You are support.")
                .addUserMessage("I was charged twice").build();
    }

    @Test
    void openAi_create_isRecordedInTheShapeReplaysRead_andReturnedUntouched() throws Exception {
        try (FakeServer provider = new FakeServer(r -> Respond.json(200, COMPLETION))) {
            // given
            Recorder recorder = Recorder.openAi(grid).prompt(Map.of("template", "support_v1"))
                    .metadata(Map.of("team", "billing")).build();
            OpenAIClient client = recorder.wrap(openAi(provider));

            // when
            ChatCompletion reply = client.chat().completions().create(chatParams());

            // then the call is the provider's, untouched
            assertEquals("chatcmpl-1", reply.id());
            assertEquals("Let me check your account.", reply.choices().get(0).message().content().orElseThrow());
            assertEquals("/v1/chat/completions", provider.requests.get(0).target());
            // and recorded
            Decision d = recorder.lastDecision();
            assertNotNull(d, "recorded");
            assertEquals(d, grid.getDecision(d.decisionId()));
            assertEquals("chat_completion", d.decisionType());
            assertEquals(SERVICE, d.serviceName());
            assertEquals("I was charged twice", d.input().get("message").asText());
            assertEquals("openai", d.model().get("provider").asText());
            assertEquals("gpt-4o", d.model().get("name").asText());
            assertEquals(0.2, d.model().get("temperature").asDouble());
            assertEquals("support_v1", d.prompt().get("template").asText());
            assertEquals("system", d.prompt().at("/messages/0/role").asText());
            assertEquals("You are support.", d.prompt().at("/messages/0/content").asText());
            assertEquals("lookup_account", d.prompt().at("/tools/0/function/name").asText());
            assertEquals("Let me check your account.", d.output().get("response").asText());
            assertEquals("lookup_account", d.output().at("/tool_calls/0/name").asText());
            assertEquals(7, d.output().at("/tool_calls/0/arguments/id").asInt());
            assertEquals("call_1", d.toolCalls().at("/0/id").asText());
            assertEquals(30, d.metadata().at("/tokens/total").asInt());
            assertEquals("tool_calls", d.metadata().get("finish_reason").asText());
            assertEquals("chatcmpl-1", d.metadata().get("response_id").asText());
            assertEquals("fp_1", d.metadata().get("system_fingerprint").asText());
            assertEquals("billing", d.metadata().get("team").asText());
            assertTrue(d.metadata().get("latency_ms").isNumber());
            assertEquals("loopgrid-java/" + LoopGrid.VERSION, d.metadata().get("recorded_by").asText());

            // and a replay rebuilds the request from the record
            Replay replay = grid.createReplayAndWait(d.decisionId(), Map.of("prompt", Map.of("text", "Check billing first.")),
                    Duration.ofSeconds(30));
            assertEquals("completed", replay.executionStatus(), replay.toString());
        }
    }

    @Test
    void openAi_stream_isRecordedWhenClosed_fromTheChunksRead() throws Exception {
        String sse = chunk("{\"id\": \"chatcmpl-2\", \"object\": \"chat.completion.chunk\", \"created\": 1, \"model\": \"gpt-4o\","
                + " \"choices\": [{\"index\": 0, \"delta\": {\"role\": \"assistant\", \"content\": \"Refund \"}, \"finish_reason\": null}]}")
                + chunk("{\"id\": \"chatcmpl-2\", \"object\": \"chat.completion.chunk\", \"created\": 1, \"model\": \"gpt-4o\","
                + " \"choices\": [{\"index\": 0, \"delta\": {\"content\": \"issued.\"}, \"finish_reason\": \"stop\"}]}")
                + chunk("{\"id\": \"chatcmpl-2\", \"object\": \"chat.completion.chunk\", \"created\": 1, \"model\": \"gpt-4o\","
                + " \"choices\": [], \"usage\": {\"prompt_tokens\": 5, \"completion_tokens\": 3, \"total_tokens\": 8}}")
                + "data: [DONE]\n\n";
        try (FakeServer provider = new FakeServer(r -> new Respond(200, "text/event-stream", sse, Map.of()))) {
            Recorder recorder = Recorder.openAi(grid).decisionType("support_reply").build();
            OpenAIClient client = recorder.wrap(openAi(provider));

            StringBuilder seen = new StringBuilder();
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chatParams())) {
                stream.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(seen::append)));
                assertNull(recorder.lastDecision(), "recorded when the stream is closed");
            }

            assertEquals("Refund issued.", seen.toString(), "the chunks pass through");
            Decision d = recorder.lastDecision();
            assertNotNull(d);
            assertEquals("support_reply", d.decisionType());
            assertEquals("Refund issued.", d.output().get("response").asText());
            assertEquals("stop", d.metadata().get("finish_reason").asText());
            assertEquals(8, d.metadata().at("/tokens/total").asInt());
            assertTrue(d.metadata().get("streamed").asBoolean());
        }
    }

    @Test
    void anthropic_create_isRecordedWithTheSystemPromptFirst() throws Exception {
        try (FakeServer provider = new FakeServer(r -> Respond.json(200, MESSAGE))) {
            Recorder recorder = Recorder.anthropic(grid).serviceName(SERVICE + "-claude").build();
            AnthropicClient client = recorder.wrap(anthropic(provider));

            Message reply = client.messages().create(messageParams());

            assertEquals("msg_1", reply.id());
            assertEquals("/v1/messages", provider.requests.get(0).target());
            Decision d = recorder.lastDecision();
            assertEquals("message", d.decisionType());
            assertEquals(SERVICE + "-claude", d.serviceName());
            assertEquals("anthropic", d.model().get("provider").asText());
            assertEquals("claude-sonnet-4-5", d.model().get("name").asText());
            assertEquals(512, d.model().get("max_tokens").asInt());
            assertEquals(List.of("system", "user"), List.of(d.prompt().at("/messages/0/role").asText(),
                    d.prompt().at("/messages/1/role").asText()));
            assertEquals("You are support.", d.prompt().at("/messages/0/content").asText());
            assertEquals("I was charged twice", d.input().get("message").asText());
            assertEquals("You were charged twice; a refund is on its way.", d.output().get("response").asText());
            assertEquals("refund", d.output().at("/tool_calls/0/name").asText());
            assertEquals(42, d.output().at("/tool_calls/0/arguments/amount").asInt());
            assertEquals(42, d.metadata().at("/tokens/total").asInt());
            assertEquals("tool_use", d.metadata().get("finish_reason").asText());
        }
    }

    @Test
    void anthropic_stream_isRecordedWhenClosed() throws Exception {
        String sse = event("message_start", "{\"type\": \"message_start\", \"message\": {\"id\": \"msg_2\", \"type\": \"message\","
                + " \"role\": \"assistant\", \"model\": \"claude-sonnet-4-5\", \"content\": [], \"stop_reason\": null,"
                + " \"stop_sequence\": null, \"usage\": {\"input_tokens\": 10, \"output_tokens\": 1}}}")
                + event("content_block_start", "{\"type\": \"content_block_start\", \"index\": 0, \"content_block\": {\"type\": \"text\", \"text\": \"\"}}")
                + event("content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\"type\": \"text_delta\", \"text\": \"Refund \"}}")
                + event("content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\"type\": \"text_delta\", \"text\": \"issued.\"}}")
                + event("content_block_stop", "{\"type\": \"content_block_stop\", \"index\": 0}")
                + event("content_block_start", "{\"type\": \"content_block_start\", \"index\": 1, \"content_block\": {\"type\": \"tool_use\", \"id\": \"toolu_2\", \"name\": \"refund\", \"input\": {}}}")
                + event("content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 1, \"delta\": {\"type\": \"input_json_delta\", \"partial_json\": \"{\\\"amount\\\": \"}}")
                + event("content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 1, \"delta\": {\"type\": \"input_json_delta\", \"partial_json\": \"42}\"}}")
                + event("content_block_stop", "{\"type\": \"content_block_stop\", \"index\": 1}")
                + event("message_delta", "{\"type\": \"message_delta\", \"delta\": {\"stop_reason\": \"end_turn\", \"stop_sequence\": null}, \"usage\": {\"output_tokens\": 7}}")
                + event("message_stop", "{\"type\": \"message_stop\"}");
        try (FakeServer provider = new FakeServer(r -> new Respond(200, "text/event-stream", sse, Map.of()))) {
            Recorder recorder = Recorder.anthropic(grid).build();
            AnthropicClient client = recorder.wrap(anthropic(provider));

            long events;
            try (com.anthropic.core.http.StreamResponse<RawMessageStreamEvent> stream =
                         client.messages().createStreaming(messageParams())) {
                events = stream.stream().count();
            }

            assertEquals(11, events);
            Decision d = recorder.lastDecision();
            assertNotNull(d);
            assertEquals("Refund issued.", d.output().get("response").asText());
            assertEquals(42, d.output().at("/tool_calls/0/arguments/amount").asInt());
            assertEquals("end_turn", d.metadata().get("finish_reason").asText());
            assertEquals(17, d.metadata().at("/tokens/total").asInt());
        }
    }

    @Test
    void aLoopGridThatRefuses_neverBreaksTheCall_andTheBufferSendsItLater() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        LoopGrid down = LoopGrid.builder().baseUrl("http://127.0.0.1:" + port).serviceName(SERVICE).maxRetries(0).build();
        try (FakeServer provider = new FakeServer(r -> Respond.json(200, COMPLETION))) {
            // given a recorder whose LoopGrid is down
            Recorder unbuffered = Recorder.openAi(down).build();
            Recorder buffered = Recorder.openAi(down).buffer(true).maxBuffer(1).build();

            // when calls are made, they still succeed
            assertEquals("chatcmpl-1", unbuffered.wrap(openAi(provider)).chat().completions().create(chatParams()).id());
            OpenAIClient client = buffered.wrap(openAi(provider));
            client.chat().completions().create(chatParams());
            client.chat().completions().create(chatParams());

            // then the failures are counted, and only the buffer keeps them (the newest maxBuffer)
            assertEquals(1, unbuffered.failures());
            assertEquals(0, unbuffered.pending());
            assertEquals(2, buffered.failures());
            assertEquals(1, buffered.pending());
            assertEquals(0, buffered.flush(), "still down: nothing sent, nothing lost");
            assertEquals(1, buffered.pending());
        }
    }

    @Test
    void theProvidersErrors_passThroughUntouched_andRecordNothing() throws Exception {
        try (FakeServer provider = new FakeServer(r -> Respond.json(400,
                "{\"error\": {\"message\": \"bad model\", \"type\": \"invalid_request_error\"}}"))) {
            Recorder recorder = Recorder.openAi(grid).build();
            OpenAIClient client = recorder.wrap(openAi(provider));
            assertThrows(OpenAIServiceException.class, () -> client.chat().completions().create(chatParams()));
            assertNull(recorder.lastDecision());
            assertEquals(0, recorder.failures());
        }
    }

    @Test
    void otherMethods_passThrough_andWithOptionsKeepsRecording() throws Exception {
        try (FakeServer provider = new FakeServer(r -> Respond.json(200, COMPLETION))) {
            Recorder recorder = Recorder.openAi(grid).build();
            OpenAIClient real = openAi(provider);
            OpenAIClient client = recorder.wrap(real);
            assertNotSame(real, client);
            assertTrue(client.toString().startsWith("LoopGrid-recorded"));
            assertSame(client, client);

            client.withOptions(o -> o.maxRetries(1)).chat().completions().create(chatParams());
            assertNotNull(recorder.lastDecision(), "recorded through withOptions");
        }
    }

    @Test
    void wrap_refusesWhatIsNoClient_andBuildersCheckTheirSettings() {
        Recorder openAi = Recorder.openAi(grid).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> openAi.wrap("a string"));
        assertTrue(e.getMessage().contains("chat()"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Recorder.anthropic(grid).build().wrap(new Object()));
        assertThrows(IllegalArgumentException.class, () -> Recorder.openAi(grid).maxBuffer(0));
        assertThrows(IllegalArgumentException.class, () -> Recorder.openAi(grid).prompt(List.of(1)).build());
        assertThrows(NullPointerException.class, () -> Recorder.openAi(null));
    }

    @Test
    void aCallWhoseAnswerCannotBeRead_isCountedAsAFailure_notThrown() {
        // a duck-typed client whose answer is not an object the wrapper can read
        Recorder recorder = Recorder.openAi(grid).build();
        Chat chat = recorder.wrap((Chat) () -> () -> params -> "not a completion");
        assertEquals("not a completion", chat.chat().completions().create(Map.of("model", "m", "messages", List.of())));
        assertEquals(1, recorder.failures());
        assertNull(recorder.lastDecision());
    }

    /** The smallest OpenAI-shaped client: chat().completions().create(params). */
    interface Chat {
        Completions chat();
    }

    interface Completions {
        Create completions();
    }

    interface Create {
        Object create(Object params);
    }

    static String chunk(String json) {
        return "data: " + json + "\n\n";
    }

    static String event(String name, String json) {
        return "event: " + name + "\ndata: " + json + "\n\n";
    }
}

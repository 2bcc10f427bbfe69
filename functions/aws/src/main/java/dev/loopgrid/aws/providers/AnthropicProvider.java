package dev.loopgrid.aws.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.replay.LlmProvider;
import dev.loopgrid.core.replay.ProviderException;
import dev.loopgrid.core.replay.ProviderRequest;
import dev.loopgrid.core.replay.ProviderResult;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Anthropic Messages: {@code POST {baseUrl}/v1/messages} with {@code x-api-key} and
 * {@code anthropic-version: 2023-06-01}.
 *
 * <p>System (and {@code developer}) messages become the top-level {@code system} (joined by blank lines); the
 * others go to {@code messages}. Recorded OpenAI-style turns are translated: an assistant message's
 * {@code tool_calls} become {@code tool_use} blocks, a {@code tool} message becomes a user
 * {@code tool_result} block. {@code max_tokens} is required by the API: the recorded value, else
 * {@value #DEFAULT_MAX_TOKENS}. {@code stop}/{@code stop_sequences} become {@code stop_sequences};
 * temperature, top_p, top_k, thinking and tool_choice (translated from OpenAI style) are sent when recorded.
 */
public final class AnthropicProvider implements LlmProvider {
    public static final String NAME = "anthropic";
    public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
    public static final String API_VERSION = "2023-06-01";
    public static final int DEFAULT_MAX_TOKENS = 1024;

    private final URI endpoint;
    private final ApiKey key;
    private final ProviderHttp http;

    public AnthropicProvider(String baseUrl, ApiKey key, ProviderHttp.Settings settings) {
        this.endpoint = OpenAiProvider.endpoint(baseUrl == null ? DEFAULT_BASE_URL : baseUrl, "/messages");
        this.key = Objects.requireNonNull(key, "Anthropic API key");
        this.http = new ProviderHttp(NAME, settings);
    }

    @Override
    public String name() { return NAME; }

    URI endpoint() { return endpoint; }

    @Override
    public ProviderResult call(ProviderRequest request) {
        ObjectNode body = requestBody(request);
        ProviderHttp.Response resp = http.postJson(endpoint,
                Map.of("x-api-key", key.reveal(), "anthropic-version", API_VERSION), body, key);
        return parse(resp, request.model());
    }

    static ObjectNode requestBody(ProviderRequest request) {
        if (request.model() == null || request.model().isBlank()) {
            throw new ProviderException(NAME + ": the decision records no model name", false, 0, null);
        }
        ObjectNode body = Json.object();
        body.put("model", request.model());
        ObjectNode p = request.parameters();
        JsonNode max = Messages.maxTokens(p);
        if (max != null && max.canConvertToInt() && max.asInt() > 0) body.put("max_tokens", max.asInt());
        else body.put("max_tokens", DEFAULT_MAX_TOKENS);

        List<String> system = new ArrayList<>();
        ArrayNode messages = Json.MAPPER.createArrayNode();
        for (JsonNode m : request.messages()) {
            String role = Messages.role(m);
            if (Messages.isSystem(role)) {
                String s = Messages.text(m.get("content"));
                if (!s.isEmpty()) system.add(s);
            } else if (role.equals("tool") || role.equals("function")) {
                ObjectNode block = Json.object().put("type", "tool_result")
                        .put("tool_use_id", m.path("tool_call_id").asText(m.path("name").asText("")));
                block.put("content", Messages.text(m.get("content")));
                messages.addObject().put("role", "user").putArray("content").add(block);
            } else if (role.equals("assistant") && m.path("tool_calls").isArray() && !m.get("tool_calls").isEmpty()) {
                ObjectNode out = messages.addObject().put("role", "assistant");
                ArrayNode content = out.putArray("content");
                String text = Messages.text(m.get("content"));
                if (!text.isEmpty()) content.addObject().put("type", "text").put("text", text);
                int i = 0;
                for (JsonNode tc : m.get("tool_calls")) {
                    JsonNode fn = tc.has("function") ? tc.get("function") : tc;
                    JsonNode args = Messages.arguments(fn.has("arguments") ? fn.get("arguments") : fn.get("input"));
                    content.addObject().put("type", "tool_use")
                            .put("id", tc.path("id").asText("toolu_replay_" + i))
                            .put("name", fn.path("name").asText())
                            .set("input", args.isObject() ? args : Json.object().set("value", args));
                    i++;
                }
            } else {
                ObjectNode out = messages.addObject().put("role", role.equals("assistant") ? "assistant" : "user");
                JsonNode c = m.get("content");
                if (c != null && c.isArray()) out.set("content", c);
                else out.put("content", Messages.text(c));
            }
        }
        if (!system.isEmpty()) body.put("system", String.join("\n\n", system));
        body.set("messages", messages);

        for (String name : new String[] {"temperature", "top_k", "thinking"}) {
            if (p.hasNonNull(name)) body.set(name, p.get(name));
        }
        JsonNode topP = Messages.topP(p);
        if (topP != null) body.set("top_p", topP);
        ArrayNode stop = Messages.stopSequences(p);
        if (stop != null) body.set("stop_sequences", stop);
        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (JsonNode t : request.tools()) {
                ObjectNode tool = tools.addObject().put("name", t.path("name").asText());
                if (t.hasNonNull("description")) tool.set("description", t.get("description"));
                tool.set("input_schema", t.hasNonNull("parameters") ? t.get("parameters") : Json.object().put("type", "object"));
            }
            JsonNode choice = toolChoice(p.get("tool_choice"));
            if (choice != null) body.set("tool_choice", choice);
        }
        return body;
    }

    /** Anthropic's tool_choice from a recorded one, Anthropic- or OpenAI-style. */
    private static JsonNode toolChoice(JsonNode c) {
        if (c == null || c.isNull()) return null;
        if (c.isTextual()) {
            return switch (c.textValue()) {
                case "auto" -> Json.object().put("type", "auto");
                case "none" -> Json.object().put("type", "none");
                case "required", "any" -> Json.object().put("type", "any");
                default -> null;
            };
        }
        String type = c.path("type").asText("");
        if (type.equals("function")) return Json.object().put("type", "tool").put("name", c.path("function").path("name").asText());
        return switch (type) {
            case "auto", "any", "tool", "none" -> c;
            default -> null;
        };
    }

    private ProviderResult parse(ProviderHttp.Response resp, String requestedModel) {
        JsonNode root = resp.body();
        JsonNode content = root.path("content");
        if (!content.isArray()) throw http.malformed("content is missing", resp.status());
        StringBuilder text = new StringBuilder();
        ArrayNode calls = Json.MAPPER.createArrayNode();
        for (JsonNode block : content) {
            String type = block.path("type").asText("");
            if (type.equals("text")) {
                text.append(block.path("text").asText(""));
            } else if (type.equals("tool_use")) {
                if (!block.path("name").isTextual()) throw http.malformed("a tool_use block has no name", resp.status());
                JsonNode input = block.get("input");
                calls.addObject().put("name", block.get("name").textValue())
                        .set("arguments", input == null || input.isNull() ? Json.object() : input);
            }
            // thinking / redacted_thinking / server tool blocks are not part of the answer
        }
        JsonNode usage = root.path("usage");
        return new ProviderResult(text.toString(), calls.isEmpty() ? null : calls,
                root.path("model").isTextual() ? root.get("model").textValue() : requestedModel,
                OpenAiProvider.textOrNull(root.path("stop_reason")),
                OpenAiProvider.longOrNull(usage.path("input_tokens")),
                OpenAiProvider.longOrNull(usage.path("output_tokens")), null, resp.latencyMs());
    }

    @Override
    public String toString() {
        return "AnthropicProvider[" + endpoint + "]";
    }
}

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
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * OpenAI Chat Completions: {@code POST {baseUrl}/v1/chat/completions} with {@code Authorization: Bearer}.
 *
 * <p>Messages are sent verbatim (system, user, assistant with {@code tool_calls}, tool). Recorded parameters
 * are sent when Chat Completions knows them ({@link #PARAMETERS}, plus the aliases {@code topP},
 * {@code maxTokens}, {@code max_output_tokens}, {@code stop_sequences}); anything else recorded on the model
 * (provider-specific knobs such as {@code top_k}) is left out rather than failing the call with a 400.
 * {@code tool_choice} and {@code parallel_tool_calls} are only sent with tools. A base URL that already ends in
 * {@code /v1} (the OpenAI SDK convention for {@code OPENAI_BASE_URL}) is not given a second one.
 */
public final class OpenAiProvider implements LlmProvider {
    public static final String NAME = "openai";
    public static final String DEFAULT_BASE_URL = "https://api.openai.com";

    /** Chat Completions parameters copied verbatim when recorded. */
    static final List<String> PARAMETERS = List.of("temperature", "presence_penalty", "frequency_penalty", "seed",
            "logit_bias", "logprobs", "top_logprobs", "response_format", "reasoning_effort", "verbosity", "user",
            "service_tier", "prediction");

    private final URI endpoint;
    private final ApiKey key;
    private final ProviderHttp http;

    public OpenAiProvider(String baseUrl, ApiKey key, ProviderHttp.Settings settings) {
        this.endpoint = endpoint(baseUrl == null ? DEFAULT_BASE_URL : baseUrl, "/chat/completions");
        this.key = Objects.requireNonNull(key, "OpenAI API key");
        this.http = new ProviderHttp(NAME, settings);
    }

    /** {@code base + /v1 + path}, without doubling a trailing {@code /v1}. */
    static URI endpoint(String baseUrl, String path) {
        String b = baseUrl.strip();
        while (b.endsWith("/")) b = b.substring(0, b.length() - 1);
        if (!b.endsWith("/v1")) b = b + "/v1";
        URI uri = URI.create(b + path);
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("base URL must be absolute, e.g. https://api.example.com");
        }
        return uri;
    }

    @Override
    public String name() { return NAME; }

    URI endpoint() { return endpoint; }

    @Override
    public ProviderResult call(ProviderRequest request) {
        ObjectNode body = requestBody(request);
        ProviderHttp.Response resp = http.postJson(endpoint,
                Map.of("Authorization", "Bearer " + key.reveal()), body, key);
        return parse(resp, request.model());
    }

    static ObjectNode requestBody(ProviderRequest request) {
        if (request.model() == null || request.model().isBlank()) {
            throw new ProviderException(NAME + ": the decision records no model name", false, 0, null);
        }
        ObjectNode body = Json.object();
        body.put("model", request.model());
        body.set("messages", request.messages().deepCopy());
        ObjectNode p = request.parameters();
        for (String name : PARAMETERS) {
            JsonNode v = p.get(name);
            if (v != null && !v.isNull()) body.set(name, v);
        }
        JsonNode topP = Messages.topP(p);
        if (topP != null) body.set("top_p", topP);
        if (p.hasNonNull("max_completion_tokens")) {
            body.set("max_completion_tokens", p.get("max_completion_tokens"));
        } else {
            JsonNode max = Messages.param(p, "max_tokens", "maxTokens", "max_output_tokens");
            if (max != null) body.set("max_tokens", max);
        }
        if (p.hasNonNull("stop") && (p.get("stop").isTextual() || p.get("stop").isArray())) {
            body.set("stop", p.get("stop"));
        } else {
            ArrayNode stop = Messages.stopSequences(p);
            if (stop != null) body.set("stop", stop);
        }
        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (JsonNode t : request.tools()) {
                ObjectNode fn = tools.addObject().put("type", "function").putObject("function");
                fn.put("name", t.path("name").asText());
                if (t.hasNonNull("description")) fn.set("description", t.get("description"));
                fn.set("parameters", t.hasNonNull("parameters") ? t.get("parameters") : Json.object().put("type", "object"));
            }
            JsonNode choice = toolChoice(p.get("tool_choice"));
            if (choice != null) body.set("tool_choice", choice);
            if (p.hasNonNull("parallel_tool_calls")) body.set("parallel_tool_calls", p.get("parallel_tool_calls"));
        }
        return body;
    }

    /** OpenAI's tool_choice from a recorded one, OpenAI- or Anthropic-style. */
    private static JsonNode toolChoice(JsonNode c) {
        if (c == null || c.isNull()) return null;
        if (c.isTextual()) return c;
        String type = c.path("type").asText("");
        return switch (type) {
            case "function" -> c;
            case "auto", "none" -> Json.MAPPER.getNodeFactory().textNode(type);
            case "any" -> Json.MAPPER.getNodeFactory().textNode("required");
            case "tool" -> {
                ObjectNode o = Json.object().put("type", "function");
                o.putObject("function").put("name", c.path("name").asText());
                yield o;
            }
            default -> null;
        };
    }

    private ProviderResult parse(ProviderHttp.Response resp, String requestedModel) {
        JsonNode root = resp.body();
        JsonNode choices = root.path("choices");
        if (!choices.isArray() || choices.isEmpty()) throw http.malformed("no choices", resp.status());
        JsonNode choice = choices.get(0);
        JsonNode message = choice.path("message");
        if (!message.isObject()) throw http.malformed("choices[0].message is missing", resp.status());
        JsonNode content = message.path("content");
        String text;
        if (content.isTextual()) {
            text = content.textValue();
        } else if (content.isArray()) {
            text = Messages.text(content);
        } else if (content.isNull() || content.isMissingNode()) {
            text = message.path("refusal").isTextual() ? message.get("refusal").textValue() : "";
        } else {
            throw http.malformed("choices[0].message.content is neither text nor null", resp.status());
        }
        ArrayNode calls = Json.MAPPER.createArrayNode();
        JsonNode toolCalls = message.path("tool_calls");
        if (toolCalls.isArray()) {
            for (JsonNode tc : toolCalls) {
                JsonNode fn = tc.path("function");
                if (!fn.path("name").isTextual()) throw http.malformed("a tool call has no function name", resp.status());
                calls.addObject().put("name", fn.get("name").textValue()).set("arguments", Messages.arguments(fn.get("arguments")));
            }
        } else if (message.path("function_call").isObject()) { // legacy functions API
            JsonNode fn = message.get("function_call");
            calls.addObject().put("name", fn.path("name").asText()).set("arguments", Messages.arguments(fn.get("arguments")));
        }
        JsonNode usage = root.path("usage");
        return new ProviderResult(text, calls.isEmpty() ? null : calls,
                root.path("model").isTextual() ? root.get("model").textValue() : requestedModel,
                textOrNull(choice.path("finish_reason")),
                longOrNull(usage.path("prompt_tokens")), longOrNull(usage.path("completion_tokens")),
                textOrNull(root.path("system_fingerprint")), resp.latencyMs());
    }

    static String textOrNull(JsonNode n) {
        return n.isTextual() ? n.textValue() : null;
    }

    static Long longOrNull(JsonNode n) {
        return n.isNumber() ? n.longValue() : null;
    }

    @Override
    public String toString() {
        return "OpenAiProvider[" + endpoint + "]";
    }
}

package dev.loopgrid.core.otel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Maps one GenAI span to the body of {@code POST /v1/decisions}, in the shape the SDK wrappers record (so a replay
 * rebuilds the provider request): {@code prompt.messages} (OpenAI-style, system first) and {@code prompt.tools},
 * {@code input.message} (the last user text), {@code model} with the request parameters, {@code output.response} and
 * {@code output.tool_calls}, top-level {@code tool_calls}, and usage, response and trace ids in {@code metadata}.
 *
 * <p>Reads four shapes (docs/opentelemetry.md has the table):
 * <ol>
 *   <li>the GenAI semantic conventions v1.37+: {@code gen_ai.input.messages}, {@code gen_ai.output.messages},
 *       {@code gen_ai.system_instructions}, {@code gen_ai.tool.definitions} (JSON strings or structured values), also
 *       when carried by a {@code gen_ai.client.inference.operation.details} event;</li>
 *   <li>the older conventions' events: {@code gen_ai.system.message}, {@code gen_ai.user.message},
 *       {@code gen_ai.assistant.message}, {@code gen_ai.tool.message}, {@code gen_ai.choice}, and
 *       {@code gen_ai.content.prompt} / {@code gen_ai.content.completion};</li>
 *   <li>OpenLLMetry's flattened {@code gen_ai.prompt.N.*} / {@code gen_ai.completion.N.*} and
 *       {@code llm.request.functions.N.*};</li>
 *   <li>OpenInference's {@code llm.input_messages.N.message.*}, {@code llm.output_messages.N.message.*},
 *       {@code llm.tools.N.tool.json_schema}, {@code llm.invocation_parameters}.</li>
 * </ol>
 * Message content is optional (it is opt-in in most instrumentations): without it the decision holds the model, the
 * parameters, usage and ids, {@code input} and {@code output} are empty objects and {@code metadata.content_captured}
 * is false. The mapping is a pure function of the span: the same span always gives the same body.
 */
public final class GenAiMapper {
    /** Operations that are one model inference, and so one decision. */
    public static final Set<String> INFERENCE_OPERATIONS = Set.of("chat", "text_completion", "generate_content");
    static final String RECORDED_BY = "loopgrid-otlp";

    private GenAiMapper() {}

    /** What a span becomes. */
    public sealed interface Mapped permits Decision, Skipped {}

    /** A decision to record under {@code idempotencyKey}. */
    public record Decision(ObjectNode body, String idempotencyKey) implements Mapped {}

    /** Not a model inference: not recorded, counted. */
    public record Skipped(String reason) implements Mapped {}

    /**
     * The idempotency key of a span (54 visible ASCII chars), from which its decision's id derives: exporter retries of
     * the same span never record twice.
     */
    public static String idempotencyKey(String traceId, String spanId) {
        return "otel-" + traceId + "-" + spanId;
    }

    public static Mapped map(OtlpData.Span span) {
        Map<String, JsonNode> a = new LinkedHashMap<>(span.attributes());
        // the latest conventions may carry the content in an event that repeats the span's attributes
        for (OtlpData.Event e : span.events()) {
            if (e.name().equals("gen_ai.client.inference.operation.details")) {
                e.attributes().forEach(a::putIfAbsent);
            }
        }
        String convention;
        String operation = text(a, "gen_ai.operation.name");
        String oiKind = text(a, "openinference.span.kind");
        String llmType = text(a, "llm.request.type");
        if (operation != null) {
            if (!INFERENCE_OPERATIONS.contains(operation)) {
                return new Skipped("gen_ai.operation.name \"" + clip(operation) + "\" is not a model inference");
            }
            convention = hasPrefix(a, "gen_ai.prompt.") || hasPrefix(a, "gen_ai.completion.") ? "openllmetry" : "gen_ai";
        } else if (oiKind != null) {
            if (!oiKind.equalsIgnoreCase("LLM")) {
                return new Skipped("openinference.span.kind " + clip(oiKind) + " is not an LLM call");
            }
            convention = "openinference";
        } else if (llmType != null) {
            if (!llmType.equals("chat") && !llmType.equals("completion")) {
                return new Skipped("llm.request.type \"" + clip(llmType) + "\" is not a model inference");
            }
            // OpenLLMetry marks Anthropic's Messages API "completion"; its span is named "anthropic.chat"
            operation = llmType.equals("chat") || span.name().endsWith(".chat") ? "chat" : "text_completion";
            convention = "openllmetry";
        } else if ((a.containsKey("gen_ai.system") || a.containsKey("gen_ai.provider.name"))
                && (a.containsKey("gen_ai.request.model") || hasPrefix(a, "gen_ai.prompt."))) {
            convention = hasPrefix(a, "gen_ai.prompt.") ? "openllmetry" : "gen_ai";
        } else if (a.containsKey("llm.model_name") && hasPrefix(a, "llm.input_messages.")) {
            convention = "openinference";
        } else {
            return new Skipped("not a GenAI span");
        }
        if (operation == null) operation = "chat";
        if (span.traceId().length() != 32 || span.spanId().length() != 16 || span.traceId().matches("0+")
                || span.spanId().matches("0+")) {
            throw new IllegalArgumentException("a GenAI span needs a 16-byte trace id and an 8-byte span id");
        }

        ArrayNode messages = inputMessages(a, span.events());
        Output out = outputMessages(a, span.events());
        ArrayNode tools = tools(a);

        ObjectNode body = Json.object();
        body.put("service_name", serviceName(a, span.resource()));
        String type = text(a, "loopgrid.decision_type");
        if (type == null) type = text(span.resource(), "loopgrid.decision_type");
        body.put("decision_type", type != null ? type : operation);

        boolean captured = !messages.isEmpty() || out.captured;
        ObjectNode input = body.putObject("input");
        if (!messages.isEmpty()) input.put("message", lastUserText(messages));
        body.set("model", model(a));
        ObjectNode output = body.putObject("output");
        if (out.captured) {
            output.put("response", out.text.toString());
            if (!out.calls.isEmpty()) {
                ArrayNode oc = output.putArray("tool_calls");
                for (JsonNode c : out.calls) oc.addObject().put("name", c.path("name").asText()).set("arguments", c.get("arguments"));
            }
        }
        if (!messages.isEmpty() || !tools.isEmpty()) {
            ObjectNode prompt = body.putObject("prompt");
            if (!messages.isEmpty()) prompt.set("messages", messages);
            if (!tools.isEmpty()) prompt.set("tools", tools);
        }
        if (!out.calls.isEmpty()) body.set("tool_calls", out.calls);
        body.set("metadata", metadata(span, a, convention, captured, out));
        return new Decision(body, idempotencyKey(span.traceId(), span.spanId()));
    }

    // ------------------------------------------------------------------ service, model

    private static String serviceName(Map<String, JsonNode> a, Map<String, JsonNode> resource) {
        String s = text(a, "loopgrid.service_name");
        if (s == null) s = text(resource, "loopgrid.service_name");
        if (s == null) s = text(resource, "service.name");
        return s == null || s.isBlank() ? "unknown_service" : s;
    }

    private static ObjectNode model(Map<String, JsonNode> a) {
        ObjectNode m = Json.object();
        String provider = first(a, "gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system");
        m.put("provider", provider == null ? "unknown" : provider(provider));
        String name = first(a, "gen_ai.request.model", "llm.request.model", "llm.model_name", "gen_ai.response.model");
        m.put("name", name == null ? "unknown" : name);
        // OpenInference: the request's parameters as a JSON object
        JsonNode inv = parsed(a.get("llm.invocation_parameters"));
        if (inv != null && inv.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = inv.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (!NOT_PARAMETERS.contains(f.getKey()) && !f.getValue().isNull()) m.set(f.getKey(), f.getValue());
            }
        }
        param(m, a, "temperature", "gen_ai.request.temperature", "llm.temperature");
        param(m, a, "top_p", "gen_ai.request.top_p", "llm.top_p");
        param(m, a, "top_k", "gen_ai.request.top_k", "llm.top_k");
        param(m, a, "max_tokens", "gen_ai.request.max_tokens", "llm.request.max_tokens");
        param(m, a, "seed", "gen_ai.request.seed");
        param(m, a, "frequency_penalty", "gen_ai.request.frequency_penalty", "llm.frequency_penalty");
        param(m, a, "presence_penalty", "gen_ai.request.presence_penalty", "llm.presence_penalty");
        param(m, a, "stop_sequences", "gen_ai.request.stop_sequences", "llm.chat.stop_sequences");
        param(m, a, "n", "gen_ai.request.choice.count");
        param(m, a, "reasoning_effort", "gen_ai.request.reasoning_effort", "gen_ai.openai.request.reasoning_effort");
        param(m, a, "response_format", "gen_ai.openai.request.response_format");
        param(m, a, "service_tier", "gen_ai.openai.request.service_tier");
        return m;
    }

    /** Call arguments that are not model parameters (as in the SDK wrappers). */
    private static final Set<String> NOT_PARAMETERS = Set.of("messages", "model", "tools", "functions", "system",
            "stream", "stream_options", "extra_headers", "extra_query", "extra_body", "timeout", "metadata", "user",
            "input", "prompt");

    /** Well-known provider names as the replay providers know them ({@code openai}, {@code anthropic}, {@code bedrock}). */
    static String provider(String raw) {
        String p = raw.trim().toLowerCase(Locale.ROOT);
        return switch (p) {
            case "aws.bedrock", "aws_bedrock", "bedrock" -> "bedrock";
            default -> p;
        };
    }

    private static void param(ObjectNode m, Map<String, JsonNode> a, String name, String... keys) {
        for (String k : keys) {
            JsonNode v = a.get(k);
            if (v != null && !v.isNull()) {
                m.set(name, v);
                return;
            }
        }
    }

    // ------------------------------------------------------------------ input messages

    private static ArrayNode inputMessages(Map<String, JsonNode> a, List<OtlpData.Event> events) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        // 1. latest conventions: structured parts
        JsonNode system = parsed(a.get("gen_ai.system_instructions"));
        if (system != null) {
            String text = partsText(system.isArray() ? system : Json.MAPPER.createArrayNode().add(system));
            if (!text.isEmpty()) out.addObject().put("role", "system").put("content", text);
        }
        JsonNode input = parsed(a.get("gen_ai.input.messages"));
        if (input != null && input.isArray()) {
            for (JsonNode m : input) addPartsMessage(out, m);
            if (!out.isEmpty()) return systemFirst(out);
        }
        // 2. OpenLLMetry flattened
        List<JsonNode> flat = indexed(tree(a, "gen_ai.prompt."));
        if (!flat.isEmpty()) {
            for (JsonNode m : flat) addFlatMessage(out, m, false);
            return systemFirst(out);
        }
        // 3. OpenInference flattened
        List<JsonNode> oi = indexed(tree(a, "llm.input_messages."));
        if (!oi.isEmpty()) {
            for (JsonNode m : oi) addOpenInferenceMessage(out, m.path("message"));
            return systemFirst(out);
        }
        // 4. older conventions' events
        for (OtlpData.Event e : events) {
            String role = switch (e.name()) {
                case "gen_ai.system.message" -> "system";
                case "gen_ai.user.message" -> "user";
                case "gen_ai.assistant.message" -> "assistant";
                case "gen_ai.tool.message" -> "tool";
                default -> null;
            };
            if (role != null) {
                addEventMessage(out, role, eventFields(e));
            } else if (e.name().equals("gen_ai.content.prompt")) {
                JsonNode p = parsed(e.attributes().get("gen_ai.prompt"));
                if (p != null && p.isArray()) for (JsonNode m : p) if (m.isObject()) addEventMessage(out, m.path("role").asText("user"), m);
            }
        }
        return systemFirst(out);
    }

    /** A semconv message {role, parts: [...], name?} as OpenAI-style messages (tool responses as tool messages). */
    private static void addPartsMessage(ArrayNode out, JsonNode m) {
        if (!m.isObject()) return;
        String role = m.path("role").asText("user");
        JsonNode parts = m.path("parts");
        if (!parts.isArray()) {
            // tolerate the pre-1.37 shape {role, content}
            addEventMessage(out, role, m);
            return;
        }
        StringBuilder text = new StringBuilder();
        ArrayNode calls = Json.MAPPER.createArrayNode();
        for (JsonNode p : parts) {
            String type = p.path("type").asText("");
            switch (type) {
                case "text" -> text.append(p.path("content").asText(""));
                case "tool_call" -> calls.add(openAiCall(p.path("id"), p.path("name").asText(""), p.get("arguments")));
                case "tool_call_response" -> {
                    JsonNode r = p.has("response") ? p.get("response") : p.get("result");
                    ObjectNode t = out.addObject().put("role", "tool");
                    if (p.hasNonNull("id")) t.put("tool_call_id", p.get("id").asText());
                    t.put("content", r == null || r.isNull() ? "" : r.isTextual() ? r.textValue() : Json.write(r));
                }
                default -> { /* reasoning, blobs, files, uris: not replayable text */ }
            }
        }
        if (text.length() == 0 && calls.isEmpty() && role.equals("tool")) return; // only tool responses
        if (text.length() == 0 && calls.isEmpty() && hasToolResponses(parts)) return;
        ObjectNode msg = out.addObject().put("role", role);
        msg.put("content", text.toString());
        if (m.hasNonNull("name")) msg.put("name", m.get("name").asText());
        if (!calls.isEmpty()) msg.set("tool_calls", calls);
    }

    private static boolean hasToolResponses(JsonNode parts) {
        for (JsonNode p : parts) if (p.path("type").asText("").equals("tool_call_response")) return true;
        return false;
    }

    /** OpenLLMetry's {role, content, tool_calls: {0: {id, name, arguments}}, tool_call_id}. */
    private static void addFlatMessage(ArrayNode out, JsonNode m, boolean completion) {
        String role = m.path("role").asText(completion ? "assistant" : "user");
        ObjectNode msg = out.addObject().put("role", role);
        JsonNode content = m.get("content");
        msg.set("content", content(content));
        if (m.hasNonNull("tool_call_id")) msg.put("tool_call_id", m.get("tool_call_id").asText());
        ArrayNode calls = Json.MAPPER.createArrayNode();
        for (JsonNode c : indexed(m.path("tool_calls"))) {
            calls.add(openAiCall(c.path("id"), c.path("name").asText(""), c.get("arguments")));
        }
        if (!calls.isEmpty()) msg.set("tool_calls", calls);
    }

    /** OpenInference's message.{role, content, contents, tool_calls, tool_call_id, name}. */
    private static void addOpenInferenceMessage(ArrayNode out, JsonNode m) {
        if (!m.isObject()) return;
        ObjectNode msg = out.addObject().put("role", m.path("role").asText("user"));
        if (m.has("content")) {
            msg.set("content", content(m.get("content")));
        } else {
            StringBuilder sb = new StringBuilder();
            for (JsonNode c : indexed(m.path("contents"))) {
                JsonNode mc = c.path("message_content");
                if (mc.path("type").asText("text").equals("text")) sb.append(mc.path("text").asText(""));
            }
            msg.put("content", sb.toString());
        }
        if (m.hasNonNull("tool_call_id")) msg.put("tool_call_id", m.get("tool_call_id").asText());
        if (m.hasNonNull("name")) msg.put("name", m.get("name").asText());
        ArrayNode calls = Json.MAPPER.createArrayNode();
        for (JsonNode c : indexed(m.path("tool_calls"))) {
            JsonNode tc = c.path("tool_call");
            calls.add(openAiCall(tc.path("id"), tc.path("function").path("name").asText(""), tc.path("function").get("arguments")));
        }
        if (!calls.isEmpty()) msg.set("tool_calls", calls);
    }

    /** The older conventions' message events: {content, tool_calls: [{id, type, function: {name, arguments}}], id}. */
    private static void addEventMessage(ArrayNode out, String role, JsonNode fields) {
        ObjectNode msg = out.addObject().put("role", role);
        msg.set("content", content(fields.get("content")));
        if (role.equals("tool") && (fields.hasNonNull("id") || fields.hasNonNull("tool_call_id"))) {
            msg.put("tool_call_id", fields.hasNonNull("tool_call_id") ? fields.get("tool_call_id").asText() : fields.get("id").asText());
        }
        JsonNode tc = parsed(fields.get("tool_calls"));
        if (tc != null && tc.isArray() && !tc.isEmpty()) {
            ArrayNode calls = msg.putArray("tool_calls");
            for (JsonNode c : tc) {
                JsonNode fn = c.has("function") ? c.get("function") : c;
                calls.add(openAiCall(c.path("id"), fn.path("name").asText(""), fn.get("arguments")));
            }
        }
    }

    /** An event's fields: its body when it is an object (log records), else its attributes (span events). */
    private static JsonNode eventFields(OtlpData.Event e) {
        if (e.body() != null && e.body().isObject()) return e.body();
        ObjectNode o = Json.object();
        e.attributes().forEach(o::set);
        JsonNode ec = parsed(e.attributes().get("gen_ai.event.content"));
        if (ec != null && ec.isObject()) ec.properties().forEach(f -> o.set(f.getKey(), f.getValue()));
        return o;
    }

    private static ObjectNode openAiCall(JsonNode id, String name, JsonNode arguments) {
        ObjectNode c = Json.object();
        if (id != null && !id.isNull() && !id.isMissingNode()) c.put("id", id.asText());
        c.put("type", "function");
        ObjectNode fn = c.putObject("function").put("name", name);
        fn.put("arguments", arguments == null || arguments.isNull() ? "{}"
                : arguments.isTextual() ? arguments.textValue() : Json.write(arguments));
        return c;
    }

    /** Message content: a string as is; a JSON string of content blocks (Anthropic) as the blocks; else text. */
    private static JsonNode content(JsonNode c) {
        if (c == null || c.isNull() || c.isMissingNode()) return Json.MAPPER.getNodeFactory().textNode("");
        if (c.isTextual()) {
            String s = c.textValue().trim();
            if (s.startsWith("[{")) {
                JsonNode blocks = parsed(c);
                if (blocks != null && blocks.isArray() && blocks.size() > 0 && blocks.get(0).has("type")) return blocks;
            }
            return c;
        }
        if (c.isArray()) return c;
        return Json.MAPPER.getNodeFactory().textNode(Json.write(c));
    }

    private static ArrayNode systemFirst(ArrayNode messages) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (JsonNode m : messages) if (isSystem(m)) out.add(m);
        for (JsonNode m : messages) if (!isSystem(m)) out.add(m);
        return out;
    }

    private static boolean isSystem(JsonNode m) {
        String r = m.path("role").asText("");
        return r.equals("system") || r.equals("developer");
    }

    private static String lastUserText(ArrayNode messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode m = messages.get(i);
            if (m.path("role").asText("").equals("user")) return textOf(m.get("content"));
        }
        return "";
    }

    private static String textOf(JsonNode content) {
        if (content == null || content.isNull()) return "";
        if (content.isTextual()) return content.textValue();
        StringBuilder sb = new StringBuilder();
        if (content.isArray()) {
            for (JsonNode p : content) {
                if (p.isTextual()) sb.append(p.textValue());
                else if (p.path("text").isTextual()) sb.append(p.get("text").textValue());
                else if (p.path("type").asText("").equals("tool_result")) sb.append(textOf(p.get("content")));
            }
            return sb.toString();
        }
        return Json.write(content);
    }

    private static String partsText(JsonNode parts) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode p : parts) {
            if (p.isTextual()) sb.append(p.textValue());
            else if (p.path("type").asText("text").equals("text")) sb.append(p.path("content").asText(""));
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ output

    private static final class Output {
        boolean captured;
        final StringBuilder text = new StringBuilder();
        /** [{id, name, arguments (parsed)}] */
        final ArrayNode calls = Json.MAPPER.createArrayNode();
        final List<String> finishReasons = new ArrayList<>();

        void text(JsonNode content) {
            captured = true;
            text.append(textOf(content));
        }

        void call(JsonNode id, String name, JsonNode arguments) {
            captured = true;
            ObjectNode c = calls.addObject();
            if (id != null && !id.isNull() && !id.isMissingNode()) c.put("id", id.asText());
            c.put("name", name);
            c.set("arguments", arguments(arguments));
        }

        void finish(JsonNode reason) {
            if (reason != null && reason.isTextual() && !reason.textValue().isEmpty()) finishReasons.add(reason.textValue());
        }
    }

    /** Only the first choice is the decision (as the SDK wrappers record it). */
    private static Output outputMessages(Map<String, JsonNode> a, List<OtlpData.Event> events) {
        Output o = new Output();
        JsonNode output = parsed(a.get("gen_ai.output.messages"));
        if (output != null && output.isArray() && !output.isEmpty()) {
            JsonNode m = output.get(0);
            if (m.path("parts").isArray()) {
                o.captured = true;
                for (JsonNode p : m.get("parts")) {
                    switch (p.path("type").asText("")) {
                        case "text" -> o.text(p.get("content"));
                        case "tool_call" -> o.call(p.get("id"), p.path("name").asText(""), p.get("arguments"));
                        default -> { }
                    }
                }
            } else {
                eventOutput(o, m);
            }
            for (JsonNode each : output) o.finish(each.get("finish_reason"));
            return o;
        }
        List<JsonNode> flat = indexed(tree(a, "gen_ai.completion."));
        if (!flat.isEmpty()) {
            JsonNode m = flat.get(0);
            if (m.has("content")) o.text(m.get("content"));
            for (JsonNode c : indexed(m.path("tool_calls"))) o.call(c.get("id"), c.path("name").asText(""), c.get("arguments"));
            if (m.path("function_call").has("name")) {
                o.call(null, m.path("function_call").path("name").asText(), m.path("function_call").get("arguments"));
            }
            if (!o.captured && m.size() > 0) o.captured = true;
            for (JsonNode each : flat) o.finish(each.get("finish_reason"));
            return o;
        }
        List<JsonNode> oi = indexed(tree(a, "llm.output_messages."));
        if (!oi.isEmpty()) {
            JsonNode m = oi.get(0).path("message");
            if (m.has("content")) o.text(m.get("content"));
            for (JsonNode c : indexed(m.path("contents"))) {
                JsonNode mc = c.path("message_content");
                if (mc.path("type").asText("text").equals("text")) o.text(mc.get("text"));
            }
            for (JsonNode c : indexed(m.path("tool_calls"))) {
                JsonNode tc = c.path("tool_call");
                o.call(tc.get("id"), tc.path("function").path("name").asText(""), tc.path("function").get("arguments"));
            }
            o.captured = true;
            return o;
        }
        for (OtlpData.Event e : events) {
            if (e.name().equals("gen_ai.choice")) {
                JsonNode f = eventFields(e);
                JsonNode index = f.get("index");
                if (index != null && index.asInt(0) != 0) continue;
                JsonNode msg = parsed(f.get("message"));
                eventOutput(o, msg != null && msg.isObject() ? msg : f);
                o.finish(f.get("finish_reason"));
            } else if (e.name().equals("gen_ai.content.completion")) {
                JsonNode c = parsed(e.attributes().get("gen_ai.completion"));
                if (c != null && c.isArray() && !c.isEmpty()) eventOutput(o, c.get(0));
                else if (c != null && c.isTextual()) o.text(c);
            }
        }
        return o;
    }

    private static void eventOutput(Output o, JsonNode m) {
        o.captured = true;
        if (m.has("content")) o.text(m.get("content"));
        JsonNode tc = parsed(m.get("tool_calls"));
        if (tc != null && tc.isArray()) {
            for (JsonNode c : tc) {
                JsonNode fn = c.has("function") ? c.get("function") : c;
                o.call(c.get("id"), fn.path("name").asText(""), fn.get("arguments"));
            }
        }
    }

    /** Tool-call arguments as a JSON value when they parse (as the SDK wrappers record them), else the string. */
    private static JsonNode arguments(JsonNode raw) {
        if (raw == null || raw.isNull() || raw.isMissingNode()) return Json.object();
        if (!raw.isTextual()) return raw;
        if (raw.textValue().isBlank()) return Json.object();
        JsonNode p = parsed(raw);
        return p == null || p.isTextual() ? raw : p;
    }

    // ------------------------------------------------------------------ tools

    private static ArrayNode tools(Map<String, JsonNode> a) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        JsonNode defs = parsed(a.get("gen_ai.tool.definitions"));
        if (defs != null && defs.isArray()) {
            for (JsonNode d : defs) if (d.isObject()) out.add(d);
            if (!out.isEmpty()) return out;
        }
        for (JsonNode f : indexed(tree(a, "llm.request.functions."))) {
            ObjectNode fn = Json.object().put("name", f.path("name").asText(""));
            if (f.hasNonNull("description")) fn.set("description", f.get("description"));
            JsonNode params = parsed(f.get("parameters"));
            fn.set("parameters", params != null && params.isObject() ? params : Json.object().put("type", "object"));
            out.addObject().put("type", "function").set("function", fn);
        }
        if (!out.isEmpty()) return out;
        for (JsonNode t : indexed(tree(a, "llm.tools."))) {
            JsonNode schema = parsed(t.path("tool").get("json_schema"));
            if (schema != null && schema.isObject()) out.add(schema);
        }
        return out;
    }

    // ------------------------------------------------------------------ metadata

    private static ObjectNode metadata(OtlpData.Span s, Map<String, JsonNode> a, String convention, boolean captured,
                                       Output out) {
        ObjectNode m = Json.object();
        ObjectNode tokens = Json.object();
        setNumber(tokens, "input", a, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt");
        setNumber(tokens, "output", a, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion");
        setNumber(tokens, "total", a, "llm.usage.total_tokens", "gen_ai.usage.total_tokens", "llm.token_count.total");
        setNumber(tokens, "cache_read_input", a, "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens");
        setNumber(tokens, "cache_creation_input", a, "gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens");
        setNumber(tokens, "reasoning_output", a, "gen_ai.usage.reasoning.output_tokens");
        if (!tokens.has("total") && tokens.path("input").canConvertToLong() && tokens.path("output").canConvertToLong()
                && tokens.has("input") && tokens.has("output")) {
            tokens.put("total", tokens.get("input").asLong() + tokens.get("output").asLong());
        }
        if (!tokens.isEmpty()) m.set("tokens", tokens);
        List<String> reasons = new ArrayList<>(out.finishReasons);
        JsonNode fr = a.get("gen_ai.response.finish_reasons");
        if (reasons.isEmpty() && fr != null) {
            JsonNode p = parsed(fr);
            if (p != null && p.isArray()) for (JsonNode r : p) if (r.isTextual()) reasons.add(r.textValue());
            if (p != null && p.isTextual()) reasons.add(p.textValue());
        }
        if (!reasons.isEmpty()) m.put("finish_reason", reasons.get(0));
        String responseId = first(a, "gen_ai.response.id");
        if (responseId != null) m.put("response_id", responseId);
        String responseModel = first(a, "gen_ai.response.model", "llm.response.model");
        if (responseModel != null) m.put("response_model", responseModel);
        String fingerprint = first(a, "gen_ai.openai.response.system_fingerprint", "gen_ai.openai.system_fingerprint");
        if (fingerprint != null) m.put("system_fingerprint", fingerprint);
        if (s.endUnixNano() > 0 && s.startUnixNano() > 0 && s.endUnixNano() >= s.startUnixNano()) {
            m.put("latency_ms", (s.endUnixNano() - s.startUnixNano()) / 1_000_000);
        }
        JsonNode stream = a.get("gen_ai.request.stream");
        if (stream == null) stream = a.get("llm.is_streaming");
        if (stream != null && stream.asBoolean(false)) m.put("streamed", true);
        String conversation = first(a, "gen_ai.conversation.id", "session.id");
        if (conversation != null) m.put("conversation_id", conversation);
        if (!captured) m.put("content_captured", false);
        String error = first(a, "error.type");
        if (error != null || s.status() == 2) {
            ObjectNode e = m.putObject("error");
            if (error != null) e.put("type", error);
            if (!s.statusMessage().isEmpty()) e.put("message", s.statusMessage());
        }
        m.put("recorded_by", RECORDED_BY);
        ObjectNode otel = m.putObject("otel");
        otel.put("trace_id", s.traceId());
        otel.put("span_id", s.spanId());
        if (!s.parentSpanId().isEmpty()) otel.put("parent_span_id", s.parentSpanId());
        if (!s.name().isEmpty()) otel.put("span_name", s.name());
        if (s.startUnixNano() > 0) otel.put("start_time", time(s.startUnixNano()));
        if (s.endUnixNano() > 0) otel.put("end_time", time(s.endUnixNano()));
        otel.put("convention", convention);
        String provider = first(a, "gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system");
        if (provider != null) otel.put("provider_name", provider);
        if (!s.scope().isEmpty()) otel.put("scope", s.scope() + (s.scopeVersion().isEmpty() ? "" : "@" + s.scopeVersion()));
        String version = text(s.resource(), "service.version");
        if (version != null) otel.put("service_version", version);
        return m;
    }

    private static String time(long unixNano) {
        return Instant.ofEpochSecond(Math.floorDiv(unixNano, 1_000_000_000L), Math.floorMod(unixNano, 1_000_000_000L)).toString();
    }

    private static void setNumber(ObjectNode o, String name, Map<String, JsonNode> a, String... keys) {
        for (String k : keys) {
            JsonNode v = a.get(k);
            if (v != null && v.isNumber()) {
                o.set(name, v);
                return;
            }
            if (v != null && v.isTextual() && v.textValue().matches("\\d{1,18}")) {
                o.put(name, Long.parseLong(v.textValue()));
                return;
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Flattened attributes under {@code prefix} as a tree: {@code gen_ai.prompt.0.tool_calls.1.name} becomes
     * {@code {"0": {"tool_calls": {"1": {"name": …}}}}} (the key after the prefix split on dots, numbers kept as keys).
     */
    static ObjectNode tree(Map<String, JsonNode> a, String prefix) {
        ObjectNode root = Json.object();
        for (Map.Entry<String, JsonNode> e : a.entrySet()) {
            if (!e.getKey().startsWith(prefix)) continue;
            String[] path = e.getKey().substring(prefix.length()).split("\\.");
            ObjectNode at = root;
            for (int i = 0; i < path.length - 1; i++) {
                JsonNode next = at.get(path[i]);
                if (!(next instanceof ObjectNode)) {
                    next = Json.object();
                    at.set(path[i], next);
                }
                at = (ObjectNode) next;
            }
            if (!(at.get(path[path.length - 1]) instanceof ObjectNode)) at.set(path[path.length - 1], e.getValue());
        }
        return root;
    }

    /** The members of {@code node} whose names are non-negative integers, in numeric order. */
    static List<JsonNode> indexed(JsonNode node) {
        TreeMap<Integer, JsonNode> byIndex = new TreeMap<>();
        if (node != null && node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().matches("\\d{1,6}")) byIndex.put(Integer.parseInt(e.getKey()), e.getValue());
            }
        } else if (node != null && node.isArray()) {
            for (int i = 0; i < node.size(); i++) byIndex.put(i, node.get(i));
        }
        return new ArrayList<>(byIndex.values());
    }

    /** A value that may be a JSON document in a string (how most instrumentations send structured attributes). */
    static JsonNode parsed(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) return null;
        if (!v.isTextual()) return v;
        String s = v.textValue().trim();
        if (s.isEmpty() || (s.charAt(0) != '[' && s.charAt(0) != '{')) return v;
        try {
            JsonNode p = Json.MAPPER.readTree(s);
            return p == null || p.isMissingNode() ? v : p;
        } catch (java.io.IOException | RuntimeException e) {
            return v;
        }
    }

    private static boolean hasPrefix(Map<String, JsonNode> a, String prefix) {
        for (String k : a.keySet()) if (k.startsWith(prefix)) return true;
        return false;
    }

    private static String text(Map<String, JsonNode> a, String key) {
        JsonNode v = a.get(key);
        return v != null && v.isTextual() && !v.textValue().isEmpty() ? v.textValue() : null;
    }

    private static String first(Map<String, JsonNode> a, String... keys) {
        for (String k : keys) {
            String v = text(a, k);
            if (v != null) return v;
        }
        return null;
    }

    private static String clip(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "…";
    }
}

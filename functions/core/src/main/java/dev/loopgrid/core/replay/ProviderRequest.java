package dev.loopgrid.core.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * A provider-neutral chat request rebuilt faithfully from a (merged) decision:
 * {@code prompt.messages} verbatim when recorded; otherwise {@code prompt.text} (or {@code prompt.system},
 * or {@code prompt.template}) as the system message and {@code input.message} (or the whole input as JSON)
 * as the user message. Model parameters are every member of {@code model} other than provider and name.
 * Tool definitions are taken from {@code prompt.tools}, {@code model.tools} or {@code metadata.tools}; when
 * none was recorded but the decision made {@code tool_calls}, minimal definitions are derived from their
 * names so the replayed model can still call them.
 *
 * @param messages   [{"role": "system"|"user"|"assistant"|…, "content": …}, …]
 * @param parameters e.g. temperature, max_tokens, top_p
 * @param tools      [{"name", "description", "parameters" (JSON schema)}] or empty
 */
public record ProviderRequest(String provider, String model, ArrayNode messages, ObjectNode parameters,
                              ArrayNode tools) {

    private static final String[] TOOL_PLACES = {"prompt", "model", "metadata"};

    public static ProviderRequest from(JsonNode effective) {
        JsonNode model = effective.path("model");
        String provider = model.path("provider").asText("").toLowerCase(Locale.ROOT);
        String name = model.path("name").asText(model.path("model").asText(""));
        ObjectNode params = Json.object();
        for (Iterator<Map.Entry<String, JsonNode>> it = model.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getKey().equals("provider") && !f.getKey().equals("name") && !f.getKey().equals("model")
                    && !f.getKey().equals("tools")) {
                params.set(f.getKey(), f.getValue());
            }
        }
        JsonNode prompt = effective.path("prompt");
        ArrayNode messages = Json.MAPPER.createArrayNode();
        if (prompt.path("messages").isArray() && !prompt.path("messages").isEmpty()) {
            messages.addAll((ArrayNode) prompt.get("messages").deepCopy());
        } else {
            String system = firstText(prompt, "text", "system", "template");
            if (system != null) messages.addObject().put("role", "system").put("content", system);
            JsonNode input = effective.path("input");
            String user = input.path("message").isTextual() ? input.get("message").textValue() : Json.write(input);
            messages.addObject().put("role", "user").put("content", user);
        }
        ArrayNode tools = Json.MAPPER.createArrayNode();
        for (String place : TOOL_PLACES) {
            JsonNode t = effective.path(place).path("tools");
            if (t.isArray() && !t.isEmpty()) {
                for (JsonNode tool : t) tools.add(normaliseTool(tool));
                break;
            }
        }
        JsonNode calls = effective.path("tool_calls");
        if (tools.isEmpty() && calls.isArray()) {
            java.util.Set<String> seen = new java.util.TreeSet<>();
            for (JsonNode c : calls) {
                String n = c.path("name").asText(c.path("function").path("name").asText(""));
                if (!n.isEmpty() && seen.add(n)) {
                    ObjectNode tool = tools.addObject();
                    tool.put("name", n);
                    tool.put("description", "Tool recorded in the original decision's tool_calls");
                    tool.putObject("parameters").put("type", "object");
                }
            }
        }
        return new ProviderRequest(provider, name, messages, params, tools);
    }

    /** Accepts OpenAI-style {"type":"function","function":{…}} and Anthropic-style {"name","input_schema"} tools. */
    private static ObjectNode normaliseTool(JsonNode tool) {
        JsonNode fn = tool.has("function") ? tool.get("function") : tool;
        ObjectNode out = Json.object();
        out.put("name", fn.path("name").asText(""));
        if (fn.has("description")) out.set("description", fn.get("description"));
        JsonNode schema = fn.has("parameters") ? fn.get("parameters") : fn.get("input_schema");
        out.set("parameters", schema == null ? Json.object().put("type", "object") : schema);
        return out;
    }

    private static String firstText(JsonNode node, String... names) {
        for (String n : names) {
            if (node.path(n).isTextual()) return node.get(n).textValue();
        }
        return null;
    }

    /** The system message text, if the first message is a system message. */
    public String systemText() {
        if (!messages.isEmpty() && "system".equals(messages.get(0).path("role").asText())) {
            JsonNode c = messages.get(0).get("content");
            return c.isTextual() ? c.textValue() : Json.write(c);
        }
        return null;
    }
}

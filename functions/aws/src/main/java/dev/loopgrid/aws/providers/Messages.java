package dev.loopgrid.aws.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import java.io.IOException;
import java.util.Locale;

/** Helpers shared by the providers: message text, recorded parameter aliases, tool-call arguments. */
final class Messages {
    private Messages() {}

    /** The lower-cased role of a recorded message ({@code user} when absent). */
    static String role(JsonNode message) {
        return message.path("role").asText("user").toLowerCase(Locale.ROOT);
    }

    /** True for the roles that carry system instructions. */
    static boolean isSystem(String role) {
        return role.equals("system") || role.equals("developer");
    }

    /**
     * The text of a message's content: a string as is; an array of parts ({@code {"type":"text","text":…}},
     * OpenAI or Anthropic style) joined; null/missing as empty; anything else as JSON.
     */
    static String text(JsonNode content) {
        if (content == null || content.isNull() || content.isMissingNode()) return "";
        if (content.isTextual()) return content.textValue();
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : content) {
                if (part.isTextual()) sb.append(part.textValue());
                else if (part.path("text").isTextual()) sb.append(part.get("text").textValue());
            }
            return sb.toString();
        }
        return Json.write(content);
    }

    /** The first recorded parameter among {@code names}, or null. */
    static JsonNode param(ObjectNode params, String... names) {
        for (String n : names) {
            JsonNode v = params.get(n);
            if (v != null && !v.isNull()) return v;
        }
        return null;
    }

    static JsonNode maxTokens(ObjectNode params) {
        return param(params, "max_tokens", "maxTokens", "max_output_tokens", "max_completion_tokens",
                "max_tokens_to_sample");
    }

    static JsonNode topP(ObjectNode params) {
        return param(params, "top_p", "topP");
    }

    /** Recorded stop sequences ({@code stop}, {@code stop_sequences}, {@code stopSequences}) as an array, or null. */
    static ArrayNode stopSequences(ObjectNode params) {
        JsonNode v = param(params, "stop", "stop_sequences", "stopSequences");
        if (v == null) return null;
        ArrayNode out = Json.MAPPER.createArrayNode();
        if (v.isArray()) {
            for (JsonNode s : v) if (s.isTextual()) out.add(s.textValue());
        } else if (v.isTextual()) {
            out.add(v.textValue());
        }
        return out.isEmpty() ? null : out;
    }

    /** Tool-call arguments as a JSON value when they parse, else the string as given. */
    static JsonNode arguments(JsonNode raw) {
        if (raw == null || raw.isNull() || raw.isMissingNode()) return Json.object();
        if (!raw.isTextual()) return raw;
        String s = raw.textValue();
        if (s.isBlank()) return Json.object();
        try {
            JsonNode parsed = Json.MAPPER.readTree(s);
            return parsed == null || parsed.isMissingNode() ? raw : parsed;
        } catch (IOException | RuntimeException e) {
            return raw;
        }
    }
}

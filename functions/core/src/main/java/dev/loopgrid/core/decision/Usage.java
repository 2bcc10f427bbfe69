package dev.loopgrid.core.decision;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Latency and token usage of one decision, normalised at record time from its {@code metadata} as the SDK wrappers
 * write it ({@code latency_ms}, {@code tokens: {input, output, total}}), also accepting the providers' own usage
 * shapes ({@code usage: {prompt_tokens, completion_tokens, total_tokens}} or {@code {input_tokens, output_tokens}},
 * and the same names directly in {@code metadata}) and {@code tokens} as a bare number (a total). Anything else is
 * ignored: usage never makes a decision invalid. Values are non-negative whole numbers (fractions dropped).
 *
 * @param latencyMs    milliseconds the model call took, or null
 * @param inputTokens  prompt tokens, or null
 * @param outputTokens completion tokens, or null
 * @param totalTokens  total tokens when neither input nor output is known, else null
 */
public record Usage(Long latencyMs, Long inputTokens, Long outputTokens, Long totalTokens) {
    public static final Usage NONE = new Usage(null, null, null, null);

    /** Usage read from a decision's {@code metadata} (null or not an object: none). */
    public static Usage of(JsonNode metadata) {
        if (metadata == null || !metadata.isObject()) return NONE;
        Long latency = count(metadata.get("latency_ms"));
        Long in = null;
        Long out = null;
        Long total = null;
        JsonNode tokens = metadata.get("tokens");
        if (tokens != null && tokens.isNumber()) {
            total = count(tokens);
        } else {
            for (JsonNode src : new JsonNode[] {tokens, metadata.get("usage"), metadata}) {
                if (src == null || !src.isObject()) continue;
                if (in == null) in = first(src, "input", "input_tokens", "prompt_tokens", "prompt");
                if (out == null) out = first(src, "output", "output_tokens", "completion_tokens", "completion");
                if (total == null) total = first(src, "total", "total_tokens");
            }
        }
        if (in != null || out != null) total = null;
        return new Usage(latency, in, out, total);
    }

    /** Whether any token count is known. */
    public boolean hasTokens() {
        return inputTokens != null || outputTokens != null || totalTokens != null;
    }

    private static Long first(JsonNode o, String... names) {
        for (String n : names) {
            Long v = count(o.get(n));
            if (v != null) return v;
        }
        return null;
    }

    private static Long count(JsonNode n) {
        if (n == null || !n.isNumber()) return null;
        double d = n.asDouble();
        if (!(d >= 0) || Double.isInfinite(d) || d > 1e15) return null;
        return (long) Math.floor(d);
    }
}

package dev.loopgrid.core.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.Json;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prices per model, to turn the token counters into cost. Configured as JSON (environment variable
 * {@code LOOPGRID_PRICES}, or a file named by {@code LOOPGRID_PRICES_FILE}):
 * <pre>{"currency": "USD", "models": {"openai/gpt-4o": {"input_per_million": 2.5, "output_per_million": 10}}}</pre>
 * keyed by the model label decisions are counted under ({@code provider/name}). Empty by default: then every cost is
 * unknown, never a guess.
 */
public record PriceTable(String currency, Map<String, Price> models) {

    /** Price per million input and output tokens. */
    public record Price(double inputPerMillion, double outputPerMillion) {}

    public static final PriceTable EMPTY = new PriceTable("USD", Map.of());

    public PriceTable {
        models = Collections.unmodifiableMap(new TreeMap<>(models));
    }

    /**
     * Parses the JSON form.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static PriceTable parse(String json) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException("price table is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("price table must be a JSON object");
        JsonNode cur = root.get("currency");
        if (cur != null && !cur.isTextual()) throw new IllegalArgumentException("price table: currency must be a string");
        JsonNode models = root.get("models");
        if (models == null || !models.isObject()) throw new IllegalArgumentException("price table: models must be an object");
        Map<String, Price> out = new TreeMap<>();
        for (Map.Entry<String, JsonNode> m : models.properties()) {
            JsonNode p = m.getValue();
            double in = price(p, "input_per_million", m.getKey());
            double o = price(p, "output_per_million", m.getKey());
            out.put(m.getKey(), new Price(in, o));
        }
        return new PriceTable(cur == null ? "USD" : cur.textValue(), out);
    }

    private static double price(JsonNode p, String field, String model) {
        JsonNode v = p == null ? null : p.get(field);
        if (v == null || !v.isNumber() || !(v.asDouble() >= 0) || Double.isInfinite(v.asDouble())) {
            throw new IllegalArgumentException("price table: models." + model + "." + field + " must be a number >= 0");
        }
        return v.asDouble();
    }

    /**
     * The cost of a model's token counters, or null when it is unknown: no price for the model, or some of its
     * decisions reported only a total (which cannot be split into input and output).
     */
    public Double cost(String model, LedgerStats.ModelUsage u) {
        Price p = models.get(model);
        if (p == null || u.tokensTotal() > 0) return null;
        double c = u.tokensIn() * p.inputPerMillion() / 1e6 + u.tokensOut() * p.outputPerMillion() / 1e6;
        return Math.round(c * 1e6) / 1e6;
    }
}

package dev.loopgrid.core.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.LedgerException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Replay overrides and how they merge into the recorded decision: {@code model} and {@code prompt} merge
 * key by key (an override key replaces the recorded one, {@code null} removes it), {@code input} replaces
 * the recorded input whole.
 */
public final class Overrides {
    private Overrides() {}

    /** Validates an {@code overrides} value (null or an object with optional object members prompt/model/input). */
    public static ObjectNode validate(JsonNode overrides) {
        if (overrides == null || overrides.isNull()) return null;
        List<LedgerException.FieldError> errors = new ArrayList<>();
        if (!overrides.isObject()) {
            throw new LedgerException.Invalid(List.of(new LedgerException.FieldError("overrides", "must be an object")));
        }
        for (Map.Entry<String, JsonNode> f : iterable(overrides)) {
            String k = f.getKey();
            if (!k.equals("prompt") && !k.equals("model") && !k.equals("input")) {
                errors.add(new LedgerException.FieldError("overrides." + k, "is not overridable (prompt, model, input are)"));
            } else if (!f.getValue().isObject() && !f.getValue().isNull()) {
                errors.add(new LedgerException.FieldError("overrides." + k, "must be an object"));
            }
        }
        JsonNode model = overrides.get("model");
        if (model != null && model.isObject()) {
            for (String f : new String[] {"provider", "name"}) {
                JsonNode v = model.get(f);
                if (v != null && !v.isNull() && !v.isTextual()) {
                    errors.add(new LedgerException.FieldError("overrides.model." + f, "must be a string"));
                }
            }
        }
        if (!errors.isEmpty()) throw new LedgerException.Invalid(errors);
        return (ObjectNode) overrides;
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode n) {
        return n.properties();
    }

    /**
     * The effective decision content after overrides: a copy of {@code content} with prompt and model merged
     * and input replaced.
     */
    public static ObjectNode apply(JsonNode content, JsonNode overrides) {
        ObjectNode effective = content.deepCopy();
        if (overrides == null || overrides.isNull()) return effective;
        for (String k : new String[] {"prompt", "model"}) {
            JsonNode o = overrides.get(k);
            if (o == null || o.isNull()) continue;
            JsonNode base = effective.get(k);
            ObjectNode merged = base != null && base.isObject() ? ((ObjectNode) base).deepCopy() : Json.object();
            o.properties().forEach(f -> {
                if (f.getValue().isNull()) merged.remove(f.getKey());
                else merged.set(f.getKey(), f.getValue());
            });
            effective.set(k, merged);
        }
        JsonNode input = overrides.get("input");
        if (input != null && !input.isNull()) effective.set("input", input);
        return effective;
    }

    /** True when the effective prompt, model or input differ from the recorded ones. */
    public static boolean changesSomething(JsonNode content, JsonNode effective) {
        for (String k : new String[] {"prompt", "model", "input"}) {
            if (!JsonDiff.diff(nullToMissing(content.get(k)), nullToMissing(effective.get(k))).isEmpty()) return true;
        }
        return false;
    }

    private static JsonNode nullToMissing(JsonNode n) {
        return n == null || n.isNull() ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : n;
    }
}

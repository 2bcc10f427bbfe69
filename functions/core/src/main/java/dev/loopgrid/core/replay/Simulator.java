package dev.loopgrid.core.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * Simulation mode, used when the effective provider is not configured. Deterministic:
 * <ul>
 *   <li>no effective change of prompt, model or input → the recorded output, unchanged;</li>
 *   <li>otherwise → the recorded output with {@code response} replaced by
 *       {@code "[simulated] <recorded response> (replayed with changed <parts>; fingerprint <12 hex>)"}
 *       and {@code "simulated": true} added, where the fingerprint is the first 12 hex digits of the SHA-256
 *       of the canonical effective {prompt, model, input}. The same replay always simulates the same output.</li>
 * </ul>
 */
public final class Simulator {
    private Simulator() {}

    public static JsonNode simulate(JsonNode recordedContent, JsonNode effective) {
        JsonNode recordedOutput = recordedContent.path("output");
        List<String> changed = new ArrayList<>();
        for (String part : new String[] {"prompt", "model", "input"}) {
            if (!JsonDiff.diff(missingIfNull(recordedContent.get(part)), missingIfNull(effective.get(part))).isEmpty()) {
                changed.add(part);
            }
        }
        if (changed.isEmpty()) return recordedOutput.deepCopy();
        ObjectNode basis = Json.object();
        basis.set("prompt", effective.path("prompt").isMissingNode() ? basis.nullNode() : effective.get("prompt"));
        basis.set("model", effective.get("model"));
        basis.set("input", effective.get("input"));
        String fingerprint = Canonical.sha256Hex(Canonical.canonicalize(basis)).substring(0, 12);
        ObjectNode out = recordedOutput.isObject() ? ((ObjectNode) recordedOutput).deepCopy() : Json.object();
        String recorded = recordedOutput.path("response").isTextual() ? recordedOutput.get("response").textValue()
                : recordedOutput.isObject() && recordedOutput.has("response") ? Json.write(recordedOutput.get("response"))
                : "";
        out.put("response", "[simulated] " + recorded + " (replayed with changed " + String.join(", ", changed)
                + "; fingerprint " + fingerprint + ")");
        out.put("simulated", true);
        return out;
    }

    private static JsonNode missingIfNull(JsonNode n) {
        return n == null || n.isNull() ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : n;
    }
}

package dev.loopgrid.core;

import dev.loopgrid.core.ledger.LedgerException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one JSON configuration of LoopGrid. Duplicate keys are rejected (they would make the hashed
 * content ambiguous), numbers keep full precision while parsing, nesting depth is bounded.
 */
public final class Json {
    /** Deepest nesting accepted in a request body. */
    public static final int MAX_DEPTH = 64;

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH)
                .maxStringLength(8 * 1024 * 1024)
                .maxNumberLength(1000)
                .build());
    }

    private Json() {}

    /** Parses text as JSON; malformed input becomes a {@link LedgerException.Malformed}. */
    public static JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            throw new LedgerException.Malformed("Request body is empty; a JSON object is required");
        }
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new LedgerException.Malformed("Request body is empty; a JSON object is required");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new LedgerException.Malformed("Malformed JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null
                        ? " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"
                        : ""));
        }
    }

    /** Parses JSON text that LoopGrid itself stored (canonical text); failure is a bug, not client input. */
    public static JsonNode parseStored(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON does not parse", e);
        }
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass(), e);
        }
    }
}

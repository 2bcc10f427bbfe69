package dev.loopgrid.core.otel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The neutral form the GenAI mapping reads, built from OTLP spans or log records: ids as lower-case hex, attributes
 * as JSON values (string, boolean, integer, double, array, object; bytes as base64 text), events in order.
 */
public final class OtlpData {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private OtlpData() {}

    /** One span event (or, from /v1/logs, one event record). */
    public record Event(String name, long timeUnixNano, Map<String, JsonNode> attributes, JsonNode body) {}

    /**
     * One span (or one log record standing for the span it names).
     *
     * @param kind     span kind number (0 for log records)
     * @param status   0 unset, 1 ok, 2 error
     * @param resource the resource's attributes
     * @param scope    instrumentation scope name, or ""
     */
    public record Span(String traceId, String spanId, String parentSpanId, String name, int kind, long startUnixNano,
                       long endUnixNano, int status, String statusMessage, Map<String, JsonNode> attributes,
                       List<Event> events, Map<String, JsonNode> resource, String scope, String scopeVersion) {}

    public static String hex(ByteString b) {
        StringBuilder sb = new StringBuilder(b.size() * 2);
        for (int i = 0; i < b.size(); i++) {
            int v = b.byteAt(i) & 0xff;
            sb.append(Character.forDigit(v >> 4, 16)).append(Character.forDigit(v & 0xf, 16));
        }
        return sb.toString();
    }

    /** Attributes in order; a repeated key keeps its last value. */
    public static Map<String, JsonNode> attributes(List<KeyValue> kvs) {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        for (KeyValue kv : kvs) m.put(kv.getKey(), json(kv.getValue()));
        return m;
    }

    /** An OTLP AnyValue as JSON; an empty value is JSON null. */
    public static JsonNode json(AnyValue v) {
        switch (v.getValueCase()) {
            case STRING_VALUE: return F.textNode(v.getStringValue());
            case BOOL_VALUE: return F.booleanNode(v.getBoolValue());
            case INT_VALUE: return F.numberNode(v.getIntValue());
            case DOUBLE_VALUE: {
                double d = v.getDoubleValue();
                // JSON (and RFC 8785) has no NaN or infinities
                return Double.isFinite(d) ? F.numberNode(d) : F.textNode(Double.toString(d));
            }
            case ARRAY_VALUE: {
                ArrayNode a = F.arrayNode();
                for (AnyValue e : v.getArrayValue().getValuesList()) a.add(json(e));
                return a;
            }
            case KVLIST_VALUE: {
                ObjectNode o = F.objectNode();
                for (KeyValue kv : v.getKvlistValue().getValuesList()) o.set(kv.getKey(), json(kv.getValue()));
                return o;
            }
            case BYTES_VALUE: return F.textNode(Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray()));
            default: return F.nullNode();
        }
    }
}

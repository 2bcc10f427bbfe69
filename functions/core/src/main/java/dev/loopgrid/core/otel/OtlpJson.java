package dev.loopgrid.core.otel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.LedgerException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads OTLP's JSON encoding into the official protobuf messages ({@code io.opentelemetry.proto}), driven by their
 * descriptors: every field is found by its descriptor, never by a hand-written list of OTLP fields.
 *
 * <p>OTLP/JSON is protobuf's JSON mapping with the deviations of the OTLP specification
 * (opentelemetry-proto {@code docs/specification.md}, "JSON Protobuf Encoding"), which is why
 * {@code JsonFormat} cannot read it as is:
 * <ul>
 *   <li>{@code traceId}, {@code spanId} and {@code parentSpanId} are hex strings, not base64 (other {@code bytes}
 *       fields, e.g. {@code bytesValue}, stay base64);</li>
 *   <li>enums are integers (names are accepted as well);</li>
 *   <li>keys are lowerCamelCase; the proto field names are accepted too; unknown keys are ignored;</li>
 *   <li>64-bit integers may be decimal strings or numbers.</li>
 * </ul>
 * Anything else that does not fit the schema is a {@link LedgerException.Malformed} naming the JSON path.
 */
public final class OtlpJson {
    private static final Set<String> HEX_ID_FIELDS = Set.of("trace_id", "span_id", "parent_span_id");
    private static final Map<Descriptor, Map<String, FieldDescriptor>> FIELDS = new ConcurrentHashMap<>();

    private OtlpJson() {}

    /** Parses {@code json} (UTF-8) into {@code builder}, which is returned built. */
    @SuppressWarnings("unchecked")
    public static <T extends Message> T parse(byte[] json, Message.Builder builder) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new LedgerException.Malformed("malformed_otlp", "Malformed OTLP/JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")" : ""));
        } catch (IOException e) {
            throw new LedgerException.Malformed("malformed_otlp", "Malformed OTLP/JSON: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new LedgerException.Malformed("malformed_otlp", "Request body is empty; an OTLP/JSON export request is required");
        }
        merge(root, builder, "$");
        return (T) builder.build();
    }

    private static void merge(JsonNode node, Message.Builder b, String path) {
        if (!node.isObject()) throw bad(path, "must be a JSON object");
        Map<String, FieldDescriptor> fields = FIELDS.computeIfAbsent(b.getDescriptorForType(), OtlpJson::index);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            FieldDescriptor f = fields.get(e.getKey());
            JsonNode v = e.getValue();
            if (f == null || v.isNull() || f.isMapField()) continue; // unknown fields MUST be ignored
            String at = path + "." + e.getKey();
            if (f.isRepeated()) {
                if (!v.isArray()) throw bad(at, "must be an array");
                for (int i = 0; i < v.size(); i++) {
                    JsonNode item = v.get(i);
                    if (item.isNull()) throw bad(at + "[" + i + "]", "must not be null");
                    b.addRepeatedField(f, value(f, item, b, at + "[" + i + "]"));
                }
            } else {
                b.setField(f, value(f, v, b, at));
            }
        }
    }

    private static Map<String, FieldDescriptor> index(Descriptor d) {
        Map<String, FieldDescriptor> m = new HashMap<>();
        for (FieldDescriptor f : d.getFields()) {
            m.put(f.getName(), f);
            m.put(f.getJsonName(), f);
        }
        return m;
    }

    private static Object value(FieldDescriptor f, JsonNode v, Message.Builder parent, String path) {
        switch (f.getJavaType()) {
            case MESSAGE: {
                Message.Builder sub = parent.newBuilderForField(f);
                merge(v, sub, path);
                return sub.build();
            }
            case STRING:
                if (!v.isTextual()) throw bad(path, "must be a string");
                return v.textValue();
            case BOOLEAN:
                if (v.isBoolean()) return v.booleanValue();
                if (v.isTextual() && (v.textValue().equals("true") || v.textValue().equals("false"))) {
                    return Boolean.parseBoolean(v.textValue());
                }
                throw bad(path, "must be true or false");
            case INT:
                return (int) integer(v, path, f.getType() == FieldDescriptor.Type.UINT32 || f.getType() == FieldDescriptor.Type.FIXED32
                        ? 0 : Integer.MIN_VALUE, f.getType() == FieldDescriptor.Type.UINT32 || f.getType() == FieldDescriptor.Type.FIXED32
                        ? 0xFFFF_FFFFL : Integer.MAX_VALUE);
            case LONG:
                return unsigned(f) ? unsignedLong(v, path) : integer(v, path, Long.MIN_VALUE, Long.MAX_VALUE);
            case DOUBLE:
            case FLOAT: {
                double d = floating(v, path);
                return f.getJavaType() == FieldDescriptor.JavaType.FLOAT ? (Object) (float) d : (Object) d;
            }
            case BYTE_STRING:
                if (!v.isTextual()) throw bad(path, "must be a string");
                return HEX_ID_FIELDS.contains(f.getName()) ? hex(v.textValue(), path) : base64(v.textValue(), path);
            case ENUM: {
                EnumValueDescriptor ev;
                if (v.isIntegralNumber() && v.canConvertToInt()) {
                    ev = f.getEnumType().findValueByNumberCreatingIfUnknown(v.intValue());
                } else if (v.isTextual()) {
                    ev = f.getEnumType().findValueByName(v.textValue());
                    if (ev == null) throw bad(path, "is not a value of " + f.getEnumType().getName());
                } else {
                    throw bad(path, "must be an integer (OTLP/JSON encodes enums as integers)");
                }
                return ev;
            }
            default:
                throw bad(path, "has an unsupported type");
        }
    }

    private static boolean unsigned(FieldDescriptor f) {
        return f.getType() == FieldDescriptor.Type.UINT64 || f.getType() == FieldDescriptor.Type.FIXED64;
    }

    private static long integer(JsonNode v, String path, long min, long max) {
        BigInteger n = bigInteger(v, path);
        if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
            throw bad(path, "is out of range");
        }
        return n.longValue();
    }

    private static final BigInteger MAX_U64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private static long unsignedLong(JsonNode v, String path) {
        BigInteger n = bigInteger(v, path);
        if (n.signum() < 0 || n.compareTo(MAX_U64) > 0) throw bad(path, "is out of range");
        return n.longValue();
    }

    private static BigInteger bigInteger(JsonNode v, String path) {
        try {
            if (v.isIntegralNumber()) return v.bigIntegerValue();
            if (v.isNumber()) return v.decimalValue().toBigIntegerExact();
            if (v.isTextual() && v.textValue().length() <= 40) return new BigDecimal(v.textValue().trim()).toBigIntegerExact();
        } catch (ArithmeticException | NumberFormatException e) {
            // falls through
        }
        throw bad(path, "must be an integer (a number or a decimal string)");
    }

    private static double floating(JsonNode v, String path) {
        if (v.isNumber()) return v.doubleValue();
        if (v.isTextual()) {
            switch (v.textValue()) {
                case "NaN": return Double.NaN;
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                default:
                    try {
                        if (v.textValue().length() <= 100) return Double.parseDouble(v.textValue().trim());
                    } catch (NumberFormatException e) {
                        // falls through
                    }
            }
        }
        throw bad(path, "must be a number");
    }

    private static ByteString hex(String s, String path) {
        if (s.length() % 2 != 0 || s.length() > 64) throw bad(path, "must be a hex string (OTLP/JSON encodes ids as hex)");
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            int hi = Character.digit(s.charAt(2 * i), 16);
            int lo = Character.digit(s.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) throw bad(path, "must be a hex string (OTLP/JSON encodes ids as hex)");
            out[i] = (byte) ((hi << 4) | lo);
        }
        return ByteString.copyFrom(out);
    }

    private static ByteString base64(String s, String path) {
        try {
            return ByteString.copyFrom(Base64.getDecoder().decode(s));
        } catch (IllegalArgumentException e) {
            try {
                return ByteString.copyFrom(Base64.getUrlDecoder().decode(s));
            } catch (IllegalArgumentException e2) {
                throw bad(path, "must be base64");
            }
        }
    }

    private static LedgerException.Malformed bad(String path, String message) {
        String p = path.length() > 200 ? path.substring(0, 200) + "…" : path;
        return new LedgerException.Malformed("malformed_otlp", "Malformed OTLP/JSON: " + p + " " + message);
    }
}

package dev.loopgrid.core.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.erdtman.jcs.NumberToJSON;

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS) over Jackson trees, and SHA-256 in lowercase hex.
 *
 * <ul>
 *   <li>object members sorted by their names compared as UTF-16 code units ({@link String#compareTo});</li>
 *   <li>strings: only {@code "}, {@code \}, and control characters below U+0020 are escaped
 *       ({@code \b \t \n \f \r} by name, the rest as {@code \\u00xx} in lowercase hex); all else is literal UTF-8;
 *       lone surrogates are rejected;</li>
 *   <li>numbers: as IEEE-754 doubles printed the way ECMAScript's {@code Number.prototype.toString} does
 *       (delegated to {@code org.erdtman.jcs.NumberToJSON}); integers beyond 2^53 therefore lose precision,
 *       exactly as RFC 8785 (I-JSON) prescribes;</li>
 *   <li>no insignificant white space.</li>
 * </ul>
 */
public final class Canonical {
    private static final HexFormat HEX = HexFormat.of();
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java runtime", e);
        }
    });

    private Canonical() {}

    /** The canonical text of {@code node}. @throws LedgerException.Invalid for a lone surrogate or a non-finite number */
    public static String canonicalize(JsonNode node) {
        StringBuilder sb = new StringBuilder(256);
        write(node, sb);
        return sb.toString();
    }

    /** SHA-256 of the UTF-8 bytes of {@code text}, as 64 lowercase hex digits. */
    public static String sha256Hex(String text) {
        return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
    }

    /** UTF-8 length of {@code s} (0 for null) without encoding it. */
    public static long utf8Length(String s) {
        if (s == null) return 0;
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n += 1;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }

    public static String sha256Hex(byte[] bytes) {
        MessageDigest md = SHA256.get();
        md.reset();
        return HEX.formatHex(md.digest(bytes));
    }

    private static void write(JsonNode node, StringBuilder sb) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                List<String> names = new ArrayList<>(node.size());
                for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) names.add(it.next());
                names.sort(null); // String.compareTo compares UTF-16 code units, as RFC 8785 §3.2.3 requires
                sb.append('{');
                boolean first = true;
                for (String name : names) {
                    if (!first) sb.append(',');
                    first = false;
                    writeString(name, sb);
                    sb.append(':');
                    write(node.get(name), sb);
                }
                sb.append('}');
            }
            case ARRAY -> {
                sb.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) sb.append(',');
                    write(node.get(i), sb);
                }
                sb.append(']');
            }
            case STRING -> writeString(node.textValue(), sb);
            case NUMBER -> sb.append(number(node));
            case BOOLEAN -> sb.append(node.booleanValue() ? "true" : "false");
            case NULL -> sb.append("null");
            default -> throw new LedgerException.Invalid(List.of(
                    new LedgerException.FieldError("body", "contains a value that is not JSON")));
        }
    }

    private static String number(JsonNode node) {
        double d;
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            d = (double) node.longValue(); // long → double rounds to nearest, as JSON.parse would
        } else {
            // decimal text → double with correct rounding (Double.parseDouble is correctly rounded)
            d = Double.parseDouble(node.isBigDecimal() ? node.decimalValue().toString() : node.asText());
        }
        if (!Double.isFinite(d)) {
            throw new LedgerException.Invalid(List.of(new LedgerException.FieldError("body",
                    "contains a number too large to represent (" + abbreviate(node.asText()) + ")")));
        }
        try {
            return NumberToJSON.serializeNumber(d);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    /** Appends {@code s} as a JCS string literal. */
    static void writeString(String s, StringBuilder sb) {
        sb.append('"');
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\f' -> sb.append("\\f");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
                    } else if (Character.isSurrogate(c)) {
                        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                            sb.append(c).append(s.charAt(++i));
                        } else {
                            throw new LedgerException.Invalid(List.of(new LedgerException.FieldError("body",
                                    "contains a lone UTF-16 surrogate (\\u" + Integer.toHexString(c)
                                            + "), which has no UTF-8 encoding")));
                        }
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Canonical text of a flat map of strings, used for small fixed-shape objects. */
    static String canonicalStrings(Map<String, String> map) {
        StringBuilder sb = new StringBuilder();
        sb.append('{');
        boolean first = true;
        for (String k : new java.util.TreeMap<>(map).keySet()) {
            if (!first) sb.append(',');
            first = false;
            writeString(k, sb);
            sb.append(':');
            String v = map.get(k);
            if (v == null) sb.append("null"); else writeString(v, sb);
        }
        return sb.append('}').toString();
    }
}

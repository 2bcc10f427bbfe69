package dev.loopgrid.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

/**
 * Seeded generators of awkward JSON for the canonicalisation and chain tests: JSON <em>text</em> (random
 * white space, escapes of every kind, every number form) for cross-checking two parsers + canonicalisers,
 * and Jackson <em>trees</em> (every numeric node type, deep nesting) for content that is hashed directly.
 * Strings never contain lone surrogates (those are rejected by design and tested separately).
 */
final class RandomJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Characters that tend to break canonicalisers: sort-order traps, escapes, combining marks, separators. */
    private static final int[] TRICKY = {
        0x00, 0x01, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1f, 0x20, '"', '\\', '/', '\'', 0x7f,
        0x80, 0x9f, 0xa0, 0xe9, 0xf6, 0xff, 0x0300, 0x0301, 0x036f, 0x05d3, 0x05bc, 0x200b, 0x200d, 0x2028,
        0x2029, 0x20ac, 0x3042, 0x4e2d, 0xd7ff, 0xe000, 0xfb33, 0xfeff, 0xfffd, 0xfffe, 0xffff,
        0x10000, 0x1d11e, 0x1f600, 0x1f468, 0x1f3fd, 0xe0001, 0x10ffff,
    };

    /** Fixed number texts around the edges of ECMAScript's Number.prototype.toString. */
    private static final String[] EDGE_NUMBERS = {
        "0", "-0", "0.0", "-0.0", "0e0", "-0E-0", "1", "-1", "1e21", "1e20", "1E+21", "999999999999999999999",
        "1e-6", "1e-7", "0.000001", "0.0000001", "9007199254740992", "9007199254740993", "-9007199254740993",
        "18446744073709551616", "295147905179352830000", "5e-324", "4.9e-324", "2.2250738585072014e-308",
        "1.7976931348623157e308", "-1.7976931348623157E+308", "333333333.33333329", "0.1", "0.2", "0.3",
        "100", "1e2", "1.5e300", "123456789012345678901234567890", "1e-400", "-1e-400",
    };

    private RandomJson() {}

    // ---------------------------------------------------------------- JSON text

    /** A random JSON document as text whose top level is an object or an array. */
    static String document(Random r, int maxDepth) {
        StringBuilder sb = new StringBuilder();
        ws(r, sb);
        if (r.nextBoolean()) objectText(r, sb, maxDepth); else arrayText(r, sb, maxDepth);
        ws(r, sb);
        return sb.toString();
    }

    private static void valueText(Random r, StringBuilder sb, int depthLeft) {
        int pick = r.nextInt(depthLeft > 0 ? 10 : 7);
        switch (pick) {
            case 0, 1, 2 -> stringText(r, sb, string(r));
            case 3, 4 -> sb.append(numberText(r));
            case 5 -> sb.append(r.nextBoolean() ? "true" : "false");
            case 6 -> sb.append("null");
            case 7, 8 -> objectText(r, sb, depthLeft - 1);
            default -> arrayText(r, sb, depthLeft - 1);
        }
    }

    private static void objectText(Random r, StringBuilder sb, int depthLeft) {
        sb.append('{');
        int n = r.nextInt(6);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < n; i++) {
            String name = key(r);
            if (!names.add(name)) continue; // duplicate names are rejected by Json.MAPPER
            if (names.size() > 1) sb.append(',');
            ws(r, sb);
            stringText(r, sb, name);
            ws(r, sb);
            sb.append(':');
            ws(r, sb);
            valueText(r, sb, depthLeft);
            ws(r, sb);
        }
        sb.append('}');
    }

    private static void arrayText(Random r, StringBuilder sb, int depthLeft) {
        sb.append('[');
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(',');
            ws(r, sb);
            valueText(r, sb, depthLeft);
            ws(r, sb);
        }
        sb.append(']');
    }

    private static void ws(Random r, StringBuilder sb) {
        if (r.nextInt(4) != 0) return;
        String[] spaces = {" ", "\n", "\t", "\r\n", "  "};
        sb.append(spaces[r.nextInt(spaces.length)]);
    }

    /** Writes {@code s} as a JSON string literal, escaping at random wherever JSON allows it. */
    static void stringText(Random r, StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') sb.append("\\\"");
            else if (c == '\\') sb.append("\\\\");
            else if (c < 0x20) {
                String named = switch (c) {
                    case '\b' -> "\\b";
                    case '\t' -> "\\t";
                    case '\n' -> "\\n";
                    case '\f' -> "\\f";
                    case '\r' -> "\\r";
                    default -> null;
                };
                sb.append(named != null && r.nextBoolean() ? named : unicodeEscape(r, c));
            } else if (c == '/' && r.nextBoolean()) sb.append("\\/");
            else if (Character.isHighSurrogate(c)) {
                // a pair is escaped as two escapes or written literally, never half and half (no UTF-8 text can
                // hold a literal half, and Jackson rejects the mix in field names)
                char low = s.charAt(++i);
                if (r.nextInt(4) == 0) sb.append(unicodeEscape(r, c)).append(unicodeEscape(r, low));
                else sb.append(c).append(low);
            } else if (r.nextInt(8) == 0) sb.append(unicodeEscape(r, c));
            else sb.append(c);
        }
        sb.append('"');
    }

    private static String unicodeEscape(Random r, char c) {
        String hex = String.format("%04x", (int) c);
        return "\\u" + (r.nextBoolean() ? hex : hex.toUpperCase(java.util.Locale.ROOT));
    }

    /** A JSON number as text, finite as a double, in any of JSON's forms. */
    static String numberText(Random r) {
        switch (r.nextInt(9)) {
            case 0:
                return EDGE_NUMBERS[r.nextInt(EDGE_NUMBERS.length)];
            case 1:
                return Integer.toString(r.nextInt(2001) - 1000);
            case 2:
                return Long.toString(r.nextLong());
            case 3: { // integers beyond 2^53 and beyond long
                StringBuilder sb = new StringBuilder(r.nextBoolean() ? "-" : "");
                sb.append(1 + r.nextInt(9));
                int digits = 15 + r.nextInt(25);
                for (int i = 0; i < digits; i++) sb.append(r.nextInt(10));
                return sb.toString();
            }
            case 4: { // plain fractions, sometimes with more digits than a double holds
                StringBuilder sb = new StringBuilder(r.nextBoolean() ? "-" : "");
                sb.append(r.nextInt(4) == 0 ? 0 : r.nextInt(1_000_000)).append('.');
                int digits = 1 + r.nextInt(25);
                for (int i = 0; i < digits; i++) sb.append(r.nextInt(10));
                return sb.toString();
            }
            case 5: { // exponents
                StringBuilder sb = new StringBuilder(r.nextBoolean() ? "-" : "");
                sb.append(r.nextInt(1000));
                if (r.nextBoolean()) sb.append('.').append(r.nextInt(1_000_000));
                sb.append(r.nextBoolean() ? 'e' : 'E');
                int exp = r.nextInt(600) - 300;
                sb.append(exp >= 0 && r.nextBoolean() ? "+" : "").append(exp);
                return sb.toString();
            }
            case 6: // any finite double, as Java prints it (e.g. 1.0E-5)
                return Double.toString(finiteDouble(r));
            case 7: // any finite double, as exact decimal expansion
                return new BigDecimal(finiteDouble(r)).toString().replace("E", "e");
            default: // doubles near the 1e21 / 1e-7 switch-over points
                int scale = r.nextBoolean() ? 66 + r.nextInt(6) : -22 + r.nextInt(6); // straddle 1e21 and 1e-6
                return Double.toString(Math.scalb(1.0 + r.nextDouble(), scale));
        }
    }

    static double finiteDouble(Random r) {
        while (true) {
            double d = Double.longBitsToDouble(r.nextLong());
            if (Double.isFinite(d)) return d;
        }
    }

    // ---------------------------------------------------------------- strings

    /** A random string: ASCII, controls, escapes, BMP, combining marks and astral characters, no lone surrogates. */
    static String string(Random r) {
        int n = r.nextInt(4) == 0 ? 0 : r.nextInt(12);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.appendCodePoint(codePoint(r));
        return sb.toString();
    }

    /** A key: sometimes short and prefix-sharing, to exercise ordering. */
    static String key(Random r) {
        if (r.nextInt(3) == 0) {
            String[] stems = {"", "a", "aa", "b", "A", "1", "\u00e9", "\u20ac", "\ufb33", "\ud83d\ude00", "\r"};
            return stems[r.nextInt(stems.length)] + (r.nextBoolean() ? "" : stems[r.nextInt(stems.length)]);
        }
        return string(r);
    }

    static int codePoint(Random r) {
        switch (r.nextInt(6)) {
            case 0:
                return TRICKY[r.nextInt(TRICKY.length)];
            case 1:
                return 0x20 + r.nextInt(0x5f);
            case 2:
                return r.nextInt(0x20);
            case 3: {
                int cp = r.nextInt(0x10000);
                return Character.isSurrogate((char) cp) ? 0x20ac : cp;
            }
            case 4:
                return 0x10000 + r.nextInt(0x10ffff - 0xffff);
            default:
                return 0x0300 + r.nextInt(0x70); // combining diacritics
        }
    }

    // ---------------------------------------------------------------- trees

    /** A random value as a Jackson tree, nested at most {@code depthLeft} levels. */
    static JsonNode tree(Random r, int depthLeft) {
        int pick = r.nextInt(depthLeft > 0 ? 10 : 7);
        return switch (pick) {
            case 0, 1, 2 -> NODES.textNode(string(r));
            case 3, 4 -> numberNode(r);
            case 5 -> NODES.booleanNode(r.nextBoolean());
            case 6 -> NODES.nullNode();
            case 7, 8 -> object(r, depthLeft - 1);
            default -> array(r, depthLeft - 1);
        };
    }

    static ObjectNode object(Random r, int depthLeft) {
        ObjectNode o = NODES.objectNode();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) o.set(key(r), tree(r, depthLeft));
        return o;
    }

    static ArrayNode array(Random r, int depthLeft) {
        ArrayNode a = NODES.arrayNode();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) a.add(tree(r, depthLeft));
        return a;
    }

    /** {@code levels} single-member objects/arrays around a random leaf. */
    static JsonNode deep(Random r, int levels) {
        JsonNode node = tree(r, 0);
        for (int i = 0; i < levels; i++) {
            if (r.nextBoolean()) {
                ArrayNode a = NODES.arrayNode();
                if (r.nextBoolean()) a.add(tree(r, 0));
                a.add(node);
                node = a;
            } else {
                ObjectNode o = NODES.objectNode();
                o.set(key(r), node);
                node = o;
            }
        }
        return node;
    }

    /** A number node of any of Jackson's numeric types, always finite as a double. */
    static JsonNode numberNode(Random r) {
        return switch (r.nextInt(7)) {
            case 0 -> NODES.numberNode(r.nextInt());
            case 1 -> NODES.numberNode(r.nextLong());
            case 2 -> NODES.numberNode(new BigInteger(40 + r.nextInt(60), r).negate().add(BigInteger.valueOf(r.nextInt())));
            case 3 -> NODES.numberNode(new BigDecimal(numberText(r)));
            case 4 -> NODES.numberNode(finiteDouble(r));
            case 5 -> NODES.numberNode(r.nextInt(2000) / 8.0 - 100);
            default -> NODES.numberNode(new BigDecimal(r.nextInt(100_000)).scaleByPowerOfTen(-r.nextInt(12)));
        };
    }
}

package dev.loopgrid.core;

import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.LedgerException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;
import org.erdtman.jcs.JsonCanonicalizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Canonical} against the published vectors of RFC 8785 (https://www.rfc-editor.org/rfc/rfc8785)
 * and against the maintained reference implementation {@code org.erdtman.jcs.JsonCanonicalizer}.
 */
class CanonicalTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static String canonical(String json) throws Exception {
        return Canonical.canonicalize(Json.MAPPER.readTree(json));
    }

    // ------------------------------------------------------------------ RFC 8785 §3.2.2 / §3.2.3 / §3.2.4

    @Test
    void canonicalize_sortsKeysByUtf16Units_rfc8785Section323() throws Exception {
        // given: the sorting example of RFC 8785 §3.2.3
        String input = "{\n"
                + "  \"\\u20ac\": \"Euro Sign\",\n"
                + "  \"\\r\": \"Carriage Return\",\n"
                + "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
                + "  \"1\": \"One\",\n"
                + "  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
                + "  \"\\u0080\": \"Control\",\n"
                + "  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"\n"
                + "}";

        // when
        String out = canonical(input);

        // then: the RFC's order — \r, 1, U+0080, ö, €, 😀 (D83D DE00), דּ (FB33): UTF-16 units, not code points
        assertEquals("{\"\\r\":\"Carriage Return\","
                + "\"1\":\"One\","
                + "\"\u0080\":\"Control\","
                + "\"\u00f6\":\"Latin Small Letter O With Diaeresis\","
                + "\"\u20ac\":\"Euro Sign\","
                + "\"\ud83d\ude00\":\"Emoji: Grinning Face\","
                + "\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}", out);
    }

    @Test
    void canonicalize_matchesRfc8785Example_section322_andItsUtf8Bytes_section324() throws Exception {
        // given: the input of RFC 8785 §3.2.2
        String input = "{\n"
                + "  \"numbers\": [333333333.33333329, 1E30, 4.50,\n"
                + "              2e-3, 0.000000000000000000000000001],\n"
                + "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
                + "  \"literals\": [null, true, false]\n"
                + "}";

        // when
        String out = canonical(input);

        // then: the output text of §3.2.2 …
        assertEquals("{\"literals\":[null,true,false],"
                + "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                + "\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}", out);
        // … and, byte for byte, the UTF-8 of §3.2.4
        byte[] rfcBytes = HexFormat.of().parseHex((""
                + "7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72"
                + "75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a"
                + "5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31"
                + "65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37"
                + "5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30"
                + "30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d")
                .replace(" ", ""));
        assertArrayEquals(rfcBytes, out.getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ RFC 8785 Appendix B (numbers)

    /** RFC 8785 Appendix B: IEEE-754 bit pattern → expected JSON text. */
    static Stream<Arguments> appendixB() {
        return Stream.of(
                Arguments.of("0000000000000000", "0"),
                Arguments.of("8000000000000000", "0"), // minus zero
                Arguments.of("0000000000000001", "5e-324"),
                Arguments.of("8000000000000001", "-5e-324"),
                Arguments.of("7fefffffffffffff", "1.7976931348623157e+308"),
                Arguments.of("ffefffffffffffff", "-1.7976931348623157e+308"),
                Arguments.of("4340000000000000", "9007199254740992"),
                Arguments.of("c340000000000000", "-9007199254740992"),
                Arguments.of("4430000000000000", "295147905179352830000"),
                Arguments.of("44b52d02c7e14af5", "9.999999999999997e+22"),
                Arguments.of("44b52d02c7e14af6", "1e+23"),
                Arguments.of("44b52d02c7e14af7", "1.0000000000000001e+23"),
                Arguments.of("444b1ae4d6e2ef4e", "999999999999999700000"),
                Arguments.of("444b1ae4d6e2ef4f", "999999999999999900000"),
                Arguments.of("444b1ae4d6e2ef50", "1e+21"),
                Arguments.of("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
                Arguments.of("3eb0c6f7a0b5ed8d", "0.000001"),
                Arguments.of("41b3de4355555553", "333333333.3333332"),
                Arguments.of("41b3de4355555554", "333333333.33333325"),
                Arguments.of("41b3de4355555555", "333333333.3333333"),
                Arguments.of("41b3de4355555556", "333333333.3333334"),
                Arguments.of("41b3de4355555557", "333333333.33333343"),
                Arguments.of("becbf647612f3696", "-0.0000033333333333333333"),
                Arguments.of("43143ff3c1cb0959", "1424953923781206.2"));
    }

    @ParameterizedTest(name = "{0} → {1}")
    @MethodSource("appendixB")
    void canonicalize_serialisesDoubleNodes_asRfc8785AppendixB(String ieeeHex, String expected) {
        // given: the exact double of the vector
        double d = Double.longBitsToDouble(Long.parseUnsignedLong(ieeeHex, 16));

        // when
        String out = Canonical.canonicalize(NODES.numberNode(d));

        // then
        assertEquals(expected, out);
    }

    @ParameterizedTest(name = "{0} → {1}")
    @MethodSource("appendixB")
    void canonicalize_serialisesParsedNumberText_asRfc8785AppendixB(String ieeeHex, String expected) throws Exception {
        // given: the vector's double written as exact decimal text, parsed the way requests are (BigDecimal)
        double d = Double.longBitsToDouble(Long.parseUnsignedLong(ieeeHex, 16));
        String exactText = new BigDecimal(d).toString();

        // when
        String out = canonical("[" + exactText + "]");

        // then
        assertEquals("[" + expected + "]", out);
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
        "0|0",
        "-0|0",
        "-0.0|0",
        "0.000|0",
        "1e21|1e+21",
        "1E21|1e+21",
        "1e20|100000000000000000000",
        "1e-7|1e-7",
        "1e-6|0.000001",
        "0.000001|0.000001",
        "0.0000001|1e-7",
        "333333333.33333329|333333333.3333333",
        "5e-324|5e-324",
        "1.7976931348623157e308|1.7976931348623157e+308",
        "9007199254740992|9007199254740992",
        "9007199254740993|9007199254740992",
        "295147905179352830000|295147905179352830000",
        "295147905179352833333|295147905179352830000",
        "123456789012345678901234567890|1.2345678901234568e+29",
        "4.50|4.5",
        "2e-3|0.002",
        "1E30|1e+30",
        "100|100",
        "1e2|100",
        "-1.5E-10|-1.5e-10",
        "0.1|0.1",
        "1e-400|0",
    })
    void canonicalize_serialisesNumbersLikeEcmascript(String json, String expected) throws Exception {
        // when
        String out = canonical("[" + json + "]");

        // then
        assertEquals("[" + expected + "]", out);
    }

    @Test
    void canonicalize_bigIntegerBeyondLong_roundsToNearestDouble() {
        // given: 2^64 + 1 (not representable as long nor as double)
        JsonNode n = NODES.numberNode(BigInteger.ONE.shiftLeft(64).add(BigInteger.ONE));

        // when / then: 2^64 = 18446744073709551616
        assertEquals("18446744073709552000", Canonical.canonicalize(n));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1e400]", "[-1e400]", "[1.8e308]"})
    void canonicalize_rejectsNumbersBeyondDoubleRange(String json) throws Exception {
        // given
        JsonNode node = Json.MAPPER.readTree(json);

        // when / then
        LedgerException.Invalid e = assertThrows(LedgerException.Invalid.class, () -> Canonical.canonicalize(node));
        assertEquals("body", e.errors().get(0).field());
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void canonicalize_rejectsNonFiniteDoubles(double d) {
        // when / then
        assertThrows(LedgerException.Invalid.class, () -> Canonical.canonicalize(NODES.numberNode(d)));
    }

    // ------------------------------------------------------------------ strings

    @Test
    void canonicalize_escapesControlCharacters_namedOrLowercaseU00xx() {
        for (int c = 0; c < 0x20; c++) {
            // given
            String s = "a" + (char) c + "b";

            // when
            String out = Canonical.canonicalize(NODES.textNode(s));

            // then
            String expected = switch (c) {
                case 0x08 -> "\\b";
                case 0x09 -> "\\t";
                case 0x0a -> "\\n";
                case 0x0c -> "\\f";
                case 0x0d -> "\\r";
                default -> String.format("\\u%04x", c);
            };
            assertEquals("\"a" + expected + "b\"", out, "control character U+" + Integer.toHexString(c));
        }
    }

    @Test
    void canonicalize_escapesOnlyQuoteAndBackslash_amongPrintables() {
        // given
        String s = "\"\\/'<>&\u007f";

        // when
        String out = Canonical.canonicalize(NODES.textNode(s));

        // then: '/' and DEL stay literal
        assertEquals("\"\\\"\\\\/'<>&\u007f\"", out);
    }

    @Test
    void canonicalize_writesNonAsciiLiterally_includingLineSeparatorsAndAstralCharacters() throws Exception {
        // given: escaped input of U+2028, U+2029, é, combining acute, BOM, U+FFFF and an astral pair
        String input = "[\"\\u2028\\u2029\\u00e9e\\u0301\\ufeff\\uffff\\ud83d\\ude00\\uDBFF\\uDFFF\"]";

        // when
        String out = canonical(input);

        // then: all literal, and the UTF-8 is the real encoding (4 bytes for each astral character)
        assertEquals("[\"\u2028\u2029\u00e9e\u0301\ufeff\uffff\ud83d\ude00\udbff\udfff\"]", out);
        assertArrayEquals(HexFormat.of().parseHex(
                        "5b22" + "e280a8" + "e280a9" + "c3a9" + "65cc81" + "efbbbf" + "efbfbf" + "f09f9880" + "f48fbfbf"
                                + "225d"),
                out.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\ud800", "a\udc00", "\ud83d", "x\ude00y", "\ud83d\ud83d\ude00", "\ude00\ud83d"})
    void canonicalize_rejectsLoneSurrogate_inValues(String s) {
        // when / then
        LedgerException.Invalid e = assertThrows(LedgerException.Invalid.class,
                () -> Canonical.canonicalize(NODES.textNode(s)));
        assertTrue(e.detail().contains("surrogate"), e.detail());
    }

    @Test
    void canonicalize_rejectsLoneSurrogate_inKeys() {
        // given: a key holding a lone low surrogate (Jackson's parser already refuses one in a field name)
        ObjectNode node = NODES.objectNode();
        node.put("ok", 1);
        node.put("bad\udc00key", 2);

        // when / then
        assertThrows(LedgerException.Invalid.class, () -> Canonical.canonicalize(node));
    }

    @Test
    void canonicalize_rejectsLoneSurrogate_parsedFromAnEscapeInAValue() throws Exception {
        // given: Jackson accepts "\\ud800" in a string value and yields a lone surrogate
        JsonNode node = Json.MAPPER.readTree("[[[{\"a\":[\"fine\",\"\\ud800\"]}]]]");

        // when / then
        assertThrows(LedgerException.Invalid.class, () -> Canonical.canonicalize(node));
    }

    // ------------------------------------------------------------------ structure

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
        "{}|{}",
        "[]|[]",
        "[{}]|[{}]",
        "{ \"a\" : [ ] , \"\" : { } }|{\"\":{},\"a\":[]}",
        "[ 1 , [ 2 , [ 3 , [ ] ] ] , { } ]|[1,[2,[3,[]]],{}]",
        "{\"b\":{\"d\":1,\"c\":[{\"z\":null,\"y\":true}]},\"a\":false}|{\"a\":false,\"b\":{\"c\":[{\"y\":true,\"z\":null}],\"d\":1}}",
        "{\"aa\":1,\"a\":2,\"B\":3,\"b\":4,\"\":5}|{\"\":5,\"B\":3,\"a\":2,\"aa\":1,\"b\":4}",
        "[\"x\",null,true,false,0]|[\"x\",null,true,false,0]",
    })
    void canonicalize_nestedStructures_dropWhitespace_sortEveryLevel_keepArrayOrder(String json, String expected)
            throws Exception {
        // when / then
        assertEquals(expected, canonical(json));
    }

    @Test
    void canonicalize_scalarsAtTopLevel() throws Exception {
        // when / then
        assertEquals("\"x\"", canonical("\"x\""));
        assertEquals("null", canonical("null"));
        assertEquals("true", canonical(" true "));
        assertEquals("1e+21", canonical("1e21"));
    }

    @Test
    void canonicalize_sortsByUtf16CodeUnits_notByCodePoints() {
        // given: U+FB33 (one unit FB33) sorts after U+1F600 (units D83D DE00) although its code point is smaller
        ObjectNode o = NODES.objectNode();
        o.put("\ufb33", 1);
        o.put("\ud83d\ude00", 2);
        o.put("\uffff", 3);
        o.put("\ue000", 4);

        // when
        String out = Canonical.canonicalize(o);

        // then
        assertEquals("{\"\ud83d\ude00\":2,\"\ue000\":4,\"\ufb33\":1,\"\uffff\":3}", out);
    }

    // ------------------------------------------------------------------ against the reference implementation

    @Test
    void canonicalize_agreesWithErdtmanReference_onRandomDocuments() throws Exception {
        // given: a seeded stream of awkward documents (escapes, astral chars, all number forms, white space)
        Random random = new Random(8785);
        int compared = 0;
        for (int i = 0; i < 5000; i++) {
            String doc = RandomJson.document(random, 6);

            // when
            String ours = canonical(doc);
            String reference = new JsonCanonicalizer(doc).getEncodedString();

            // then
            assertEquals(reference, ours, "document #" + i + ": " + doc);
            compared++;
        }
        assertEquals(5000, compared);
    }

    @Test
    void canonicalize_agreesWithErdtmanReference_onRandomTrees() throws Exception {
        // given: trees built directly, with every Jackson number type (int, long, BigInteger, BigDecimal, double)
        Random random = new Random(20_251_123);
        for (int i = 0; i < 3000; i++) {
            JsonNode tree = RandomJson.array(random, 5);

            // when: our canonical text, and the reference's canonicalisation of Jackson's own (non-canonical) output
            String ours = Canonical.canonicalize(tree);
            String reference = new JsonCanonicalizer(Json.MAPPER.writeValueAsString(tree)).getEncodedString();

            // then
            assertEquals(reference, ours, "tree #" + i + ": " + tree);
        }
    }

    @Test
    void canonicalize_isAFixedPoint_onRandomDocuments() throws Exception {
        // given
        Random random = new Random(42);
        for (int i = 0; i < 2000; i++) {
            String once = canonical(RandomJson.document(random, 6));

            // when
            String twice = canonical(once);

            // then
            assertEquals(once, twice);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ascii", "naïve café", "日本語", "😀 and 𝄞", "\u0000\u007f\u0080\u07ff\u0800\uffff"})
    void utf8Length_isTheLengthOfTheUtf8Bytes(String s) {
        assertEquals(s.getBytes(StandardCharsets.UTF_8).length, Canonical.utf8Length(s));
    }
}

package dev.loopgrid.core;

import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.Times;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Known-answer vectors for hashing version 1. Every expected hash was computed outside Java, in a shell,
 * with the command in the comment above it (GNU coreutils {@code sha256sum}; the text is the exact canonical
 * UTF-8, so the command can be pasted as is). If one of these changes, every stored ledger stops verifying.
 */
class EntryHasherTest {
    private static final String CHAIN = "support-agent";
    private static final String DEC_1 = "dec_Kx3Lm9Qp2Rs5Tv8Wy1Za4B";
    private static final String DEC_2 = "dec_Nd7Fg2Hj5Kl8Mn1Pq4Rs7T";
    private static final String FLAG_3 = "flg_Vb6Xc9Zd2Fe5Gh8Jk1Lm4N";

    /** The sample decision content, already canonical (members sorted, absent optionals as null). */
    private static final String DECISION_CONTENT = "{\"decision_type\":\"customer_support_reply\","
            + "\"input\":{\"message\":\"I was charged twice\"},\"metadata\":null,"
            + "\"model\":{\"name\":\"gpt-4\",\"provider\":\"openai\"},"
            + "\"output\":{\"response\":\"Your account looks fine.\"},\"prompt\":null,"
            + "\"service_name\":\"support-agent\",\"tool_calls\":null}";

    // printf '%s' '{"decision_type":"customer_support_reply","input":{"message":"I was charged twice"},"metadata":null,"model":{"name":"gpt-4","provider":"openai"},"output":{"response":"Your account looks fine."},"prompt":null,"service_name":"support-agent","tool_calls":null}' | sha256sum
    private static final String DECISION_CONTENT_HASH =
            "19c79b06474a7af33c18536e33a0768e0ce9cfe1d788f30454c9e76c04558041";

    private static final String ENVELOPE_1 = "{\"chain_id\":\"support-agent\","
            + "\"content_hash\":\"19c79b06474a7af33c18536e33a0768e0ce9cfe1d788f30454c9e76c04558041\","
            + "\"decision_id\":\"dec_Kx3Lm9Qp2Rs5Tv8Wy1Za4B\",\"id\":\"dec_Kx3Lm9Qp2Rs5Tv8Wy1Za4B\","
            + "\"previous_hash\":\"0000000000000000000000000000000000000000000000000000000000000000\","
            + "\"recorded_at\":\"2026-11-23T20:12:00.123Z\",\"sequence\":1,\"type\":\"decision\",\"v\":1}";

    // printf '%s' '{"chain_id":"support-agent","content_hash":"19c79b06474a7af33c18536e33a0768e0ce9cfe1d788f30454c9e76c04558041","decision_id":"dec_Kx3Lm9Qp2Rs5Tv8Wy1Za4B","id":"dec_Kx3Lm9Qp2Rs5Tv8Wy1Za4B","previous_hash":"0000000000000000000000000000000000000000000000000000000000000000","recorded_at":"2026-11-23T20:12:00.123Z","sequence":1,"type":"decision","v":1}' | sha256sum
    private static final String CHAIN_HASH_1 = "936468a1e50816445f422806060dd4fefa9a87429ffc9e9e2767fef9f0991922";

    private static final String ENVELOPE_2 = "{\"chain_id\":\"support-agent\","
            + "\"content_hash\":\"19c79b06474a7af33c18536e33a0768e0ce9cfe1d788f30454c9e76c04558041\","
            + "\"decision_id\":\"dec_Nd7Fg2Hj5Kl8Mn1Pq4Rs7T\",\"id\":\"dec_Nd7Fg2Hj5Kl8Mn1Pq4Rs7T\","
            + "\"previous_hash\":\"936468a1e50816445f422806060dd4fefa9a87429ffc9e9e2767fef9f0991922\","
            + "\"recorded_at\":\"2026-11-23T20:12:01.456Z\",\"sequence\":2,\"type\":\"decision\",\"v\":1}";

    // printf '%s' '{"chain_id":"support-agent","content_hash":"19c79b06474a7af33c18536e33a0768e0ce9cfe1d788f30454c9e76c04558041","decision_id":"dec_Nd7Fg2Hj5Kl8Mn1Pq4Rs7T","id":"dec_Nd7Fg2Hj5Kl8Mn1Pq4Rs7T","previous_hash":"936468a1e50816445f422806060dd4fefa9a87429ffc9e9e2767fef9f0991922","recorded_at":"2026-11-23T20:12:01.456Z","sequence":2,"type":"decision","v":1}' | sha256sum
    private static final String CHAIN_HASH_2 = "2ab09e2a48d2ce407d07ecc9f3c56b5545b31a8a2c8c8e9775e84ccad06ce3ae";

    private static final String FLAG_CONTENT =
            "{\"decision_id\":\"dec_Kx3Lm9Qp2Rs5Tv8Wy1Za4B\",\"reason\":\"Customer was charged twice; the reply denied it\"}";

    // printf '%s' '{"decision_id":"dec_Kx3Lm9Qp2Rs5Tv8Wy1Za4B","reason":"Customer was charged twice; the reply denied it"}' | sha256sum
    private static final String FLAG_CONTENT_HASH = "8c47ee557a0d412d9803b49f72d107f6df9f235f04b6766e740baa74e76512f0";

    // printf '%s' '{"chain_id":"support-agent","content_hash":"8c47ee557a0d412d9803b49f72d107f6df9f235f04b6766e740baa74e76512f0","decision_id":"dec_Kx3Lm9Qp2Rs5Tv8Wy1Za4B","id":"flg_Vb6Xc9Zd2Fe5Gh8Jk1Lm4N","previous_hash":"2ab09e2a48d2ce407d07ecc9f3c56b5545b31a8a2c8c8e9775e84ccad06ce3ae","recorded_at":"2026-11-23T20:15:30.000Z","sequence":3,"type":"flag","v":1}' | sha256sum
    private static final String CHAIN_HASH_3 = "d2e6314e4f23332fb21775c099c3c5707556460694731d3c684139a7f130b7d0";

    @Test
    void genesis_isSixtyFourZeros() {
        // when / then
        assertEquals("0000000000000000000000000000000000000000000000000000000000000000", EntryHasher.GENESIS);
    }

    @Test
    void sha256Hex_ofEmptyText_isTheWellKnownDigest() {
        // when / then
        // printf '%s' '' | sha256sum
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Canonical.sha256Hex(""));
    }

    @Test
    void contentHash_ofSampleDecision_matchesShellVector() throws Exception {
        // given: the decision content as a client might send it (any member order, white space)
        String sent = "{ \"service_name\": \"support-agent\", \"decision_type\": \"customer_support_reply\",\n"
                + "  \"input\": {\"message\": \"I was charged twice\"},\n"
                + "  \"output\": {\"response\": \"Your account looks fine.\"},\n"
                + "  \"model\": {\"provider\": \"openai\", \"name\": \"gpt-4\"},\n"
                + "  \"prompt\": null, \"tool_calls\": null, \"metadata\": null }";

        // when
        String canonical = Canonical.canonicalize(Json.MAPPER.readTree(sent));
        String hash = EntryHasher.contentHash(canonical);

        // then
        assertEquals(DECISION_CONTENT, canonical);
        assertEquals(DECISION_CONTENT_HASH, hash);
    }

    @Test
    void contentHash_ofNonAsciiContent_hashesUtf8Bytes() throws Exception {
        // given: umlauts, an em dash, an astral emoji and the euro sign (2-, 3- and 4-byte UTF-8)
        String sent = "{\"service_name\":\"kundendienst\",\"decision_type\":\"tarif_auskunft\","
                + "\"input\":{\"message\":\"Gr\\u00fc\\u00dfe aus Z\\u00fcrich \\u2014 \\ud83d\\ude00\"},"
                + "\"output\":{\"response\":\"Der Tarif kostet 12,50 \u20ac\"},"
                + "\"model\":{\"name\":\"claude\",\"provider\":\"anthropic\"},"
                + "\"prompt\":null,\"tool_calls\":null,\"metadata\":null}";

        // when
        String hash = EntryHasher.contentHash(Canonical.canonicalize(Json.MAPPER.readTree(sent)));

        // then (the command needs a UTF-8 terminal; the text is 263 bytes)
        // printf '%s' '{"decision_type":"tarif_auskunft","input":{"message":"Grüße aus Zürich — 😀"},"metadata":null,"model":{"name":"claude","provider":"anthropic"},"output":{"response":"Der Tarif kostet 12,50 €"},"prompt":null,"service_name":"kundendienst","tool_calls":null}' | sha256sum
        assertEquals("4b8c5a38cce376d16e705f0c29ce6828a33edd014abea5c3209cd69155d5e24e", hash);
    }

    @Test
    void envelopeAndChainHash_ofSequence1_linkToGenesis() {
        // when
        String envelope = EntryHasher.envelope(CHAIN, 1, "decision", DEC_1, DEC_1, "2026-11-23T20:12:00.123Z",
                DECISION_CONTENT_HASH, EntryHasher.GENESIS);
        String chainHash = EntryHasher.chainHash(CHAIN, 1, "decision", DEC_1, DEC_1, "2026-11-23T20:12:00.123Z",
                DECISION_CONTENT_HASH, EntryHasher.GENESIS);

        // then
        assertEquals(ENVELOPE_1, envelope);
        assertEquals(CHAIN_HASH_1, chainHash);
    }

    @Test
    void envelopeAndChainHash_ofSequence2_linkToSequence1() {
        // when
        String envelope = EntryHasher.envelope(CHAIN, 2, "decision", DEC_2, DEC_2, "2026-11-23T20:12:01.456Z",
                DECISION_CONTENT_HASH, CHAIN_HASH_1);
        String chainHash = EntryHasher.chainHash(CHAIN, 2, "decision", DEC_2, DEC_2, "2026-11-23T20:12:01.456Z",
                DECISION_CONTENT_HASH, CHAIN_HASH_1);

        // then: identical content, same content hash, different chain hash
        assertEquals(ENVELOPE_2, envelope);
        assertEquals(CHAIN_HASH_2, chainHash);
        assertNotEquals(CHAIN_HASH_1, chainHash);
    }

    @Test
    void entryLink_buildsTheVectorChain_decisionDecisionFlag() {
        // when: the three entries linked through the public builder
        Entry e1 = Entry.link(CHAIN, 1, EntryType.DECISION, DEC_1, DEC_1, "2026-11-23T20:12:00.123Z",
                DECISION_CONTENT, EntryHasher.contentHash(DECISION_CONTENT), EntryHasher.GENESIS);
        Entry e2 = Entry.link(CHAIN, 2, EntryType.DECISION, DEC_2, DEC_2, "2026-11-23T20:12:01.456Z",
                DECISION_CONTENT, EntryHasher.contentHash(DECISION_CONTENT), e1.chainHash());
        Entry e3 = Entry.link(CHAIN, 3, EntryType.FLAG, FLAG_3, DEC_1, "2026-11-23T20:15:30.000Z",
                FLAG_CONTENT, EntryHasher.contentHash(FLAG_CONTENT), e2.chainHash());

        // then
        assertEquals(CHAIN_HASH_1, e1.chainHash());
        assertEquals(CHAIN_HASH_2, e2.chainHash());
        assertEquals(FLAG_CONTENT_HASH, e3.contentHash());
        assertEquals(CHAIN_HASH_3, e3.chainHash());
        assertEquals(CHAIN_HASH_3, EntryHasher.chainHash(e3));
    }

    @Test
    void chainHash_changes_whenAnyEnvelopeFieldChanges() {
        // given
        String base = EntryHasher.chainHash(CHAIN, 1, "decision", DEC_1, DEC_1, "2026-11-23T20:12:00.123Z",
                DECISION_CONTENT_HASH, EntryHasher.GENESIS);

        // when / then: each field on its own is committed to
        assertEquals(CHAIN_HASH_1, base);
        assertNotEquals(base, EntryHasher.chainHash("support-agenT", 1, "decision", DEC_1, DEC_1,
                "2026-11-23T20:12:00.123Z", DECISION_CONTENT_HASH, EntryHasher.GENESIS));
        assertNotEquals(base, EntryHasher.chainHash(CHAIN, 2, "decision", DEC_1, DEC_1,
                "2026-11-23T20:12:00.123Z", DECISION_CONTENT_HASH, EntryHasher.GENESIS));
        assertNotEquals(base, EntryHasher.chainHash(CHAIN, 1, "flag", DEC_1, DEC_1,
                "2026-11-23T20:12:00.123Z", DECISION_CONTENT_HASH, EntryHasher.GENESIS));
        assertNotEquals(base, EntryHasher.chainHash(CHAIN, 1, "decision", DEC_2, DEC_1,
                "2026-11-23T20:12:00.123Z", DECISION_CONTENT_HASH, EntryHasher.GENESIS));
        assertNotEquals(base, EntryHasher.chainHash(CHAIN, 1, "decision", DEC_1, DEC_2,
                "2026-11-23T20:12:00.123Z", DECISION_CONTENT_HASH, EntryHasher.GENESIS));
        assertNotEquals(base, EntryHasher.chainHash(CHAIN, 1, "decision", DEC_1, DEC_1,
                "2026-11-23T20:12:00.124Z", DECISION_CONTENT_HASH, EntryHasher.GENESIS));
        assertNotEquals(base, EntryHasher.chainHash(CHAIN, 1, "decision", DEC_1, DEC_1,
                "2026-11-23T20:12:00.123Z", FLAG_CONTENT_HASH, EntryHasher.GENESIS));
        assertNotEquals(base, EntryHasher.chainHash(CHAIN, 1, "decision", DEC_1, DEC_1,
                "2026-11-23T20:12:00.123Z", DECISION_CONTENT_HASH, CHAIN_HASH_2));
    }

    @Test
    void envelope_isByteIdenticalToCanonicalizingTheSameObject_forRandomFields() {
        // given: fields full of quotes, backslashes, controls, non-ASCII and astral characters
        Random random = new Random(1);
        String[] types = {"decision", "flag", "correction", "replay"};
        for (int i = 0; i < 5000; i++) {
            String chainId = randomId(random);
            long sequence = switch (random.nextInt(4)) {
                case 0 -> 1 + random.nextInt(10);
                case 1 -> 1 + random.nextInt(Integer.MAX_VALUE);
                case 2 -> 1L << 53; // the largest sequence a double (and so JCS) still prints exactly
                default -> 1 + (random.nextLong() >>> 12); // up to 2^52
            };
            String type = types[random.nextInt(types.length)];
            String id = randomId(random);
            String decisionId = random.nextBoolean() ? id : randomId(random);
            String recordedAt = random.nextInt(5) == 0 ? randomId(random) : Times.format(random.nextLong() >>> 23);
            String contentHash = Canonical.sha256Hex(randomId(random));
            String previousHash = random.nextInt(3) == 0 ? EntryHasher.GENESIS : Canonical.sha256Hex(randomId(random));

            ObjectNode o = Json.object();
            o.put("v", EntryHasher.VERSION);
            o.put("type", type);
            o.put("sequence", sequence);
            o.put("recorded_at", recordedAt);
            o.put("previous_hash", previousHash);
            o.put("id", id);
            o.put("decision_id", decisionId);
            o.put("content_hash", contentHash);
            o.put("chain_id", chainId);

            // when
            String direct = EntryHasher.envelope(chainId, sequence, type, id, decisionId, recordedAt, contentHash,
                    previousHash);
            String general = Canonical.canonicalize(o);

            // then
            assertEquals(general, direct, "case " + i);
            assertEquals(Canonical.sha256Hex(general), EntryHasher.chainHash(chainId, sequence, type, id,
                    decisionId, recordedAt, contentHash, previousHash));
        }
    }

    @Test
    void envelope_rejectsLoneSurrogateInAnId() {
        // when / then
        assertThrows(LedgerException.Invalid.class, () -> EntryHasher.envelope(CHAIN, 1, "decision",
                "dec_\ud800", "dec_\ud800", "2026-11-23T20:12:00.123Z", DECISION_CONTENT_HASH, EntryHasher.GENESIS));
    }

    private static String randomId(Random r) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(24);
        for (int i = 0; i < n; i++) {
            sb.appendCodePoint(r.nextInt(3) == 0 ? "\"\\/'_-{}:,".charAt(r.nextInt(10)) : RandomJson.codePoint(r));
        }
        return sb.toString();
    }
}

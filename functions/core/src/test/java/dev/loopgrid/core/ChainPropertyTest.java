package dev.loopgrid.core;

import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainVerifier;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.ledger.Times;
import dev.loopgrid.core.ledger.Verification;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.ledger.Verification.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.erdtman.jcs.JsonCanonicalizer;
import org.junit.jupiter.api.Test;

/**
 * Property-style tests (seeded, no extra libraries): random decision contents are canonicalised, linked into
 * chains and verified; then any single-character edit of any content and any change to any envelope field
 * must be reported, at the edited entry.
 */
class ChainPropertyTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int CASES = 2000;
    private static final String[] TYPES = {"customer_support_reply", "refund", "t\u00fcr \ud83d\udeaa", ""};

    /** A stored chain as the verifier sees it. */
    private record Stored(String chainId, List<Entry> entries, ChainHead head) {
        Verification verify() {
            return ChainVerifier.verify(chainId, entries.iterator(), head);
        }

        Stored with(int index, Entry replacement) {
            List<Entry> es = new ArrayList<>(entries);
            es.set(index, replacement);
            return new Stored(chainId, es, head);
        }
    }

    // ------------------------------------------------------------------ honest chains

    @Test
    void randomDecisionContents_canonicalizeToAFixedPoint_agreeingWithTheReference() throws Exception {
        Random random = new Random(7);
        for (int i = 0; i < CASES; i++) {
            // given
            ObjectNode content = decisionContent(random);

            // when
            String canonical = Canonical.canonicalize(content);

            // then: re-parsing (as a verifier in another language would) gives back the same bytes
            assertEquals(canonical, Canonical.canonicalize(Json.MAPPER.readTree(canonical)), "case " + i);
            assertEquals(new JsonCanonicalizer(canonical).getEncodedString(), canonical, "case " + i);
        }
    }

    @Test
    void linkedChainsOfRandomContents_verify() {
        Random random = new Random(11);
        long entriesSeen = 0;
        for (int i = 0; i < CASES; i++) {
            // given
            Stored chain = randomChain(random);

            // when
            Verification v = chain.verify();

            // then
            assertNull(v.failure(), () -> "case: " + v.failure().message());
            assertEquals(chain.entries().size(), v.entries());
            assertEquals(chain.entries().stream().filter(e -> e.type() == EntryType.DECISION).count(), v.decisions());
            assertEquals(chain.head().headHash(), v.lastHash());
            entriesSeen += v.entries();
        }
        assertTrue(entriesSeen > CASES, "chains of more than one entry were generated");
    }

    // ------------------------------------------------------------------ content edits

    @Test
    void flippingOneCharacterOfAnyContent_isContentChanged_atThatEntry() {
        Random random = new Random(13);
        for (int i = 0; i < CASES; i++) {
            // given: a chain, one entry in it and one character of its stored content
            Stored chain = randomChain(random);
            int k = random.nextInt(chain.entries().size());
            Entry e = chain.entries().get(k);
            int pos = random.nextInt(e.content().length());

            // when
            Stored tampered = chain.with(k, withContent(e, flip(e.content(), pos)));
            Verification v = tampered.verify();

            // then
            assertFailure(v, Kind.CONTENT_CHANGED, e.sequence(), e.id(), "case " + i + ", char " + pos);
        }
    }

    @Test
    void flippingEveryCharacterOfEveryContent_ofSmallChains_isAlwaysDetected() {
        Random random = new Random(17);
        int flips = 0;
        for (int c = 0; c < 25; c++) {
            Stored chain = randomChain(random);
            for (int k = 0; k < chain.entries().size(); k++) {
                Entry e = chain.entries().get(k);
                for (int pos = 0; pos < e.content().length(); pos++) {
                    // given
                    Stored tampered = chain.with(k, withContent(e, flip(e.content(), pos)));

                    // when
                    Verification v = tampered.verify();

                    // then
                    assertFailure(v, Kind.CONTENT_CHANGED, e.sequence(), e.id(), "chain " + c + ", entry " + k
                            + ", char " + pos);
                    flips++;
                }
            }
        }
        assertTrue(flips > 1000, "only " + flips + " flips");
    }

    // ------------------------------------------------------------------ envelope edits

    @Test
    void changingAnyEnvelopeField_isReportedAtThatEntry() {
        Random random = new Random(19);
        for (int i = 0; i < CASES; i++) {
            Stored chain = randomChain(random);
            int k = random.nextInt(chain.entries().size());
            Entry e = chain.entries().get(k);
            String at = "case " + i + ", sequence " + e.sequence();

            // given / when / then, one field at a time (each alone must be detected)
            assertFailure(chain.with(k, copy(e, b -> b.chainId(changed(random, e.chainId())))).verify(),
                    Kind.INSERTED, e.sequence(), e.id(), at + ", chain_id");
            EntryType otherType = EntryType.values()[(e.type().ordinal() + 1 + random.nextInt(3)) % 4];
            assertFailure(chain.with(k, copy(e, b -> b.type(otherType))).verify(),
                    Kind.ENVELOPE_CHANGED, e.sequence(), e.id(), at + ", type");
            String newId = changed(random, e.id());
            assertFailure(chain.with(k, copy(e, b -> b.id(newId))).verify(),
                    Kind.ENVELOPE_CHANGED, e.sequence(), newId, at + ", id");
            assertFailure(chain.with(k, copy(e, b -> b.decisionId(changed(random, e.decisionId())))).verify(),
                    Kind.ENVELOPE_CHANGED, e.sequence(), e.id(), at + ", decision_id");
            assertFailure(chain.with(k, copy(e, b -> b.recordedAt(changed(random, e.recordedAt())))).verify(),
                    Kind.ENVELOPE_CHANGED, e.sequence(), e.id(), at + ", recorded_at");
            assertFailure(chain.with(k, copy(e, b -> b.previousHash(flipHex(random, e.previousHash())))).verify(),
                    Kind.ENVELOPE_CHANGED, e.sequence(), e.id(), at + ", previous_hash");
            // the stored chain_hash no longer matches the envelope: caught at this entry already (ChainVerifier
            // recomputes every chain_hash), before the next entry's link or the head could disagree
            assertFailure(chain.with(k, copy(e, b -> b.chainHash(flipHex(random, e.chainHash())))).verify(),
                    Kind.ENVELOPE_CHANGED, e.sequence(), e.id(), at + ", chain_hash");
            // a content_hash that no longer matches the content is a content change
            assertFailure(chain.with(k, copy(e, b -> b.contentHash(flipHex(random, e.contentHash())))).verify(),
                    Kind.CONTENT_CHANGED, e.sequence(), e.id(), at + ", content_hash");
        }
    }

    @Test
    void changingAnySequenceNumber_isReportedAtThatEntry_asInsertedReorderedOrGap() {
        Random random = new Random(23);
        for (int i = 0; i < CASES; i++) {
            // given: entry k claims another sequence s
            Stored chain = randomChain(random);
            int k = random.nextInt(chain.entries().size());
            Entry e = chain.entries().get(k);
            long s;
            do {
                s = switch (random.nextInt(5)) {
                    case 0 -> e.sequence() - 1;
                    case 1 -> e.sequence() + 1;
                    case 2 -> e.sequence() + 2;
                    case 3 -> random.nextInt(10) - 2;
                    default -> e.sequence() + random.nextInt(1000);
                };
            } while (s == e.sequence());
            long claimed = s;

            // when
            Verification v = chain.with(k, copy(e, b -> b.sequence(claimed))).verify();

            // then: the rules of ChainVerifier — a repeat is an insertion, a smaller number a reordering, a
            // larger one a gap unless the next entry fills it
            long prev = e.sequence() - 1;
            boolean nextFills = k + 1 < chain.entries().size() && e.sequence() + 1 < claimed;
            Kind expected = claimed == prev ? Kind.INSERTED
                    : claimed < prev ? Kind.REORDERED
                    : nextFills ? Kind.REORDERED : Kind.SEQUENCE_GAP;
            assertFailure(v, expected, claimed, e.id(), "case " + i + ": " + e.sequence() + " → " + claimed);
        }
    }

    @Test
    void rehashingOneEntryConsistently_isCaughtByTheNextLinkOrTheHead() {
        Random random = new Random(29);
        for (int i = 0; i < CASES; i++) {
            // given: entry k's content edited and both of its hashes recomputed (a careful forger)
            Stored chain = randomChain(random);
            int k = random.nextInt(chain.entries().size());
            Entry e = chain.entries().get(k);
            String content = Canonical.canonicalize(decisionContent(random));
            Entry forged = Entry.link(e.chainId(), e.sequence(), e.type(), e.id(), e.decisionId(), e.recordedAt(),
                    content, EntryHasher.contentHash(content), e.previousHash());
            if (forged.chainHash().equals(e.chainHash())) continue; // the same content was drawn again

            // when
            Verification v = chain.with(k, forged).verify();

            // then: the next entry's link, or for the last entry the head
            if (k + 1 < chain.entries().size()) {
                Entry next = chain.entries().get(k + 1);
                assertFailure(v, Kind.LINK_BROKEN, next.sequence(), next.id(), "case " + i);
            } else {
                assertFailure(v, Kind.HEAD_MISMATCH, chain.head().sequence(), null, "case " + i);
            }
            assertEquals(e.sequence(), v.lastSequence());
            assertEquals(forged.chainHash(), v.lastHash());
        }
    }

    // ------------------------------------------------------------------ generators

    /** A decision's content: exactly the eight members, optional ones sometimes null, values of every kind. */
    private static ObjectNode decisionContent(Random r) {
        ObjectNode c = NODES.objectNode();
        c.put("service_name", "svc-" + r.nextInt(3));
        c.put("decision_type", TYPES[r.nextInt(TYPES.length)]);
        c.set("input", r.nextInt(4) == 0 ? RandomJson.deep(r, 1 + r.nextInt(19)) : RandomJson.object(r, 4));
        c.set("model", r.nextBoolean() ? NODES.nullNode()
                : NODES.objectNode().put("provider", RandomJson.string(r)).put("name", RandomJson.string(r)));
        c.set("output", RandomJson.tree(r, 4));
        c.set("prompt", r.nextBoolean() ? NODES.nullNode() : NODES.textNode(RandomJson.string(r)));
        c.set("tool_calls", r.nextBoolean() ? NODES.nullNode() : RandomJson.array(r, 3));
        c.set("metadata", r.nextBoolean() ? NODES.nullNode() : RandomJson.object(r, 2));
        return c;
    }

    /** 1–6 entries of random types and contents, properly linked, with a head naming the last one. */
    private static Stored randomChain(Random r) {
        String chainId = r.nextInt(4) == 0 ? RandomJson.string(r) : "svc-" + r.nextInt(100);
        int n = 1 + r.nextInt(6);
        List<Entry> entries = new ArrayList<>(n);
        String prev = EntryHasher.GENESIS;
        List<String> decisions = new ArrayList<>();
        long time = 1_790_000_000_000L + r.nextInt(1_000_000);
        for (int seq = 1; seq <= n; seq++) {
            EntryType type = decisions.isEmpty() || r.nextBoolean() ? EntryType.DECISION
                    : VERDICTS[r.nextInt(VERDICTS.length)];
            String id = id(r, type);
            String decisionId = type == EntryType.DECISION ? id : decisions.get(r.nextInt(decisions.size()));
            if (type == EntryType.DECISION) decisions.add(id);
            JsonNode content = switch (type) {
                case DECISION -> decisionContent(r);
                case FLAG -> NODES.objectNode().put("decision_id", decisionId).put("reason", RandomJson.string(r));
                case CORRECTION -> NODES.objectNode().put("decision_id", decisionId)
                        .put("corrected_by", RandomJson.string(r)).put("notes", (String) null)
                        .set("correction", RandomJson.object(r, 3));
                case REPLAY -> NODES.objectNode().put("decision_id", decisionId).put("replay_id", id)
                        .set("output", RandomJson.tree(r, 3));
                case CONFIRMATION -> NODES.objectNode().put("decision_id", decisionId)
                        .put("confirmed_by", RandomJson.string(r)).put("notes", r.nextBoolean() ? null : RandomJson.string(r));
                default -> throw new IllegalArgumentException("not generated: " + type);
            };
            String text = Canonical.canonicalize(content);
            time += r.nextInt(5000);
            Entry e = Entry.link(chainId, seq, type, id, decisionId, Times.format(time), text,
                    EntryHasher.contentHash(text), prev);
            entries.add(e);
            prev = e.chainHash();
        }
        ChainHead head = new ChainHead(chainId, n, prev, Map.of(), entries.get(0).recordedAt(),
                entries.get(n - 1).recordedAt());
        return new Stored(chainId, List.copyOf(entries), head);
    }

    /** The entry types about a decision that the property chains mix in (lifecycle types live in their own chain). */
    private static final EntryType[] VERDICTS = {EntryType.FLAG, EntryType.CORRECTION, EntryType.REPLAY,
            EntryType.CONFIRMATION};

    private static String id(Random r, EntryType type) {
        String prefix = switch (type) {
            case DECISION -> "dec_";
            case FLAG -> "flg_";
            case CORRECTION -> "cor_";
            case REPLAY -> "rep_";
            case CONFIRMATION -> "cnf_";
            default -> throw new IllegalArgumentException("not generated: " + type);
        };
        return r.nextInt(5) == 0 ? prefix + RandomJson.string(r) : prefix + Long.toString(r.nextLong() >>> 1, 36);
    }

    // ------------------------------------------------------------------ tampering helpers

    /**
     * {@code s} with the UTF-16 unit at {@code pos} changed in its lowest bit. A surrogate stays a surrogate of
     * the same kind (so the text stays valid UTF-16), anything else stays out of the surrogate range.
     */
    private static String flip(String s, int pos) {
        char[] cs = s.toCharArray();
        cs[pos] ^= 1;
        String flipped = new String(cs);
        assertNotEquals(s, flipped);
        return flipped;
    }

    private static String flipHex(Random r, String hex) {
        int pos = r.nextInt(hex.length());
        char c = hex.charAt(pos);
        char other = "0123456789abcdef".charAt((Character.digit(c, 16) + 1 + r.nextInt(15)) % 16);
        return hex.substring(0, pos) + other + hex.substring(pos + 1);
    }

    /** A different string: one appended, replaced, removed or case-changed character, or a wholly new one. */
    private static String changed(Random r, String s) {
        String out;
        do {
            out = switch (r.nextInt(4)) {
                case 0 -> s + (char) ('a' + r.nextInt(26));
                case 1 -> s.isEmpty() ? "x" : s.substring(1);
                case 2 -> s.isEmpty() ? "\ud83d\ude00" : "\u00e9" + s.substring(1);
                default -> RandomJson.string(r);
            };
        } while (out.equals(s) || hasLoneSurrogate(out));
        return out;
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) i++;
            else if (Character.isSurrogate(c)) return true;
        }
        return false;
    }

    private static Entry withContent(Entry e, String content) {
        return copy(e, b -> b.content(content));
    }

    /** A mutable copy of an entry, so a test can change exactly one field. */
    private static final class Builder {
        String chainId; long sequence; EntryType type; String id; String decisionId; String recordedAt;
        String content; String contentHash; String previousHash; String chainHash;

        Builder chainId(String v) { chainId = v; return this; }
        Builder sequence(long v) { sequence = v; return this; }
        Builder type(EntryType v) { type = v; return this; }
        Builder id(String v) { id = v; return this; }
        Builder decisionId(String v) { decisionId = v; return this; }
        Builder recordedAt(String v) { recordedAt = v; return this; }
        Builder content(String v) { content = v; return this; }
        Builder contentHash(String v) { contentHash = v; return this; }
        Builder previousHash(String v) { previousHash = v; return this; }
        Builder chainHash(String v) { chainHash = v; return this; }
    }

    private static Entry copy(Entry e, UnaryOperator<Builder> change) {
        Builder b = new Builder();
        b.chainId = e.chainId(); b.sequence = e.sequence(); b.type = e.type(); b.id = e.id();
        b.decisionId = e.decisionId(); b.recordedAt = e.recordedAt(); b.content = e.content();
        b.contentHash = e.contentHash(); b.previousHash = e.previousHash(); b.chainHash = e.chainHash();
        b = change.apply(b);
        Entry out = new Entry(b.chainId, b.sequence, b.type, b.id, b.decisionId, b.recordedAt, b.content,
                b.contentHash, b.previousHash, b.chainHash, null);
        assertNotEquals(e, out, "the tamper changed nothing");
        return out;
    }

    private static void assertFailure(Verification v, Kind kind, long sequence, String entryId, String context) {
        assertNotNull(v.failure(), context + ": tampering went undetected");
        Verification.Failure f = v.failure();
        assertEquals(kind, f.kind(), context + ": " + f.message());
        assertEquals(sequence, f.sequence(), context + ": " + f.message());
        assertEquals(entryId, f.entryId(), context + ": " + f.message());
    }
}

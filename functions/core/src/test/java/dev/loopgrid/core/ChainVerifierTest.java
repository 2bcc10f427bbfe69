package dev.loopgrid.core;

import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainVerifier;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.Verification;

import static dev.loopgrid.core.TamperFixtures.CHAIN;
import static dev.loopgrid.core.TamperFixtures.CORRECTION_A;
import static dev.loopgrid.core.TamperFixtures.DEC_A;
import static dev.loopgrid.core.TamperFixtures.DEC_B;
import static dev.loopgrid.core.TamperFixtures.FLAG_A;
import static dev.loopgrid.core.TamperFixtures.FOREIGN_DEC;
import static dev.loopgrid.core.TamperFixtures.FORGED_FLAG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.core.TamperFixtures.Chain;
import dev.loopgrid.core.ledger.Verification.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ChainVerifier} against one fixture file per kind of tampering (see {@link TamperFixtures}), plus the
 * edges the fixtures do not show: missing heads, checkpoints, missing fields, and streaming.
 */
class ChainVerifierTest {

    /**
     * What the verifier must report for each fixture: kind, the sequence the failure names (the bad entry's
     * claimed sequence, or the head's), the bad entry's id (null when the head is at fault), and the last entry
     * that still verified.
     */
    static Stream<Arguments> tampered() {
        return Stream.of(
                Arguments.of("content-changed@3.jsonl", Kind.CONTENT_CHANGED, 3L, FLAG_A, 2L),
                Arguments.of("content-hash-updated@3.jsonl", Kind.ENVELOPE_CHANGED, 3L, FLAG_A, 2L),
                Arguments.of("envelope-changed@2.jsonl", Kind.ENVELOPE_CHANGED, 2L, DEC_B, 1L),
                Arguments.of("broken-link@2.jsonl", Kind.LINK_BROKEN, 2L, DEC_B, 1L),
                // sequence 3 is missing: the entry that reveals it is sequence 4
                Arguments.of("gap@3.jsonl", Kind.SEQUENCE_GAP, 4L, CORRECTION_A, 2L),
                Arguments.of("duplicate@3.jsonl", Kind.INSERTED, 3L, FORGED_FLAG, 3L),
                // storage order 1,3,2,…: sequence 3 stands where 2 belongs
                Arguments.of("reordered@2.jsonl", Kind.REORDERED, 3L, FLAG_A, 1L),
                Arguments.of("truncated-head.jsonl", Kind.HEAD_MISMATCH, 5L, null, 4L),
                Arguments.of("entries-beyond-head.jsonl", Kind.INSERTED, 5L, null, 5L),
                Arguments.of("foreign-chain@2.jsonl", Kind.INSERTED, 2L, FOREIGN_DEC, 1L),
                Arguments.of("rewritten-from@3.jsonl", Kind.HEAD_MISMATCH, 5L, null, 5L));
    }

    // ------------------------------------------------------------------ fixtures

    @Test
    void verify_honestFixture_isValid() {
        // given
        Chain chain = TamperFixtures.load("honest.jsonl");

        // when
        Verification v = ChainVerifier.verify(CHAIN, chain.entries().iterator(), chain.head());

        // then
        assertNull(v.failure(), () -> v.failure().message());
        assertTrue(v.valid());
        assertEquals(5, v.entries());
        assertEquals(2, v.decisions());
        assertEquals(5, v.lastSequence());
        assertEquals(chain.head().headHash(), v.lastHash());
    }

    @ParameterizedTest(name = "{0} → {1} at {2}")
    @MethodSource("tampered")
    void verify_tamperFixture_reportsItsKindAndFirstBadEntry(String file, Kind kind, long sequence, String entryId,
                                                            long lastGoodSequence) {
        // given
        Chain chain = TamperFixtures.load(file);

        // when
        Verification v = ChainVerifier.verify(CHAIN, chain.entries().iterator(), chain.head());

        // then
        assertFalse(v.valid(), file + " verified");
        Verification.Failure f = v.failure();
        assertEquals(kind, f.kind(), f.message());
        assertEquals(sequence, f.sequence(), f.message());
        assertEquals(entryId, f.entryId(), f.message());
        assertEquals(CHAIN, f.chainId());
        assertEquals(entryId == null ? null : decisionIdOf(chain, entryId), f.decisionId());
        assertEquals(entryId == null ? "head:" + CHAIN : entryId, f.brokenAt());
        if (entryId != null) assertTrue(f.message().startsWith(kind.label() + ": "), f.message());
        assertEquals(lastGoodSequence, v.lastSequence());
        assertEquals(lastGoodSequence, v.entries());
    }

    @Test
    void tamperFixtures_everyFileHasAnExpectation() throws Exception {
        // given
        Path dir = Path.of(TamperFixtures.class.getResource("/tamper").toURI());

        // when
        Set<String> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }

        // then
        Set<String> expected = tampered().map(a -> (String) a.get()[0]).collect(Collectors.toCollection(TreeSet::new));
        expected.add("honest.jsonl");
        assertEquals(expected, files);
    }

    @Test
    void tamperFixtures_onDisk_matchTheirGenerator() {
        // given: regenerate with TamperFixtures.main when hashing intentionally changes
        Map<String, Chain> generated = TamperFixtures.all();

        for (Map.Entry<String, Chain> g : generated.entrySet()) {
            // when
            String onDisk = TamperFixtures.read(g.getKey());

            // then
            assertEquals(TamperFixtures.toJsonl(g.getValue()), onDisk, g.getKey());
            assertEquals(g.getValue(), TamperFixtures.parse(onDisk), g.getKey());
        }
    }

    @Test
    void tamperFixtures_differFromHonestOnlyWhereNamed() {
        // given
        List<Entry> honest = TamperFixtures.load("honest.jsonl").entries();

        // when
        List<Entry> contentChanged = TamperFixtures.load("content-changed@3.jsonl").entries();

        // then: one field of one entry differs, so the verdict is about that edit alone
        assertEquals(honest.size(), contentChanged.size());
        for (int i = 0; i < honest.size(); i++) {
            if (i == 2) {
                assertEquals(honest.get(i).contentHash(), contentChanged.get(i).contentHash());
                assertFalse(honest.get(i).content().equals(contentChanged.get(i).content()));
            } else {
                assertEquals(honest.get(i), contentChanged.get(i));
            }
        }
    }

    // ------------------------------------------------------------------ heads and checkpoints

    @Test
    void verify_emptyChainWithoutHead_isValid() {
        // when
        Verification v = ChainVerifier.verify(CHAIN, List.<Entry>of().iterator(), null);

        // then
        assertTrue(v.valid());
        assertEquals(0, v.entries());
        assertEquals(0, v.lastSequence());
        assertEquals(EntryHasher.GENESIS, v.lastHash());
    }

    @Test
    void verify_entriesWithoutHead_isHeadMismatchAtLastEntry() {
        // given
        List<Entry> honest = TamperFixtures.honestEntries();

        // when
        Verification v = ChainVerifier.verify(CHAIN, honest.iterator(), null);

        // then
        assertEquals(Kind.HEAD_MISMATCH, v.failure().kind());
        assertEquals(5, v.failure().sequence());
        assertNull(v.failure().entryId());
    }

    @Test
    void verify_headWithEntriesMissingEntirely_isHeadMismatch() {
        // given: a head at 5 and no entries at all
        ChainHead head = TamperFixtures.load("honest.jsonl").head();

        // when
        Verification v = ChainVerifier.verify(CHAIN, List.<Entry>of().iterator(), head);

        // then
        assertEquals(Kind.HEAD_MISMATCH, v.failure().kind());
        assertEquals(5, v.failure().sequence());
        assertEquals(0, v.entries());
    }

    @Test
    void verify_headNamingAnotherHash_isHeadMismatch() {
        // given
        List<Entry> honest = TamperFixtures.honestEntries();
        ChainHead head = new ChainHead(CHAIN, 5, honest.get(3).chainHash(), Map.of(), null, null);

        // when
        Verification v = ChainVerifier.verify(CHAIN, honest.iterator(), head);

        // then
        assertEquals(Kind.HEAD_MISMATCH, v.failure().kind());
        assertEquals(5, v.failure().sequence());
        assertEquals(5, v.entries());
    }

    @Test
    void verify_headWithoutHash_isHeadMismatch_notAnException() {
        // given: a damaged head item that lost its head_hash
        List<Entry> honest = TamperFixtures.honestEntries();
        ChainHead head = new ChainHead(CHAIN, 5, null, Map.of(), null, null);

        // when
        Verification v = ChainVerifier.verify(CHAIN, honest.iterator(), head);

        // then
        assertEquals(Kind.HEAD_MISMATCH, v.failure().kind());
        assertEquals(5, v.failure().sequence());
    }

    @Test
    void verifyFrom_checkpoint_checksOnlyTheEntriesAfterIt() {
        // given: the checkpoint after sequence 2, and only entries 3..5
        List<Entry> honest = TamperFixtures.honestEntries();
        Chain chain = TamperFixtures.load("honest.jsonl");

        // when
        Verification v = ChainVerifier.verifyFrom(CHAIN, 2, honest.get(1).chainHash(),
                honest.subList(2, 5).iterator(), chain.head());

        // then
        assertTrue(v.valid(), () -> v.failure().message());
        assertEquals(3, v.entries());
        assertEquals(0, v.decisions());
        assertEquals(5, v.lastSequence());
    }

    @Test
    void verifyFrom_checkpointWithAnotherHash_isLinkBrokenAtTheFirstEntryAfterIt() {
        // given: a checkpoint hash that is not entry 2's
        List<Entry> honest = TamperFixtures.honestEntries();

        // when
        Verification v = ChainVerifier.verifyFrom(CHAIN, 2, honest.get(0).chainHash(),
                honest.subList(2, 5).iterator(), TamperFixtures.load("honest.jsonl").head());

        // then
        assertEquals(Kind.LINK_BROKEN, v.failure().kind());
        assertEquals(3, v.failure().sequence());
        assertEquals(FLAG_A, v.failure().entryId());
        assertEquals(DEC_A, v.failure().decisionId());
    }

    // ------------------------------------------------------------------ missing fields

    @Test
    void verify_entryWithoutPreviousHash_isEnvelopeChanged_notAnException() {
        // given: entry 2 lost its previous_hash attribute
        List<Entry> es = new ArrayList<>(TamperFixtures.honestEntries());
        Entry e = es.get(1);
        es.set(1, new Entry(e.chainId(), e.sequence(), e.type(), e.id(), e.decisionId(), e.recordedAt(), e.content(),
                e.contentHash(), null, e.chainHash(), null));

        // when
        Verification v = ChainVerifier.verify(CHAIN, es.iterator(), TamperFixtures.load("honest.jsonl").head());

        // then
        assertEquals(Kind.ENVELOPE_CHANGED, v.failure().kind());
        assertEquals(2, v.failure().sequence());
        assertEquals(DEC_B, v.failure().entryId());
    }

    @Test
    void verify_entryWithoutContentOrHashes_isReportedNotThrown() {
        List<Entry> honest = TamperFixtures.honestEntries();
        ChainHead head = TamperFixtures.load("honest.jsonl").head();
        Entry e = honest.get(2);
        Map<String, Entry> damaged = Map.of(
                "content", new Entry(e.chainId(), 3, e.type(), e.id(), e.decisionId(), e.recordedAt(), null,
                        e.contentHash(), e.previousHash(), e.chainHash(), null),
                "content_hash", new Entry(e.chainId(), 3, e.type(), e.id(), e.decisionId(), e.recordedAt(),
                        e.content(), null, e.previousHash(), e.chainHash(), null),
                "chain_hash", new Entry(e.chainId(), 3, e.type(), e.id(), e.decisionId(), e.recordedAt(),
                        e.content(), e.contentHash(), e.previousHash(), null, null),
                "type", new Entry(e.chainId(), 3, null, e.id(), e.decisionId(), e.recordedAt(),
                        e.content(), e.contentHash(), e.previousHash(), e.chainHash(), null),
                "decision_id", new Entry(e.chainId(), 3, e.type(), e.id(), null, e.recordedAt(),
                        e.content(), e.contentHash(), e.previousHash(), e.chainHash(), null),
                "recorded_at", new Entry(e.chainId(), 3, e.type(), e.id(), e.decisionId(), null,
                        e.content(), e.contentHash(), e.previousHash(), e.chainHash(), null),
                "chain_id", new Entry(null, 3, e.type(), e.id(), e.decisionId(), e.recordedAt(),
                        e.content(), e.contentHash(), e.previousHash(), e.chainHash(), null));
        Map<String, Kind> expected = Map.of("content", Kind.CONTENT_CHANGED, "content_hash", Kind.CONTENT_CHANGED,
                "chain_hash", Kind.ENVELOPE_CHANGED, "type", Kind.ENVELOPE_CHANGED,
                "decision_id", Kind.ENVELOPE_CHANGED, "recorded_at", Kind.ENVELOPE_CHANGED,
                "chain_id", Kind.INSERTED);
        for (Map.Entry<String, Entry> d : damaged.entrySet()) {
            // given: entry 3 without one field
            List<Entry> es = new ArrayList<>(honest);
            es.set(2, d.getValue());

            // when
            Verification v = ChainVerifier.verify(CHAIN, es.iterator(), head);

            // then
            assertNotNull(v.failure(), d.getKey());
            assertEquals(expected.get(d.getKey()), v.failure().kind(), d.getKey());
            assertEquals(3, v.failure().sequence(), d.getKey());
            assertEquals(FLAG_A, v.failure().entryId(), d.getKey());
        }
    }

    // ------------------------------------------------------------------ sequence rules and streaming

    @Test
    void verify_sequenceSkippingAheadWhenTheNextEntryFillsTheGap_isReordered() {
        // given: storage order 1,2,4,3,5
        List<Entry> es = new ArrayList<>(TamperFixtures.honestEntries());
        java.util.Collections.swap(es, 2, 3);

        // when
        Verification v = ChainVerifier.verify(CHAIN, es.iterator(), TamperFixtures.load("honest.jsonl").head());

        // then
        assertEquals(Kind.REORDERED, v.failure().kind());
        assertEquals(4, v.failure().sequence());
        assertEquals(CORRECTION_A, v.failure().entryId());
    }

    @Test
    void verify_olderEntryStoredLater_isReordered() {
        // given: storage order 1,2,3,4,2 (entry 5 replaced by a replay of entry 2)
        List<Entry> es = new ArrayList<>(TamperFixtures.honestEntries());
        es.set(4, es.get(1));

        // when
        Verification v = ChainVerifier.verify(CHAIN, es.iterator(), TamperFixtures.load("honest.jsonl").head());

        // then
        assertEquals(Kind.REORDERED, v.failure().kind());
        assertEquals(2, v.failure().sequence());
        assertEquals(DEC_B, v.failure().entryId());
        assertEquals(4, v.lastSequence());
    }

    @Test
    void verify_severalMissingSequences_isOneGapNamingTheRange() {
        // given: 1, 4, 5
        List<Entry> honest = TamperFixtures.honestEntries();
        List<Entry> es = List.of(honest.get(0), honest.get(3), honest.get(4));

        // when
        Verification v = ChainVerifier.verify(CHAIN, es.iterator(), TamperFixtures.load("honest.jsonl").head());

        // then
        assertEquals(Kind.SEQUENCE_GAP, v.failure().kind());
        assertEquals(4, v.failure().sequence());
        assertTrue(v.failure().message().contains("2..3"), v.failure().message());
    }

    @Test
    void verify_stopsReadingAtTheFirstBadEntry() {
        // given: content changed at 3, and an iterator that fails the test if entry 5 is ever read
        List<Entry> es = TamperFixtures.load("content-changed@3.jsonl").entries();
        List<Integer> read = new ArrayList<>();
        Iterator<Entry> guarded = new Iterator<>() {
            int i = 0;

            @Override public boolean hasNext() { return i < es.size(); }

            @Override public Entry next() {
                if (i >= 4) throw new AssertionError("read past the first bad entry and its look-ahead");
                read.add(i);
                return es.get(i++);
            }
        };

        // when
        Verification v = ChainVerifier.verify(CHAIN, guarded, null);

        // then
        assertEquals(Kind.CONTENT_CHANGED, v.failure().kind());
        assertEquals(List.of(0, 1, 2), read);
    }

    private static String decisionIdOf(Chain chain, String entryId) {
        return chain.entries().stream().filter(e -> entryId.equals(e.id())).map(Entry::decisionId).findFirst()
                .orElseThrow();
    }
}

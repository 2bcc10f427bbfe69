package dev.loopgrid.core;

import dev.loopgrid.core.decision.ContentStore;

import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.decision.DecisionPage;
import dev.loopgrid.core.decision.DecisionQuery;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.ledger.AppendRequest;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.ChainVerifier;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.decision.NewDecision;
import dev.loopgrid.core.decision.StatusChange;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.StoreException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link LedgerStore} must have, run against the in-memory fake (core) and against
 * DynamoDB Local (local module), so the fake the fast unit tests use is proven to behave like the real store.
 */
public abstract class LedgerStoreContract {
    protected static final String TENANT = "contract";
    protected static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T20:00:00Z"), ZoneOffset.UTC);

    protected LedgerStore store;
    private final ChainKey chain = new ChainKey(TENANT, "svc");

    /** A store over empty storage. */
    protected abstract LedgerStore newStore(Clock clock);

    /**
     * Another handle on the same storage as the last {@link #newStore} (another process: its own caches), counting
     * at most {@code maxNames} types and model labels per chain under their own names; every handle of one storage
     * is given the same cap, and the first is asked for before anything is appended.
     */
    protected abstract LedgerStore sameStorage(Clock clock, int maxNames);

    @BeforeEach
    void freshStore() {
        store = newStore(CLOCK);
    }

    private static AppendRequest decision(String id, String type, AppendRequest.IdempotencyClaim claim) {
        String content = "{\"id\":\"" + id + "\"}";
        return new AppendRequest(EntryType.DECISION, id, id, content, EntryHasher.contentHash(content),
                new NewDecision(id, type, null), claim);
    }

    private static AppendRequest flag(String decisionId, DecisionStatus expected) {
        String content = "{\"decision_id\":\"" + decisionId + "\",\"reason\":null}";
        return new AppendRequest(EntryType.FLAG, "flg_" + decisionId, decisionId, content,
                EntryHasher.contentHash(content),
                new StatusChange(decisionId, "t", expected, DecisionStatus.INCORRECT, "wrong", null, null, null, null, null), null);
    }

    private List<Entry> link(ChainHead after, List<AppendRequest> reqs, String at) {
        long seq = after == null ? 0 : after.sequence();
        String prev = after == null ? EntryHasher.GENESIS : after.headHash();
        List<Entry> out = new ArrayList<>();
        for (AppendRequest r : reqs) {
            Entry e = Entry.link(chain.chainId(), ++seq, r.type(), r.id(), r.decisionId(), at, r.content(), r.contentHash(), prev,
                    r.contentKey());
            out.add(e);
            prev = e.chainHash();
        }
        return out;
    }

    /** The deltas the ledger would add for {@code reqs}. */
    private List<Entry> entriesAt(List<AppendRequest> reqs) {
        return link(null, reqs, "2026-11-23T20:00:00.000Z");
    }

    private java.util.Map<String, Long> deltas(List<AppendRequest> reqs) {
        return Ledger.counterDeltas(reqs, entriesAt(reqs));
    }

    private ChainHead append(ChainHead expected, List<AppendRequest> reqs) {
        List<Entry> entries = link(expected, reqs, "2026-11-23T20:00:00.000Z");
        store.append(chain, expected, entries, reqs, deltas(reqs));
        return store.readHead(chain).orElseThrow();
    }

    @Test
    void firstAppend_createsHead_withSequenceHashAndCounters() {
        assertTrue(store.readHead(chain).isEmpty());
        ChainHead h = append(null, List.of(decision("dec_a", "t", null), decision("dec_b", "u", null)));
        assertEquals(2, h.sequence());
        assertEquals(store.readEntry(chain, 2).orElseThrow().chainHash(), h.headHash());
        assertEquals(2, h.counter(Counters.DECISIONS));
        assertEquals(1, h.counter(Counters.type("t")));
        assertEquals(2, h.counter(Counters.status(DecisionStatus.RECORDED)));
        assertEquals(List.of("svc"), store.listChains(TENANT).stream().map(ChainHead::chainId).toList());
    }

    @Test
    void append_withStaleHead_isHeadMoved_andWritesNothing() {
        ChainHead h1 = append(null, List.of(decision("dec_a", "t", null)));
        append(h1, List.of(decision("dec_b", "t", null)));
        List<AppendRequest> late = List.of(decision("dec_c", "t", null));
        assertThrows(StoreException.HeadMoved.class,
                () -> store.append(chain, h1, link(h1, late, "2026-11-23T20:00:00.000Z"), late, deltas(late)));
        assertThrows(StoreException.HeadMoved.class,
                () -> store.append(chain, null, link(null, late, "2026-11-23T20:00:00.000Z"), late, deltas(late)));
        assertTrue(store.findDecision(TENANT, "dec_c").isEmpty());
        assertEquals(2, store.readHead(chain).orElseThrow().sequence());
    }

    @Test
    void takenIdempotencyKey_isRejectedNamingTheRequest_andTheWholeBatchIsNotWritten() {
        long expires = CLOCK.instant().getEpochSecond() + 3600;
        ChainHead h = append(null, List.of(decision("dec_a", "t", new AppendRequest.IdempotencyClaim("k1", "h", expires))));
        assertEquals("dec_a", store.findIdempotency(TENANT, "k1").orElseThrow().decisionId());
        List<AppendRequest> batch = List.of(decision("dec_b", "t", null),
                decision("dec_c", "t", new AppendRequest.IdempotencyClaim("k1", "h2", expires)));
        StoreException.WriteRejected e = assertThrows(StoreException.WriteRejected.class,
                () -> store.append(chain, h, link(h, batch, "2026-11-23T20:00:00.000Z"), batch, deltas(batch)));
        assertEquals(1, e.index());
        assertEquals(StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN, e.reason());
        assertTrue(store.findDecision(TENANT, "dec_b").isEmpty(), "all or nothing");
        assertEquals(1, store.readHead(chain).orElseThrow().sequence());
    }

    /** Every refused request of a batch is named (DynamoDB's cancellation reasons say which items failed). */
    @Test
    void severalRefusedRequests_areAllNamed_withTheirReasons() {
        long expires = CLOCK.instant().getEpochSecond() + 3600;
        ChainHead h = append(null, List.of(decision("dec_a", "t", new AppendRequest.IdempotencyClaim("k1", "h", expires)),
                decision("dec_b", "t", null)));
        List<AppendRequest> batch = List.of(decision("dec_c", "t", null),
                decision("dec_d", "t", new AppendRequest.IdempotencyClaim("k1", "h2", expires)),
                decision("dec_e", "t", null),
                decision("dec_b", "t", null)); // a new decision whose id is taken
        StoreException.WriteRejected e = assertThrows(StoreException.WriteRejected.class,
                () -> store.append(chain, h, link(h, batch, "2026-11-23T20:00:00.000Z"), batch, deltas(batch)));
        assertEquals(java.util.Map.of(1, StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN,
                3, StoreException.WriteRejected.Reason.PROJECTION_MOVED), e.all());
        assertEquals(1, e.index());
        assertTrue(store.findDecision(TENANT, "dec_c").isEmpty(), "all or nothing");
        assertEquals(2, store.readHead(chain).orElseThrow().sequence());
    }

    @Test
    void statusChange_appliesOnlyFromTheExpectedStatus() {
        ChainHead h = append(null, List.of(decision("dec_a", "t", null)));
        h = append(h, List.of(flag("dec_a", DecisionStatus.RECORDED)));
        DecisionRecord d = store.findDecision(TENANT, "dec_a").orElseThrow();
        assertEquals(DecisionStatus.INCORRECT, d.status());
        assertEquals("wrong", d.incorrectReason());
        assertEquals(1, h.counter(Counters.status(DecisionStatus.INCORRECT)));
        assertEquals(0, h.counter(Counters.status(DecisionStatus.RECORDED)));
        ChainHead at = h;
        List<AppendRequest> stale = List.of(flag("dec_a", DecisionStatus.RECORDED));
        StoreException.WriteRejected e = assertThrows(StoreException.WriteRejected.class,
                () -> store.append(chain, at, link(at, stale, "2026-11-23T20:00:00.000Z"), stale, deltas(stale)));
        assertEquals(StoreException.WriteRejected.Reason.PROJECTION_MOVED, e.reason());
    }

    @Test
    void readEntries_returnsTheRangeInOrder_andReadEntryFindsOne() {
        ChainHead h = null;
        for (int i = 0; i < 7; i++) h = append(h, List.of(decision("dec_" + i, "t", null)));
        List<Long> seqs = new ArrayList<>();
        for (Iterator<Entry> it = store.readEntries(chain, 3, 6); it.hasNext(); ) seqs.add(it.next().sequence());
        assertEquals(List.of(3L, 4L, 5L, 6L), seqs);
        assertEquals("dec_4", store.readEntry(chain, 5).orElseThrow().id());
        assertTrue(store.readEntry(chain, 8).isEmpty());
        assertTrue(ChainVerifier.verify("svc", store.readEntries(chain, 1, 7), h).valid());
    }

    @Test
    void listDecisions_filtersNewestFirst_withExactTotals_andCursorPaging() {
        ChainHead h = null;
        for (int i = 0; i < 5; i++) h = append(h, List.of(decision("dec_" + i, i % 2 == 0 ? "even" : "odd", null)));
        append(h, List.of(flag("dec_2", DecisionStatus.RECORDED)));
        DecisionPage evens = store.listDecisions(TENANT, new DecisionQuery("svc", "even", null, null, null, 1, 2, null));
        assertEquals(3, evens.total());
        assertEquals(2, evens.decisions().size());
        assertTrue(evens.hasMore());
        DecisionPage rest = store.listDecisions(TENANT, new DecisionQuery("svc", "even", null, null, null, 1, 2, evens.nextCursor()));
        assertFalse(rest.hasMore());
        Set<String> seen = new HashSet<>();
        evens.decisions().forEach(d -> seen.add(d.decisionId()));
        rest.decisions().forEach(d -> seen.add(d.decisionId()));
        assertEquals(Set.of("dec_0", "dec_2", "dec_4"), seen);
        DecisionPage incorrect = store.listDecisions(TENANT,
                new DecisionQuery(null, null, DecisionStatus.INCORRECT, null, null, 1, 20, null));
        assertEquals(1, incorrect.total());
        assertEquals("dec_2", incorrect.decisions().get(0).decisionId());
    }

    private static AppendRequest modelDecision(String id, String type, String model) {
        String content = "{\"id\":\"" + id + "\"}";
        return new AppendRequest(EntryType.DECISION, id, id, content, EntryHasher.contentHash(content),
                new NewDecision(id, type, model, new dev.loopgrid.core.decision.Usage(120L, 10L, 5L, null)), null);
    }

    private static AppendRequest flagOf(String decisionId, String type, String model) {
        String content = "{\"decision_id\":\"" + decisionId + "\",\"reason\":null}";
        return new AppendRequest(EntryType.FLAG, "flg_" + decisionId, decisionId, content,
                EntryHasher.contentHash(content), new StatusChange(decisionId, type, DecisionStatus.RECORDED,
                        DecisionStatus.INCORRECT, "wrong", null, null, null, model, "2026-11-23T20:00:00.000Z"), null);
    }

    private ChainHead appendTo(LedgerStore s, ChainHead expected, List<AppendRequest> reqs) {
        List<Entry> entries = link(expected, reqs, "2026-11-23T20:00:00.000Z");
        s.append(chain, expected, entries, reqs, Ledger.counterDeltas(reqs, entries));
        return s.readPosition(chain).orElseThrow();
    }

    @Test
    void readPosition_isTheHeadWithoutCounters_andReadHeadHasThemAll() {
        assertTrue(store.readPosition(chain).isEmpty());
        append(null, List.of(modelDecision("dec_a", "t", "p/m")));
        ChainHead position = store.readPosition(chain).orElseThrow();
        ChainHead head = store.readHead(chain).orElseThrow();
        assertEquals(head.sequence(), position.sequence());
        assertEquals(head.headHash(), position.headHash());
        assertEquals(head.firstRecordedAt(), position.firstRecordedAt());
        assertEquals(head.lastRecordedAt(), position.lastRecordedAt());
        assertTrue(position.counters().isEmpty(), "no counters on the append path's read");
        assertEquals(1, head.counter(Counters.model("p/m")));
        assertEquals(10, head.counter(Counters.tokensIn("p/m")));
        assertEquals(1, head.counter(Counters.week("2026-W48")));
        assertEquals(1, head.counter(Counters.entriesOfType(EntryType.DECISION)));
        assertEquals(1, store.readCounter(chain, Counters.type("t")).orElseThrow());
        assertEquals(0, store.readCounter(chain, Counters.type("never")).orElseThrow());
        assertEquals(head.counters(), store.listChains(TENANT).get(0).counters());
        assertEquals(List.of("svc"), store.listChainIds(TENANT));
    }

    @Test
    void namesBeyondTheCap_areCountedUnderOther_forGood_andTotalsStayExact() {
        LedgerStore capped = sameStorage(CLOCK, 3);
        // two admitted in one batch, then a batch of three new names: one fits, two fold
        ChainHead h = appendTo(capped, null, List.of(modelDecision("dec_a", "a", "p/a"), modelDecision("dec_b", "b", "p/b")));
        h = appendTo(capped, h, List.of(modelDecision("dec_c", "c", "p/c"), modelDecision("dec_d", "d", "p/d"),
                modelDecision("dec_e", "e", "p/e")));
        // a name admitted earlier keeps its counters; another process (empty caches) sees the same
        LedgerStore other = sameStorage(CLOCK, 3);
        h = appendTo(other, h, List.of(modelDecision("dec_f", "a", "p/a"), modelDecision("dec_g", "z", "p/z")));
        // flags move the counts under the name each decision was counted under
        h = appendTo(other, h, List.of(flagOf("dec_e", "e", "p/e"), flagOf("dec_a", "a", "p/a")));
        ChainHead head = capped.readHead(chain).orElseThrow();
        assertEquals(7, head.counter(Counters.DECISIONS));
        assertEquals(2, head.counter(Counters.type("a")));
        assertEquals(1, head.counter(Counters.type("b")));
        assertEquals(1, head.counter(Counters.type("c")));
        assertEquals(0, head.counter(Counters.type("d")));
        assertEquals(3, head.counter(Counters.type(dev.loopgrid.core.decision.CounterGroups.OTHER)), "d, e, z");
        assertEquals(3, head.counter(Counters.model(dev.loopgrid.core.decision.CounterGroups.OTHER)));
        assertEquals(1, head.counter(Counters.typeStatus(dev.loopgrid.core.decision.CounterGroups.OTHER, DecisionStatus.INCORRECT)));
        assertEquals(2, head.counter(Counters.typeStatus(dev.loopgrid.core.decision.CounterGroups.OTHER, DecisionStatus.RECORDED)));
        assertEquals(1, head.counter(Counters.modelStatus("p/a", DecisionStatus.INCORRECT)));
        assertEquals(1, head.counter(Counters.modelStatus(dev.loopgrid.core.decision.CounterGroups.OTHER, DecisionStatus.INCORRECT)));
        assertEquals(30, head.counter(Counters.tokensIn(dev.loopgrid.core.decision.CounterGroups.OTHER)));
        assertEquals(7, head.counter(Counters.week("2026-W48")), "weeks are not capped");
        long types = head.counters().keySet().stream().filter(k -> k.startsWith("type:")).count();
        assertEquals(4, types, "three names and other: " + head.counters().keySet());
        // one counter: exact where counted under its own name, empty (count another way) where folded
        assertEquals(2, capped.readCounter(chain, Counters.type("a")).orElseThrow());
        assertTrue(capped.readCounter(chain, Counters.type("d")).isEmpty());
        assertTrue(capped.readCounter(chain, Counters.typeStatus("e", DecisionStatus.INCORRECT)).isEmpty());
        // the list total stays exact for a folded type
        DecisionPage d = capped.listDecisions(TENANT, new DecisionQuery("svc", "e", null, null, null, 1, 20, null));
        assertEquals(1, d.total());
        DecisionPage all = capped.listDecisions(TENANT, new DecisionQuery(null, "d", null, null, null, 1, 20, null));
        assertEquals(1, all.total());
        assertEquals(h.sequence(), head.sequence());
    }

    @Test
    void aProcessThatMissedTheLastAdmission_foldsAndRetries_insteadOfPassingTheCap() {
        LedgerStore a = sameStorage(CLOCK, 3);
        LedgerStore b = sameStorage(CLOCK, 3);
        ChainHead h = appendTo(a, null, List.of(modelDecision("dec_1", "t1", "p/1"), modelDecision("dec_2", "t2", "p/2")));
        // b takes the last slot; a still believes there is one left
        h = appendTo(b, h, List.of(modelDecision("dec_3", "t3", "p/3")));
        h = appendTo(a, h, List.of(modelDecision("dec_4", "t4", "p/4")));
        ChainHead head = a.readHead(chain).orElseThrow();
        assertEquals(4, h.sequence());
        assertEquals(1, head.counter(Counters.type("t3")));
        assertEquals(0, head.counter(Counters.type("t4")));
        assertEquals(1, head.counter(Counters.type(dev.loopgrid.core.decision.CounterGroups.OTHER)));
        assertEquals(1, head.counter(Counters.model(dev.loopgrid.core.decision.CounterGroups.OTHER)));
        assertEquals(4, head.counter(Counters.DECISIONS));
        assertTrue(a.readCounter(chain, Counters.type("t4")).isEmpty());
        assertEquals(1, a.listDecisions(TENANT, new DecisionQuery("svc", "t4", null, null, null, 1, 20, null)).total());
    }

    /** A decision whose content (ASCII, {@code bytes} long) is stored under a content key. */
    private static AppendRequest largeDecision(String id, int bytes) {
        String prefix = "{\"id\":\"" + id + "\",\"text\":\"";
        String content = prefix + "x".repeat(bytes - prefix.length() - 2) + "\"}";
        String hash = EntryHasher.contentHash(content);
        return new AppendRequest(EntryType.DECISION, id, id, content, hash, new NewDecision(id, "t", null), null,
                ContentStore.key(TENANT, hash));
    }

    @Test
    void append_withContentKey_storesTheKeyAndHash_notTheContent() {
        AppendRequest large = largeDecision("dec_large", 300_000);
        append(null, List.of(decision("dec_small", "t", null), large));
        Entry e = store.readEntry(chain, 2).orElseThrow();
        assertEquals(large.contentKey(), e.contentKey());
        assertEquals(large.contentHash(), e.contentHash());
        assertNull(e.content());
        Entry small = store.readEntry(chain, 1).orElseThrow();
        assertNull(small.contentKey());
        assertEquals("{\"id\":\"dec_small\"}", small.content());
        List<Entry> all = new ArrayList<>();
        store.readEntries(chain, 1, 2).forEachRemaining(all::add);
        assertEquals(large.contentKey(), all.get(1).contentKey());
        assertEquals(e.chainHash(), all.get(1).chainHash());
        DecisionRecord d = store.findDecision(TENANT, "dec_large").orElseThrow();
        assertEquals(large.contentKey(), d.contentKey());
        assertEquals(large.contentHash(), d.contentHash());
        assertNull(d.content());
        assertNull(d.contentProblem());
        DecisionRecord listed = store.listDecisions(TENANT, new DecisionQuery(null, null, null, null, null, 1, 20, null))
                .decisions().stream().filter(x -> x.decisionId().equals("dec_large")).findFirst().orElseThrow();
        assertEquals(large.contentKey(), listed.contentKey());
        assertNull(listed.content());
    }

    @Test
    void listDecisions_endsAPageBeforeItsBytesPassTheBudget_andTheCursorGoesOnFromThere() {
        // newest first is dec_d, dec_c, dec_b, dec_a (same time, then id descending)
        append(null, List.of(largeDecision("dec_a", 3_000_000), decision("dec_b", "t", null), decision("dec_c", "t", null),
                largeDecision("dec_d", 3_000_000)));
        DecisionPage first = store.listDecisions(TENANT, new DecisionQuery("svc", null, null, null, null, 1, 10, null));
        assertEquals(List.of("dec_d", "dec_c", "dec_b"), first.decisions().stream().map(DecisionRecord::decisionId).toList(),
                "3 MB + two small ones fit; the next 3 MB would pass " + DecisionQuery.PAGE_BYTES + " bytes");
        assertEquals(4, first.total());
        assertTrue(first.hasMore());
        DecisionPage second = store.listDecisions(TENANT,
                new DecisionQuery("svc", null, null, null, null, 1, 10, first.nextCursor()));
        assertEquals(List.of("dec_a"), second.decisions().stream().map(DecisionRecord::decisionId).toList());
        assertFalse(second.hasMore());
        // page=N follows the same boundaries: pages 1, 2, 3 visit every decision once
        List<String> byPage = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            DecisionPage p = store.listDecisions(TENANT, new DecisionQuery("svc", null, null, null, null, n, 10, null));
            p.decisions().forEach(d -> byPage.add(d.decisionId()));
            assertEquals(n == 1, p.hasMore(), "page " + n);
        }
        assertEquals(List.of("dec_d", "dec_c", "dec_b", "dec_a"), byPage);
        DecisionPage second2 = store.listDecisions(TENANT, new DecisionQuery("svc", null, null, null, null, 2, 2, null));
        assertEquals(List.of("dec_b", "dec_a"), second2.decisions().stream().map(DecisionRecord::decisionId).toList(),
                "page_size 2: [d, c] ends by count, then [b, a] fits the budget");
        assertFalse(second2.hasMore());
        // a single decision above the budget still comes back, alone
        DecisionPage one = store.listDecisions(TENANT, new DecisionQuery("svc", null, null, null, null, 1, 1, null));
        assertEquals(1, one.decisions().size());
    }
}

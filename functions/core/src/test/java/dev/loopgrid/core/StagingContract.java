package dev.loopgrid.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.decision.NewDecision;
import dev.loopgrid.core.decision.StatusChange;
import dev.loopgrid.core.decision.Usage;
import dev.loopgrid.core.ledger.AppendRequest;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.StagedRequest;
import dev.loopgrid.core.ledger.StagedState;
import dev.loopgrid.core.ledger.StoreException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a {@link dev.loopgrid.core.ledger.StagingStore} must do for the ledger's staged mode: stage and read back requests
 * whole, tell a writer where its request stands, remove what an append takes from staging in the same write, reject
 * and withdraw, and one lease per chain. Run against DynamoDB Local (StagingContractDynamoTest in local/) and against
 * the in-memory fake, so the fake's answers are the real store's.
 */
public abstract class StagingContract {
    protected static final String TENANT = "staging";
    protected static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T20:00:00Z"), ZoneOffset.UTC);
    private static final String AT = "2026-11-23T20:00:00.000Z";

    protected StagingLedgerStore store;
    private final ChainKey chain = new ChainKey(TENANT, "svc");

    protected abstract StagingLedgerStore newStore(Clock clock);

    @BeforeEach
    void freshStore() {
        store = newStore(CLOCK);
    }

    private static AppendRequest decision(String id, AppendRequest.IdempotencyClaim claim) {
        String content = "{\"id\":\"" + id + "\"}";
        return new AppendRequest(EntryType.DECISION, id, id, content, EntryHasher.contentHash(content),
                new NewDecision(id, "refund", "openai/gpt-4o", new Usage(120L, 30L, 7L, null), "subject-1"), claim);
    }

    private static StagedRequest staged(String stageId, AppendRequest r) {
        return new StagedRequest(stageId, r);
    }

    private List<Entry> link(ChainHead after, List<AppendRequest> reqs) {
        long seq = after == null ? 0 : after.sequence();
        String prev = after == null ? EntryHasher.GENESIS : after.headHash();
        List<Entry> out = new ArrayList<>();
        for (AppendRequest r : reqs) {
            Entry e = Entry.link(chain.chainId(), ++seq, r.type(), r.id(), r.decisionId(), AT, r.content(), r.contentHash(),
                    prev, r.contentKey());
            out.add(e);
            prev = e.chainHash();
        }
        return out;
    }

    private List<Entry> appendStaged(ChainHead expected, List<StagedRequest> staged) {
        List<AppendRequest> reqs = staged.stream().map(StagedRequest::request).toList();
        List<Entry> entries = link(expected, reqs);
        store.append(chain, expected, entries, reqs, Ledger.counterDeltas(reqs, entries), staged);
        return entries;
    }

    @Test
    void stagedRequests_comeBackWhole_oldestFirst() {
        AppendRequest.IdempotencyClaim claim = new AppendRequest.IdempotencyClaim("key-1", "fingerprint", 1_900_000_000L);
        StagedRequest later = staged("001764000000002#00000000000000aa", decision("dec_b", null));
        StagedRequest earlier = staged("001764000000001#00000000000000ff", decision("dec_a", claim));
        store.stage(chain, later);
        store.stage(chain, earlier);

        List<StagedRequest> read = store.readStaged(chain, 10);

        assertEquals(List.of(earlier, later), read);
        assertEquals(List.of(earlier), store.readStaged(chain, 1), "the limit takes the oldest");
        assertEquals(new StagedState.Pending(false), store.stagedState(chain, earlier));
    }

    @Test
    void aWritersManyRequests_areStagedAtOnce_inTheirOrder() {
        List<StagedRequest> many = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            many.add(staged(String.format("001764000000001#00000000000000aa#%04d", i), decision("dec_" + i, null)));
        }
        store.stageAll(chain, many);

        assertEquals(many, store.readStaged(chain, 100));
        assertEquals(many.subList(0, 32), store.readStaged(chain, 32));
    }

    @Test
    void manyStates_areToldAtOnce_inOrder() {
        List<StagedRequest> many = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            many.add(staged(String.format("001764000000001#00000000000000bb#%04d", i), decision("dec_" + i, null)));
        }
        store.stageAll(chain, many.subList(0, 59)); // the last one never staged
        List<Entry> entries = appendStaged(null, many.subList(0, 10));
        store.rejectStaged(chain, many.get(10), StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN);

        List<StagedState> states = store.stagedStates(chain, many);

        assertEquals(60, states.size());
        for (int i = 0; i < 10; i++) assertEquals(new StagedState.Integrated(entries.get(i)), states.get(i));
        assertEquals(new StagedState.Rejected(StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN), states.get(10));
        for (int i = 11; i < 59; i++) assertEquals(new StagedState.Pending(false), states.get(i));
        assertEquals(new StagedState.Absent(), states.get(59));
    }

    @Test
    void stagingTheSameRequestTwice_keepsOne() {
        StagedRequest s = staged("001764000000001#0000000000000001", decision("dec_a", null));
        store.stage(chain, s);
        store.stage(chain, s);

        assertEquals(List.of(s), store.readStaged(chain, 10));
    }

    @Test
    void anAppendTakesWhatItAppendsOutOfStaging_andTheWriterFindsItsEntry() {
        StagedRequest a = staged("001764000000001#0000000000000001", decision("dec_a", null));
        StagedRequest b = staged("001764000000001#0000000000000002", decision("dec_b", null));
        store.stage(chain, a);
        store.stage(chain, b);

        List<Entry> entries = appendStaged(null, List.of(a, b));

        assertEquals(List.of(), store.readStaged(chain, 10));
        assertEquals(new StagedState.Integrated(entries.get(0)), store.stagedState(chain, a));
        assertEquals(new StagedState.Integrated(entries.get(1)), store.stagedState(chain, b));
        ChainHead head = store.readHead(chain).orElseThrow();
        assertEquals(2, head.sequence());
        assertEquals(2, head.counter(Counters.DECISIONS));
        assertEquals(2, head.counter(Counters.model("openai/gpt-4o")), "the staged model label was counted");
        assertEquals(60, head.counter(Counters.tokensIn("openai/gpt-4o")), "the staged usage was counted");
        assertEquals(new StagedState.Integrated(entries.get(0)), store.withdrawStaged(chain, a),
                "withdrawing an appended request says it was appended");
    }

    /**
     * A request staged again for a decision already appended under the same id (an id its idempotency key fixes, as
     * for an OTLP span delivered twice), with the same content: the decision found is not this request's entry, so
     * the request reads as rejected — not as appended — and its writer withdraws it instead of leaving it staged.
     */
    @Test
    void aRequestForADecisionAppendedBefore_readsAsRejected_notAsItsOwnEntry() {
        StagedRequest first = staged("001764000000001#0000000000000001", decision("dec_same", null));
        store.stage(chain, first);
        appendStaged(null, List.of(first));
        StagedRequest again = staged("001764000000002#0000000000000001", decision("dec_same", null));
        store.stage(chain, again);

        assertEquals(new StagedState.Rejected(StoreException.WriteRejected.Reason.PROJECTION_MOVED),
                store.stagedState(chain, again));
        store.withdrawStaged(chain, again);
        assertEquals(List.of(), store.readStaged(chain, 10), "withdrawn");
        assertEquals(1, store.readHead(chain).orElseThrow().sequence());
    }

    @Test
    void anAppendOfARequestNoLongerStaged_movesNothing() {
        StagedRequest a = staged("001764000000001#0000000000000001", decision("dec_a", null));
        store.stage(chain, a);
        assertEquals(new StagedState.Absent(), store.withdrawStaged(chain, a));

        assertThrows(StoreException.HeadMoved.class, () -> appendStaged(null, List.of(a)));
        assertTrue(store.readHead(chain).isEmpty(), "nothing was written");
        assertEquals(new StagedState.Absent(), store.stagedState(chain, a));
    }

    @Test
    void aRejectedRequest_isSkippedByWriters_untilItsWriterWithdrawsIt() {
        StagedRequest a = staged("001764000000001#0000000000000001", decision("dec_a", null));
        StagedRequest b = staged("001764000000001#0000000000000002", decision("dec_b", null));
        store.stage(chain, a);
        store.stage(chain, b);

        store.rejectStaged(chain, a, StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN);

        assertEquals(List.of(b), store.readStaged(chain, 10));
        assertEquals(new StagedState.Rejected(StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN),
                store.stagedState(chain, a));
        assertThrows(StoreException.HeadMoved.class, () -> appendStaged(null, List.of(a)), "a rejected request never goes");
        assertEquals(new StagedState.Rejected(StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN),
                store.withdrawStaged(chain, a));
        assertEquals(new StagedState.Absent(), store.stagedState(chain, a));
        store.rejectStaged(chain, a, StoreException.WriteRejected.Reason.PROJECTION_MOVED); // no longer staged: nothing
        assertEquals(new StagedState.Absent(), store.stagedState(chain, a));
    }

    @Test
    void theStoreStagesNewDecisionsWithInlineContent_only() {
        AppendRequest d = decision("dec_a", null);
        assertTrue(store.canStage(d));
        AppendRequest offloaded = new AppendRequest(d.type(), d.id(), d.decisionId(), d.content(), d.contentHash(),
                d.projection(), null, "content/abc");
        assertFalse(store.canStage(offloaded));
        String content = "{\"decision_id\":\"dec_a\",\"reason\":null}";
        AppendRequest flag = new AppendRequest(EntryType.FLAG, "flg_a", "dec_a", content, EntryHasher.contentHash(content),
                new StatusChange("dec_a", "refund", DecisionStatus.RECORDED, DecisionStatus.INCORRECT, null, null, null,
                        null, null, null), null);
        assertFalse(store.canStage(flag));
    }

    @Test
    void oneLeasePerChain_renewable_releasable_andExpiring() {
        long now = CLOCK.millis();
        assertTrue(store.lease(chain, "w1", now + 2_000));
        assertFalse(store.lease(chain, "w2", now + 2_000), "held by w1");
        assertTrue(store.lease(chain, "w1", now + 4_000), "its holder renews it");
        assertTrue(store.lease(new ChainKey(TENANT, "other"), "w2", now + 2_000), "one lease per chain");
        StagedRequest a = staged("001764000000001#0000000000000001", decision("dec_a", null));
        store.stage(chain, a);
        assertEquals(new StagedState.Pending(true), store.stagedState(chain, a), "a poll sees the lease held");

        store.release(chain, "w2"); // not its holder: nothing
        assertFalse(store.lease(chain, "w2", now + 2_000));
        store.release(chain, "w1");
        assertEquals(new StagedState.Pending(false), store.stagedState(chain, a));
        assertTrue(store.lease(chain, "w2", now - 1), "released: anyone takes it");
        assertTrue(store.lease(chain, "w3", now + 2_000), "expired (until before now): anyone takes it");
        assertEquals(List.of(a), store.readStaged(chain, 10), "the lease is not a staged request");
    }

    @Test
    void aDirectAppendUnlessLeased_isRefusedWhileALeaseIsHeld_andGoesThroughOnceItIsNot() {
        long now = CLOCK.millis();
        List<AppendRequest> first = List.of(decision("dec_a", null));
        List<Entry> entries = link(null, first);
        store.appendUnlessLeased(chain, null, entries, first, Ledger.counterDeltas(first, entries));
        ChainHead head = store.readPosition(chain).orElseThrow();
        assertTrue(store.lease(chain, "w1", now + 2_000));

        List<AppendRequest> second = List.of(decision("dec_b", null));
        List<Entry> next = link(head, second);
        assertThrows(StoreException.Leased.class,
                () -> store.appendUnlessLeased(chain, head, next, second, Ledger.counterDeltas(second, next)));
        assertEquals(1, store.readPosition(chain).orElseThrow().sequence(), "nothing written");
        assertTrue(store.findDecision(TENANT, "dec_b").isEmpty());

        store.append(chain, head, next, second, Ledger.counterDeltas(second, next)); // the holder's own path is unaffected
        ChainHead two = store.readPosition(chain).orElseThrow();
        assertEquals(2, two.sequence());
        assertTrue(store.lease(chain, "w1", now - 1)); // its holder lets it expire
        List<AppendRequest> third = List.of(decision("dec_c", null));
        List<Entry> last = link(two, third);
        store.appendUnlessLeased(chain, two, last, third, Ledger.counterDeltas(third, last));
        assertEquals(3, store.readPosition(chain).orElseThrow().sequence());
        store.release(chain, "w1");
        // a lost head race is still told as such
        assertThrows(StoreException.HeadMoved.class,
                () -> store.appendUnlessLeased(chain, two, last, third, Ledger.counterDeltas(third, last)));
    }

    @Test
    void aPollWithoutTheLease_readsPendingAsLeased_andStillTellsEveryOtherState() {
        StagedRequest a = staged("001764000000001#0000000000000001", decision("dec_a", null));
        StagedRequest gone = staged("001764000000002#0000000000000002", decision("dec_gone", null));
        store.stage(chain, a);

        assertEquals(List.of(new StagedState.Pending(false), new StagedState.Absent()),
                store.stagedStates(chain, List.of(a, gone), true), "read with the lease: nobody holds it");
        assertEquals(List.of(new StagedState.Pending(true), new StagedState.Absent()),
                store.stagedStates(chain, List.of(a, gone), false), "without it: held, as far as the poll can tell");
        List<Entry> appended = appendStaged(null, List.of(a));
        assertEquals(List.of(new StagedState.Integrated(appended.get(0))), store.stagedStates(chain, List.of(a), false));
    }

    @Test
    void staging_doesNotMoveTheHead() {
        StagedRequest a = staged("001764000000001#0000000000000001", decision("dec_a", null));
        store.stage(chain, a);
        assertTrue(store.readHead(chain).isEmpty());
        assertEquals(Arrays.asList(), store.listChains(TENANT));
    }
}

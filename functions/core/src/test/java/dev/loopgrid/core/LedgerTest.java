package dev.loopgrid.core;

import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.ledger.AppendRequest;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.ChainVerifier;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.decision.NewDecision;
import dev.loopgrid.core.decision.StatusChange;
import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.ledger.Verification;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.loopgrid.core.InMemoryLedgerStore.Fault;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The append policy of {@link Ledger} against a scripted in-memory store: retry on a moved head, settling
 * of unknown outcomes, exhaustion, rejection of one request in a batch, and group commit.
 */
class LedgerTest {
    private static final ChainKey CHAIN = new ChainKey("t1", "svc");
    /** No backoff, so exhaustion tests run in microseconds. */
    private static final Ledger.Policy FAST = new Ledger.Policy(4, 0, 0, 32, 3_000_000);

    private final Clock clock = Clock.fixed(Instant.parse("2026-03-01T10:00:00.123Z"), ZoneOffset.UTC);
    private InMemoryLedgerStore store;
    private final List<Thread> threads = new ArrayList<>();

    @BeforeEach
    void setUp() {
        store = new InMemoryLedgerStore(clock);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (Thread t : threads) {
            t.interrupt();
            t.join(2_000);
        }
    }

    // ---- retries ---------------------------------------------------------------------------------------

    @Test
    void append_retriesThenSucceeds_whenHeadMoved() {
        // given a ledger with a warm head, and another process that appends just before our next write
        Ledger ledger = new Ledger(store, clock, FAST, null);
        committed(ledger.append(CHAIN, decision("dec_1", null)));
        Entry[] foreign = new Entry[1];
        store.beforeNextAppend(() -> foreign[0] = store.appendForeign(CHAIN, "dec_foreign"));

        // when
        Entry e = committed(ledger.append(CHAIN, decision("dec_2", null)));

        // then the lost race was retried once, after the head the store returned (no extra head read)
        assertEquals(3, e.sequence());
        assertEquals(foreign[0].chainHash(), e.previousHash());
        assertEquals(3, store.appendCalls.get(), "1 first append + 1 lost race + 1 retry");
        assertEquals(1, store.readHeadCalls.get(), "the cold start only: a lost race carries the current head");
        assertChainValid(3);
    }

    @Test
    void append_throwsUnavailableConflictRetryExhausted_whenHeadKeepsMoving() {
        // given another process that always appends first
        Ledger ledger = new Ledger(store, clock, FAST, null);
        int[] foreign = {0};
        store.beforeEveryAppend(() -> store.appendForeign(CHAIN, "dec_foreign_" + foreign[0]++));

        // when
        LedgerException.Unavailable e = assertThrows(LedgerException.Unavailable.class,
                () -> ledger.append(CHAIN, decision("dec_mine", null)));

        // then
        assertEquals("conflict_retry_exhausted", e.code());
        assertTrue(e.retryAfterSeconds() >= 1);
        assertEquals(FAST.maxAttempts(), store.appendCalls.get());
        store.beforeEveryAppend(null);
        assertChainValid(FAST.maxAttempts());
        assertEquals(0, idsInChain().stream().filter("dec_mine"::equals).count());
    }

    @Test
    void append_throwsUnavailableConflictRetryExhausted_whenStoreKeepsFailing() {
        // given a store whose every append fails before applying
        Ledger ledger = new Ledger(store, clock, FAST, null);
        store.failEveryAppend(Fault.UNAVAILABLE_BEFORE_APPLY);

        // when
        LedgerException.Unavailable e = assertThrows(LedgerException.Unavailable.class,
                () -> ledger.append(CHAIN, decision("dec_1", null)));

        // then nothing was stored, and the next append (store healthy again) starts a clean chain
        assertEquals("conflict_retry_exhausted", e.code());
        assertEquals(FAST.maxAttempts(), store.appendCalls.get());
        store.failEveryAppend(null);
        assertTrue(store.readHead(CHAIN).isEmpty());
        assertEquals(1, committed(ledger.append(CHAIN, decision("dec_2", null))).sequence());
        assertChainValid(1);
    }

    // ---- unknown outcomes ------------------------------------------------------------------------------

    @Test
    void append_acknowledgesOnce_whenAmbiguousFailureActuallyApplied() {
        // given a store that applies the next append and then reports an unknown outcome
        Ledger ledger = new Ledger(store, clock, FAST, null);
        store.failNextAppends(Fault.UNAVAILABLE_AFTER_APPLY);

        // when
        Entry e = committed(ledger.append(CHAIN, decision("dec_1", null)));

        // then the re-read head proved it landed: acknowledged without writing again
        assertEquals(1, e.sequence());
        assertEquals(1, store.appendCalls.get());
        assertChainValid(1);
        assertEquals(List.of("dec_1"), idsInChain());
    }

    @Test
    void append_acknowledgesOnce_whenAmbiguousFailureAppliedAndOthersAppendedOnTop() {
        // given our append lands, another process appends right after it, and we are told "unknown"
        Ledger ledger = new Ledger(store, clock, FAST, null);
        committed(ledger.append(CHAIN, decision("dec_0", null)));
        store.failNextAppends(Fault.UNAVAILABLE_AFTER_APPLY);
        store.afterNextAppliedAppend(() -> store.appendForeign(CHAIN, "dec_foreign"));

        // when
        Entry e = committed(ledger.append(CHAIN, decision("dec_1", null)));

        // then the entry found at our slot proved it landed
        assertEquals(2, e.sequence());
        assertEquals(2, store.appendCalls.get());
        assertTrue(store.readEntryCalls.get() >= 1, "the head moved past our batch: the slot must be read");
        assertChainValid(3);
        assertEquals(List.of("dec_0", "dec_1", "dec_foreign"), idsInChain());
    }

    @Test
    void append_retriesIdenticalEntries_whenAmbiguousFailureDidNotApply() {
        // given a store that fails the next append before applying it
        Ledger ledger = new Ledger(store, clock, FAST, null);
        committed(ledger.append(CHAIN, decision("dec_0", null)));
        store.failNextAppends(Fault.UNAVAILABLE_BEFORE_APPLY);

        // when
        Entry e = committed(ledger.append(CHAIN, decision("dec_1", null)));

        // then it was written exactly once, at the slot it aimed at
        assertEquals(2, e.sequence());
        assertEquals(3, store.appendCalls.get());
        assertChainValid(2);
        assertEquals(List.of("dec_0", "dec_1"), idsInChain());
    }

    @Test
    void append_relinksAfterForeignEntry_whenAmbiguousFailureDidNotApplyAndHeadMovedPast() {
        // given another process takes our slot and our attempt fails with an unknown outcome
        Ledger ledger = new Ledger(store, clock, FAST, null);
        store.beforeNextAppend(() -> store.appendForeign(CHAIN, "dec_foreign"));
        store.failNextAppends(Fault.UNAVAILABLE_BEFORE_APPLY);

        // when
        Entry e = committed(ledger.append(CHAIN, decision("dec_1", null)));

        // then the slot holds the foreign entry, so ours was re-linked after it, once
        assertEquals(2, e.sequence());
        assertChainValid(2);
        assertEquals(List.of("dec_foreign", "dec_1"), idsInChain());
    }

    @Test
    void append_acknowledgesOnce_whenSettlingHeadReadFailsToo() {
        // given the append lands but reports "unknown", and the first head read to settle it fails as well
        Ledger ledger = new Ledger(store, clock, FAST, null);
        committed(ledger.append(CHAIN, decision("dec_0", null)));
        store.failNextAppends(Fault.UNAVAILABLE_AFTER_APPLY);
        store.afterNextAppliedAppend(() -> store.failNextReadHeads(1));

        // when
        Entry e = committed(ledger.append(CHAIN, decision("dec_1", null)));

        // then
        assertEquals(2, e.sequence());
        assertEquals(2, store.appendCalls.get(), "settled by reading, never written twice");
        assertChainValid(2);
    }

    // ---- rejection within a batch ----------------------------------------------------------------------

    @Test
    void append_removesRejectedRequest_andCommitsTheRestOfTheBatch() throws Exception {
        // given key k1 is taken, and three callers queue behind a held leader: B (claims k1), C, D
        Ledger ledger = new Ledger(store, clock, FAST, null);
        committed(ledger.append(CHAIN, decision("dec_x", "k1")));
        CountDownLatch release = store.holdAppends();
        CompletableFuture<Ledger.Result> a = startAppend(ledger, decision("dec_a", null));
        store.awaitHeldAppend();
        CompletableFuture<Ledger.Result> b = startQueuedAppend(ledger, decision("dec_b", "k1"));
        CompletableFuture<Ledger.Result> c = startQueuedAppend(ledger, decision("dec_c", null));
        CompletableFuture<Ledger.Result> d = startQueuedAppend(ledger, decision("dec_d", null));

        // when
        release.countDown();

        // then B alone is rejected; C and D commit in the next transaction, contiguous after A
        assertEquals(new Ledger.Result.Rejected(StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN), get(b));
        assertEquals(2, committed(get(a)).sequence());
        assertEquals(3, committed(get(c)).sequence());
        assertEquals(4, committed(get(d)).sequence());
        assertEquals(List.of(1, 1, 3, 2), store.batchSizes);
        assertChainValid(4);
        assertEquals(List.of("dec_x", "dec_a", "dec_c", "dec_d"), idsInChain());
    }

    @Test
    void append_removesRejectedRequest_afterSettlingAnAmbiguousAttempt() throws Exception {
        // given key k1 is taken, a batch [B (claims k1), C] whose first attempt fails with an unknown outcome
        Ledger ledger = new Ledger(store, clock, FAST, null);
        committed(ledger.append(CHAIN, decision("dec_x", "k1")));
        CountDownLatch release = store.holdAppends();
        CompletableFuture<Ledger.Result> a = startAppend(ledger, decision("dec_a", null));
        store.awaitHeldAppend();
        CompletableFuture<Ledger.Result> b = startQueuedAppend(ledger, decision("dec_b", "k1"));
        CompletableFuture<Ledger.Result> c = startQueuedAppend(ledger, decision("dec_c", null));
        store.failNextAppends(Fault.NONE, Fault.UNAVAILABLE_BEFORE_APPLY);

        // when
        release.countDown();

        // then
        assertEquals(2, committed(get(a)).sequence());
        assertEquals(new Ledger.Result.Rejected(StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN), get(b));
        assertEquals(3, committed(get(c)).sequence());
        assertChainValid(3);
        assertEquals(List.of("dec_x", "dec_a", "dec_c"), idsInChain());
    }

    @Test
    void append_returnsRejectedProjectionMoved_whenStatusIsNotTheExpectedOne() {
        // given a decision that is already incorrect
        Ledger ledger = new Ledger(store, clock, FAST, null);
        committed(ledger.append(CHAIN, decision("dec_1", null)));
        committed(ledger.append(CHAIN, flag("dec_1", DecisionStatus.RECORDED)));

        // when a flag believes it is still recorded
        Ledger.Result r = ledger.append(CHAIN, flag("dec_1", DecisionStatus.RECORDED));

        // then
        assertEquals(new Ledger.Result.Rejected(StoreException.WriteRejected.Reason.PROJECTION_MOVED), r);
        assertChainValid(2);
    }

    // ---- group commit ----------------------------------------------------------------------------------

    @Test
    void groupCommit_commitsCallersQueuedBehindALeaderInOneTransaction() throws Exception {
        // given ten callers queued behind a leader whose write is in flight
        Ledger ledger = new Ledger(store, clock, FAST, null);
        CountDownLatch release = store.holdAppends();
        CompletableFuture<Ledger.Result> leader = startAppend(ledger, decision("dec_leader", null));
        store.awaitHeldAppend();
        List<CompletableFuture<Ledger.Result>> queued = new ArrayList<>();
        for (int i = 0; i < 10; i++) queued.add(startQueuedAppend(ledger, decision("dec_q" + i, null)));

        // when
        release.countDown();

        // then eleven appends took two store calls, in queue order
        assertEquals(1, committed(get(leader)).sequence());
        for (int i = 0; i < 10; i++) assertEquals(2 + i, committed(get(queued.get(i))).sequence());
        assertEquals(List.of(1, 10), store.batchSizes);
        assertChainValid(11);
    }

    @Test
    void groupCommit_splitsTheBacklogAtMaxBatchEntries() throws Exception {
        // given a policy of at most 4 entries per transaction and ten queued callers
        Ledger ledger = new Ledger(store, clock, new Ledger.Policy(4, 0, 0, 4, 3_000_000), null);
        CountDownLatch release = store.holdAppends();
        CompletableFuture<Ledger.Result> leader = startAppend(ledger, decision("dec_leader", null));
        store.awaitHeldAppend();
        List<CompletableFuture<Ledger.Result>> queued = new ArrayList<>();
        for (int i = 0; i < 10; i++) queued.add(startQueuedAppend(ledger, decision("dec_q" + i, null)));

        // when
        release.countDown();

        // then
        committed(get(leader));
        for (CompletableFuture<Ledger.Result> q : queued) committed(get(q));
        assertEquals(List.of(1, 4, 4, 2), store.batchSizes);
        assertChainValid(11);
    }

    @Test
    void groupCommit_defersASecondClaimOfTheSameKeyToTheNextTransaction() throws Exception {
        // given two queued callers claiming the same idempotency key (one transaction cannot write one item twice)
        Ledger ledger = new Ledger(store, clock, FAST, null);
        CountDownLatch release = store.holdAppends();
        CompletableFuture<Ledger.Result> leader = startAppend(ledger, decision("dec_leader", null));
        store.awaitHeldAppend();
        CompletableFuture<Ledger.Result> first = startQueuedAppend(ledger, decision("dec_1", "k"));
        CompletableFuture<Ledger.Result> second = startQueuedAppend(ledger, decision("dec_2", "k"));
        CompletableFuture<Ledger.Result> other = startQueuedAppend(ledger, decision("dec_3", null));

        // when
        release.countDown();

        // then the first and the unrelated one share a transaction; the second is tried alone and rejected
        committed(get(leader));
        assertEquals(2, committed(get(first)).sequence());
        assertEquals(3, committed(get(other)).sequence());
        assertEquals(new Ledger.Result.Rejected(StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN), get(second));
        assertEquals(List.of(1, 2, 1), store.batchSizes);
        assertChainValid(3);
    }

    @Test
    void groupCommit_needsFewerStoreCallsThanAppends_underConcurrency() throws Exception {
        // given 16 threads appending 25 entries each to one chain, and a store that takes 2 ms per write as a
        // remote one does (an in-memory write is so fast that callers would rarely overlap)
        store.beforeEveryAppend(() -> {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Ledger ledger = new Ledger(store, clock, Ledger.Policy.defaults(), null);
        int threadsCount = 16;
        int perThread = 25;
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<List<Entry>>> done = new ArrayList<>();
        for (int t = 0; t < threadsCount; t++) {
            int tt = t;
            CompletableFuture<List<Entry>> f = new CompletableFuture<>();
            done.add(f);
            spawn(() -> {
                try {
                    start.await();
                    List<Entry> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        mine.add(committed(ledger.append(CHAIN, decision("dec_" + tt + "_" + i, null))));
                    }
                    f.complete(mine);
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
        }

        // when
        start.countDown();
        Set<Long> sequences = new HashSet<>();
        for (CompletableFuture<List<Entry>> f : done) {
            for (Entry e : f.get(20, TimeUnit.SECONDS)) assertTrue(sequences.add(e.sequence()), "sequence acknowledged twice");
        }

        // then
        int total = threadsCount * perThread;
        assertEquals(total, sequences.size());
        assertChainValid(total);
        System.out.printf("group commit (in memory): %d appends in %d store calls%n", total, store.appendCalls.get());
        assertTrue(store.appendCalls.get() < total, "group commit batched nothing: " + store.appendCalls.get()
                + " store calls for " + total + " appends");
    }

    // ---- failures that are no store outcome ------------------------------------------------------------

    @Test
    void append_failsEveryCallerOfTheBatchAndNoOneElse_whenStoreThrowsUnexpectedly() throws Exception {
        // given a leader whose write is in flight, two callers queued behind it, and a store that will refuse
        // the queued callers' transaction with a runtime failure that is none of the port's outcomes
        Ledger ledger = new Ledger(store, clock, FAST, null);
        CountDownLatch release = store.holdAppends();
        CompletableFuture<Ledger.Result> leader = startAppend(ledger, decision("dec_leader", null));
        store.awaitHeldAppend();
        CompletableFuture<Ledger.Result> b = startQueuedAppend(ledger, decision("dec_b", null));
        CompletableFuture<Ledger.Result> c = startQueuedAppend(ledger, decision("dec_c", null));
        store.failNextAppends(Fault.NONE, Fault.UNEXPECTED);

        // when
        release.countDown();

        // then the leader's own, committed append is acknowledged, and both queued callers get the failure
        // instead of waiting forever
        assertEquals(1, committed(get(leader)).sequence());
        for (CompletableFuture<Ledger.Result> queued : List.of(b, c)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> queued.get(5, TimeUnit.SECONDS),
                    "a caller of the failed batch was left waiting");
            assertInstanceOf(IllegalStateException.class, e.getCause());
        }
        // and the ledger still works
        assertEquals(2, committed(ledger.append(CHAIN, decision("dec_d", null))).sequence());
        assertChainValid(2);
    }

    // ---- one caller's batch ----------------------------------------------------------------------------

    @Test
    void appendAll_commitsInRequestOrder_inAsFewTransactionsAsTheLimitsAllow() {
        Ledger ledger = new Ledger(store, clock, FAST, null);
        List<AppendRequest> requests = new ArrayList<>();
        for (int i = 0; i < 40; i++) requests.add(decision("dec_" + i, null));
        List<Ledger.Result> results = ledger.appendAll(CHAIN, requests);
        assertEquals(40, results.size());
        for (int i = 0; i < 40; i++) {
            Entry e = committed(results.get(i));
            assertEquals("dec_" + i, e.id());
            assertEquals(i + 1, e.sequence(), "request order is chain order");
        }
        assertEquals(2, store.appendCalls.get(), "40 entries at 32 per transaction: two transactions");
        assertChainValid(40);
    }

    @Test
    void appendAll_answersARejectedItemAndCommitsTheRest() {
        Ledger ledger = new Ledger(store, clock, FAST, null);
        committed(ledger.append(CHAIN, decision("dec_0", "k")));
        List<Ledger.Result> results = ledger.appendAll(CHAIN, List.of(decision("dec_1", null), decision("dec_2", "k"),
                decision("dec_3", null)));
        assertEquals(2, committed(results.get(0)).sequence());
        assertTrue(results.get(1) instanceof Ledger.Result.Rejected r
                && r.reason() == StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN, String.valueOf(results.get(1)));
        assertEquals(3, committed(results.get(2)).sequence());
        assertChainValid(3);
    }

    @Test
    void appendAll_answersEveryItemFailed_whenTheStoreKeepsFailing_andLeavesNothingBehind() {
        Ledger ledger = new Ledger(store, clock, FAST, null);
        store.failEveryAppend(Fault.UNAVAILABLE_BEFORE_APPLY);
        List<Ledger.Result> results = ledger.appendAll(CHAIN, List.of(decision("dec_1", null), decision("dec_2", null)));
        for (Ledger.Result r : results) {
            assertTrue(r instanceof Ledger.Result.Failed f && f.error() instanceof LedgerException.Unavailable, String.valueOf(r));
        }
        store.failEveryAppend(null);
        assertEquals(1, committed(ledger.append(CHAIN, decision("dec_3", null))).sequence(), "nothing was left queued");
        assertChainValid(1);
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private static AppendRequest decision(String id, String idempotencyKey) {
        String content = "{\"decision\":\"" + id + "\"}";
        String hash = EntryHasher.contentHash(content);
        AppendRequest.IdempotencyClaim claim = idempotencyKey == null ? null
                : new AppendRequest.IdempotencyClaim(idempotencyKey, hash, Long.MAX_VALUE / 2);
        return new AppendRequest(EntryType.DECISION, id, id, content, hash, new NewDecision(id, "t", null), claim);
    }

    private static AppendRequest flag(String decisionId, DecisionStatus expected) {
        String content = "{\"decision_id\":\"" + decisionId + "\",\"reason\":null}";
        return new AppendRequest(EntryType.FLAG, Ids.flag(), decisionId, content, EntryHasher.contentHash(content),
                new StatusChange(decisionId, "t", expected, DecisionStatus.INCORRECT, null, null, null, null, null, null), null);
    }

    private static Entry committed(Ledger.Result r) {
        if (r instanceof Ledger.Result.Committed c) return c.entry();
        return fail("expected a committed entry, got " + r);
    }

    private static Ledger.Result get(CompletableFuture<Ledger.Result> f) throws Exception {
        try {
            return f.get(5, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return fail("append did not finish within 5 s");
        }
    }

    private CompletableFuture<Ledger.Result> startAppend(Ledger ledger, AppendRequest r) {
        CompletableFuture<Ledger.Result> f = new CompletableFuture<>();
        spawn(() -> {
            try {
                f.complete(ledger.append(CHAIN, r));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** Starts an append and returns once its caller waits on the leader (so its request is queued). */
    private CompletableFuture<Ledger.Result> startQueuedAppend(Ledger ledger, AppendRequest r) throws InterruptedException {
        CompletableFuture<Ledger.Result> f = startAppend(ledger, r);
        Thread t = threads.get(threads.size() - 1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        // a follower queues its request, then polls its future every 5 ms while the leader holds the lock
        while (t.getState() != Thread.State.TIMED_WAITING) {
            if (System.nanoTime() > deadline) fail("caller never queued");
            Thread.onSpinWait();
        }
        return f;
    }

    private void spawn(Runnable r) {
        Thread t = new Thread(r, "ledger-test-" + threads.size());
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void assertChainValid(long entries) {
        ChainHead head = store.readHead(CHAIN).orElseThrow();
        Verification v = ChainVerifier.verify(CHAIN.chainId(), store.readEntries(CHAIN, 1, Long.MAX_VALUE), head);
        assertTrue(v.valid(), () -> "chain invalid: " + v.failure());
        assertEquals(entries, v.entries());
        assertEquals(entries, head.sequence());
        assertEquals(entries, head.counter(Counters.ENTRIES), "entries counter on the head");
        Map<String, Integer> previous = new HashMap<>();
        for (Iterator<Entry> it = store.readEntries(CHAIN, 1, Long.MAX_VALUE); it.hasNext(); ) {
            Entry e = it.next();
            assertEquals(null, previous.put(e.previousHash(), (int) e.sequence()), "fork at " + e.sequence());
        }
    }

    private List<String> idsInChain() {
        List<String> ids = new ArrayList<>();
        store.readEntries(CHAIN, 1, Long.MAX_VALUE).forEachRemaining(e -> ids.add(e.id()));
        return ids;
    }
}

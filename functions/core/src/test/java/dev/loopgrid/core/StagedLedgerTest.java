package dev.loopgrid.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.decision.NewDecision;
import dev.loopgrid.core.decision.StatusChange;
import dev.loopgrid.core.ledger.AppendRequest;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.ChainVerifier;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.StagedRequest;
import dev.loopgrid.core.ledger.StoreException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ledger's staged mode (many independent writers on one chain, as on Lambda) against the scripted in-memory store:
 * every acknowledged request appended exactly once, nothing answered as failed appended later, writers appending
 * each other's requests in batches.
 */
class StagedLedgerTest {
    private static final ChainKey CHAIN = new ChainKey("t1", "svc");
    private static final Ledger.Policy STAGED = new Ledger.Policy(4, 1, 5, 32, 3_000_000, true, 5_000);

    private final Clock clock = Clock.systemUTC();
    private InMemoryLedgerStore store;

    @BeforeEach
    void setUp() {
        store = new InMemoryLedgerStore(clock);
    }

    @Test
    void append_stagesThenAppends_andLeavesNothingStaged() {
        Ledger ledger = new Ledger(store, clock, STAGED, null);
        Entry first = committed(ledger.append(CHAIN, decision("dec_1", null)));
        Entry second = committed(ledger.append(CHAIN, decision("dec_2", null)));

        assertEquals(1, first.sequence());
        assertEquals(2, second.sequence());
        assertEquals(first.chainHash(), second.previousHash());
        assertEquals(2, store.stageCalls.get(), "each request was staged once");
        assertEquals(0, store.stagedCount());
        assertEquals(2, store.readHead(CHAIN).orElseThrow().counter(Counters.DECISIONS));
        assertTrue(ChainVerifier.verify(CHAIN.chainId(), store.readEntries(CHAIN, 1, Long.MAX_VALUE),
                store.readHead(CHAIN).orElseThrow()).valid());
    }

    @Test
    void requestsTheStoreCannotStage_goTheDirectWay() {
        Ledger ledger = new Ledger(store, clock, STAGED, null);
        committed(ledger.append(CHAIN, decision("dec_1", null)));
        Entry flag = committed(ledger.append(CHAIN, flag("dec_1")));

        assertEquals(2, flag.sequence());
        assertEquals(1, store.stageCalls.get(), "the flag was not staged");
    }

    @Test
    void manyIndependentWriters_everyRequestAppendedOnce_inSharedBatches() throws Exception {
        assertEveryRequestAppendedOnce(STAGED, 16, 40);
        assertTrue(store.batchSizes.stream().anyMatch(n -> n > 1), "writers appended each other's requests: " + store.batchSizes);
    }

    /** {@code writers} processes of their own (nothing shared), each appending {@code each} requests one at a time. */
    private void assertEveryRequestAppendedOnce(Ledger.Policy policy, int writers, int each) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentLinkedQueue<Entry> acknowledged = new ConcurrentLinkedQueue<>();
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            Ledger ledger = new Ledger(store, clock, policy, null);
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < each; i++) acknowledged.add(committed(ledger.append(CHAIN, decision("dec_" + id + "_" + i, null))));
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        pool.shutdown();

        assertEquals(writers * each, acknowledged.size());
        Set<Long> sequences = new HashSet<>();
        for (Entry e : acknowledged) {
            assertTrue(sequences.add(e.sequence()), "sequence " + e.sequence() + " acknowledged twice");
            assertEquals(e.chainHash(), store.readEntry(CHAIN, e.sequence()).orElseThrow().chainHash());
        }
        assertEquals(writers * each, store.readHead(CHAIN).orElseThrow().sequence(), "no gap, no extra entry");
        assertTrue(ChainVerifier.verify(CHAIN.chainId(), store.readEntries(CHAIN, 1, Long.MAX_VALUE),
                store.readHead(CHAIN).orElseThrow()).valid());
        assertEquals(0, store.stagedCount());
        assertEquals(writers * each, store.readHead(CHAIN).orElseThrow().counter(Counters.DECISIONS));
    }

    @Test
    void aFollowersPolls_readTheLeaseOnTheSecondAndEveryFourthAfter() {
        Ledger ledger = new Ledger(store, clock, new Ledger.Policy(4, 1, 5, 32, 3_000_000, true, 300), null);
        assertTrue(store.lease(CHAIN, "a holder that never appends", clock.millis() + 60_000));

        assertThrows(LedgerException.Unavailable.class, () -> ledger.append(CHAIN, decision("dec_1", null)));

        int polls = store.stateReads.get();
        assertTrue(polls >= 8, "it polled until its time was up: " + polls);
        assertEquals((polls + 2) / 4, store.leaseReads.get(), "polls 1, 5, 9, … read the lease; " + polls + " polls");
        assertEquals(0, store.stagedCount(), "withdrawn");
    }

    // ---- the lone writer's direct path (Policy.directWhenAlone, as on Lambda) ---------------------------------

    private static final Ledger.Policy ALONE_FIRST = new Ledger.Policy(4, 1, 5, 32, 3_000_000, true, 5_000, true);

    @Test
    void aLoneWriter_appendsDirectly_noStagingNoLease() {
        Ledger ledger = new Ledger(store, clock, ALONE_FIRST, null);
        for (int i = 1; i <= 5; i++) assertEquals(i, committed(ledger.append(CHAIN, decision("dec_" + i, null))).sequence());
        List<Ledger.Result> batch = ledger.appendAll(CHAIN, List.of(decision("dec_6", null), decision("dec_7", null)));

        assertEquals(7, committed(batch.get(1)).sequence());
        assertEquals(0, store.stageCalls.get(), "nothing staged");
        assertEquals(0, store.leaseCalls.get(), "no lease taken");
        assertEquals(6, store.appendCalls.get(), "one transaction per call");
        assertEquals(1, store.readHeadCalls.get(), "the head read once, then known");
        assertTrue(ChainVerifier.verify(CHAIN.chainId(), store.readEntries(CHAIN, 1, Long.MAX_VALUE),
                store.readHead(CHAIN).orElseThrow()).valid());
    }

    @Test
    void aWriterWhoseHeadMovesTwice_stagesInstead_andKeepsStagingWhileOthersWrite() {
        Ledger mine = new Ledger(store, clock, ALONE_FIRST, null);
        Ledger other = new Ledger(store, clock, Ledger.Policy.defaults(), null);
        committed(mine.append(CHAIN, decision("dec_1", null))); // mine knows the head at 1
        committed(other.append(CHAIN, decision("dec_2", null))); // stale: mine's first attempt will fail
        // mine's second attempt (on the head its first one found) fails too: another process appends just before it
        store.beforeNextAppend(() -> { });
        store.beforeNextAppend(() -> store.appendForeign(CHAIN, "dec_3"));
        Entry e = committed(mine.append(CHAIN, decision("dec_4", null)));

        assertEquals(4, e.sequence());
        assertEquals(1, store.stageCalls.get(), "the request that yielded was staged");
        assertEquals(0, store.stagedCount());
        // the process saw others: its next request is staged without trying directly first
        int appends = store.appendCalls.get();
        assertEquals(5, committed(mine.append(CHAIN, decision("dec_5", null))).sequence());
        assertEquals(2, store.stageCalls.get());
        assertEquals(appends + 1, store.appendCalls.get(), "one append: the staged integration, no direct attempt");
        assertTrue(ChainVerifier.verify(CHAIN.chainId(), store.readEntries(CHAIN, 1, Long.MAX_VALUE),
                store.readHead(CHAIN).orElseThrow()).valid());
    }

    @Test
    void aHeadMovedByAnAppendOfTheLastSecond_makesTheProcessStage_evenThoughItsRetryWentThrough() {
        Ledger mine = new Ledger(store, clock, ALONE_FIRST, null);
        Ledger other = new Ledger(store, clock, Ledger.Policy.defaults(), null);
        committed(mine.append(CHAIN, decision("dec_1", null)));
        committed(other.append(CHAIN, decision("dec_2", null))); // just now: another writer is at work

        assertEquals(3, committed(mine.append(CHAIN, decision("dec_3", null))).sequence());
        assertEquals(0, store.stageCalls.get(), "the retry on the head the first attempt found went through");
        assertEquals(4, committed(mine.append(CHAIN, decision("dec_4", null))).sequence());
        assertEquals(1, store.stageCalls.get(), "the next request was staged");
    }

    @Test
    void aHeadMovedLongAgo_isACachedHeadGoneStale_andTheWriterStaysDirect() {
        Ledger mine = new Ledger(store, clock, ALONE_FIRST, null);
        // the other writer's append is 5 s old: the two take turns, neither is crowding the chain
        Ledger other = new Ledger(store, Clock.offset(clock, java.time.Duration.ofSeconds(-5)), Ledger.Policy.defaults(), null);
        committed(mine.append(CHAIN, decision("dec_1", null)));
        committed(other.append(CHAIN, decision("dec_2", null)));

        assertEquals(3, committed(mine.append(CHAIN, decision("dec_3", null))).sequence());
        assertEquals(4, committed(mine.append(CHAIN, decision("dec_4", null))).sequence());
        assertEquals(0, store.stageCalls.get(), "nothing staged");
    }

    @Test
    void aLoneWritersDirectAppend_stepsAsideForALeaseHolder_andStagesAtOnce() {
        Ledger mine = new Ledger(store, clock, ALONE_FIRST, null);
        assertTrue(store.lease(CHAIN, "a writer appending staged requests", clock.millis() + 300));
        int leases = store.leaseCalls.get();

        Entry e = committed(mine.append(CHAIN, decision("dec_1", null)));

        assertEquals(1, e.sequence());
        assertEquals(1, store.appendsUnlessLeased.get(), "one direct attempt, refused on the lease");
        assertEquals(1, store.stageCalls.get(), "then staged, without a second direct attempt");
        assertTrue(store.leaseCalls.get() > leases, "and appended by whoever held the lease next (here: itself)");
        // the process met another writer: its next request is staged without a direct attempt
        committed(mine.append(CHAIN, decision("dec_2", null)));
        assertEquals(1, store.appendsUnlessLeased.get());
        assertEquals(2, store.stageCalls.get());
    }

    @Test
    void aCallWhoseFirstBatchYields_yieldsWhole_andKeepsItsOrder() {
        Ledger ledger = new Ledger(store, clock, ALONE_FIRST, null);
        assertTrue(store.lease(CHAIN, "other", clock.millis() + 300));
        List<AppendRequest> requests = new ArrayList<>();
        for (int i = 0; i < 40; i++) requests.add(decision("dec_" + i, null)); // two batches: 32 and 8
        // the first batch meets the lease; had the second batch tried too, it would have found the lease gone
        store.beforeNextAppend(() -> { });
        store.beforeNextAppend(() -> store.release(CHAIN, "other"));

        List<Ledger.Result> results = ledger.appendAll(CHAIN, requests);

        for (int i = 0; i < 40; i++) {
            Entry e = committed(results.get(i));
            assertEquals("dec_" + i, e.id());
            assertEquals(i + 1, e.sequence(), "the caller's order");
        }
        assertEquals(1, store.appendsUnlessLeased.get(), "the second batch yielded with the first, without a try");
        assertEquals(0, store.stagedCount());
    }

    @Test
    void aRequestRefusedOnTheDirectPath_isAnsweredRejected_notStaged() {
        Ledger ledger = new Ledger(store, clock, ALONE_FIRST, null);
        committed(ledger.append(CHAIN, decision("dec_1", "key-1")));
        Ledger.Result again = ledger.append(CHAIN, decision("dec_2", "key-1"));

        assertEquals(StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN,
                assertInstanceOf(Ledger.Result.Rejected.class, again).reason());
        assertEquals(0, store.stageCalls.get());
        assertEquals(1, store.readHead(CHAIN).orElseThrow().sequence());
    }

    @Test
    void manyIndependentWriters_aloneFirst_everyRequestAppendedOnce() throws Exception {
        assertEveryRequestAppendedOnce(ALONE_FIRST, 12, 30);
        assertTrue(store.stageCalls.get() > 0, "writers that met others staged");
    }

    @Test
    void appendAll_keepsTheCallersOrder() {
        Ledger ledger = new Ledger(store, clock, STAGED, null);
        List<AppendRequest> requests = new ArrayList<>();
        for (int i = 0; i < 40; i++) requests.add(decision("dec_" + i, null));
        List<Ledger.Result> results = ledger.appendAll(CHAIN, requests);

        for (int i = 0; i < 40; i++) {
            Entry e = committed(results.get(i));
            assertEquals("dec_" + i, e.id());
            assertEquals(i + 1, e.sequence());
        }
        assertEquals(List.of(32, 8), store.batchSizes, "as few writes as the batch limit allows");
    }

    @Test
    void aStagingWriteThatNeverLanded_isStagedAgain() {
        store.stageFailures.set(1);
        Ledger ledger = new Ledger(store, clock, STAGED, null);
        Entry e = committed(ledger.append(CHAIN, decision("dec_1", null)));

        assertEquals(1, e.sequence());
        assertEquals(2, store.stageCalls.get());
        assertEquals(1, store.readHead(CHAIN).orElseThrow().sequence());
    }

    @Test
    void anAppendWithAnUnknownOutcome_thatLanded_isAcknowledgedOnce() {
        store.failNextAppends(InMemoryLedgerStore.Fault.UNAVAILABLE_AFTER_APPLY);
        Ledger ledger = new Ledger(store, clock, STAGED, null);
        Entry e = committed(ledger.append(CHAIN, decision("dec_1", null)));

        assertEquals(1, e.sequence());
        assertEquals(1, store.readHead(CHAIN).orElseThrow().sequence(), "appended once");
        assertEquals(0, store.stagedCount());
    }

    @Test
    void aTakenIdempotencyKey_isRejected_andWithdrawn() {
        Ledger ledger = new Ledger(store, clock, STAGED, null);
        committed(ledger.append(CHAIN, decision("dec_1", "key-1")));
        Ledger.Result second = ledger.append(CHAIN, decision("dec_2", "key-1"));

        Ledger.Result.Rejected r = assertInstanceOf(Ledger.Result.Rejected.class, second);
        assertEquals(StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN, r.reason());
        assertEquals(1, store.readHead(CHAIN).orElseThrow().sequence());
        assertEquals(0, store.stagedCount(), "the rejected request was withdrawn");
    }

    /** The holder's write names every taken key at once: all are rejected and withdrawn in one round, the rest appended. */
    @Test
    void severalTakenKeysInOneStagedBatch_areAllRejectedInOneRound_andTheRestAppended() {
        Ledger ledger = new Ledger(store, clock, STAGED, null);
        committed(ledger.append(CHAIN, decision("dec_1", "key-1")));
        committed(ledger.append(CHAIN, decision("dec_2", "key-2")));
        int before = store.appendCalls.get();
        List<Ledger.Result> results = ledger.appendAll(CHAIN, List.of(decision("dec_3", "key-1"), decision("dec_4", null),
                decision("dec_5", "key-2"), decision("dec_6", "key-6")));

        assertEquals(StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN,
                assertInstanceOf(Ledger.Result.Rejected.class, results.get(0)).reason());
        assertEquals(StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN,
                assertInstanceOf(Ledger.Result.Rejected.class, results.get(2)).reason());
        assertEquals(3, committed(results.get(1)).sequence());
        assertEquals(4, committed(results.get(3)).sequence());
        assertEquals(2, store.appendCalls.get() - before, "one refused write naming both, then the write of the rest");
        assertEquals(0, store.stagedCount(), "both rejected requests were withdrawn");
    }

    @Test
    void aRequestRefusedOutright_doesNotStopTheChain() {
        Ledger ledger = new Ledger(store, clock, STAGED, null);
        // two requests staged, then the first write (the batch of both) is refused outright
        store.failNextAppends(InMemoryLedgerStore.Fault.UNEXPECTED);
        List<Ledger.Result> results = ledger.appendAll(CHAIN, List.of(decision("dec_1", null), decision("dec_2", null)));

        assertEquals(1, committed(results.get(0)).sequence(), "the oldest went alone and was appended");
        assertEquals(2, committed(results.get(1)).sequence());
        assertEquals(0, store.stagedCount());
    }

    @Test
    void aRequestRefusedAlone_isAnsweredAndNeverAppended() {
        Ledger ledger = new Ledger(store, clock, STAGED, null);
        store.failEveryAppend(InMemoryLedgerStore.Fault.UNEXPECTED);
        Ledger.Result r = ledger.append(CHAIN, decision("dec_1", null));

        assertInstanceOf(Ledger.Result.Rejected.class, r);
        assertEquals(0, store.stagedCount());
        assertTrue(store.readHead(CHAIN).isEmpty());
    }

    @Test
    void outOfTime_theRequestIsWithdrawn_soItIsNeverAppendedLater() {
        Ledger ledger = new Ledger(store, clock, new Ledger.Policy(4, 1, 5, 32, 3_000_000, true, 200), null);
        store.failEveryAppend(InMemoryLedgerStore.Fault.UNAVAILABLE_BEFORE_APPLY);
        LedgerException.Unavailable e = assertThrows(LedgerException.Unavailable.class,
                () -> ledger.append(CHAIN, decision("dec_1", null)));

        assertEquals("conflict_retry_exhausted", e.code());
        assertEquals(0, store.stagedCount(), "withdrawn: another writer can no longer append it");
        store.failEveryAppend(null);
        committed(new Ledger(store, clock, STAGED, null).append(CHAIN, decision("dec_2", null)));
        assertEquals(1, store.readHead(CHAIN).orElseThrow().sequence(), "only the later request is in the chain");
        assertEquals("dec_2", store.readEntry(CHAIN, 1).orElseThrow().id());
    }

    @Test
    void theLeaseIsReleased_onceTheHolderHasAnswered() {
        Ledger ledger = new Ledger(store, clock, STAGED, null);
        committed(ledger.append(CHAIN, decision("dec_1", null)));

        assertEquals(null, store.leaseHolder(CHAIN));
        assertTrue(store.leaseCalls.get() >= 1, "the writer took the lease to append");
    }

    @Test
    void whileAnotherWriterHoldsTheLease_nobodyElseAppends_andATimedOutRequestIsWithdrawn() {
        assertTrue(store.lease(CHAIN, "a-live-writer", clock.millis() + 60_000));
        Ledger ledger = new Ledger(store, clock, new Ledger.Policy(4, 1, 5, 32, 3_000_000, true, 300), null);

        assertThrows(LedgerException.Unavailable.class, () -> ledger.append(CHAIN, decision("dec_1", null)));

        assertTrue(store.readHead(CHAIN).isEmpty(), "the lease holder alone appends");
        assertEquals(0, store.stagedCount(), "withdrawn, so the holder can no longer append it");
        store.release(CHAIN, "a-live-writer");
        committed(ledger.append(CHAIN, decision("dec_2", null)));
        assertEquals("dec_2", store.readEntry(CHAIN, 1).orElseThrow().id());
    }

    @Test
    void aLeaseLeftByADeadWriter_expires_andAWaitingWriterTakesOver() {
        assertTrue(store.lease(CHAIN, "a-dead-writer", clock.millis() + 150));
        Ledger ledger = new Ledger(store, clock, STAGED, null);
        long t0 = System.nanoTime();

        Entry e = committed(ledger.append(CHAIN, decision("dec_1", null)));

        assertEquals(1, e.sequence());
        assertTrue(System.nanoTime() - t0 >= 100_000_000L, "it waited for the lease to expire");
        assertEquals(null, store.leaseHolder(CHAIN));
    }

    @Test
    void aProcessThatSawTheLeaseHeld_followsFirst_andStillGetsItsAnswer() throws Exception {
        Ledger holder = new Ledger(store, clock, STAGED, null);
        Ledger follower = new Ledger(store, clock, STAGED, null);
        // the follower finds the lease held once (so it remembers), then the holder appends everything
        assertTrue(store.lease(CHAIN, "someone", clock.millis() + 50));
        committed(follower.append(CHAIN, decision("dec_0", null)));
        int leaseCallsBefore = store.leaseCalls.get();

        CountDownLatch held = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            committed(holder.append(CHAIN, decision("dec_1", null)));
            held.countDown();
        });
        t.start();
        Entry mine = committed(follower.append(CHAIN, decision("dec_2", null)));
        t.join(5_000);

        assertTrue(mine.sequence() >= 2);
        assertTrue(store.leaseCalls.get() - leaseCallsBefore >= 1);
        assertEquals(3, store.readHead(CHAIN).orElseThrow().sequence());
    }

    @Test
    void aHolderWhoseOwnRequestIsIn_keepsAppendingOthersPastItsPatience_whileItFindsSome_upToThreeTimesIt() {
        // patience (maxBackoffMs) 40 ms, 2 requests per transaction, each transaction taking ≈ 5 ms
        Ledger.Policy policy = new Ledger.Policy(4, 1, 40, 2, 3_000_000, true, 5_000);
        List<Long> commits = java.util.Collections.synchronizedList(new ArrayList<>());
        Ledger holder = new Ledger(store, clock, policy, new Ledger.Listener() {
            @Override
            public void committed(ChainKey chain, int entries, int attempts) {
                commits.add(System.nanoTime());
            }
        });
        // 200 requests of other writers, staged after the holder's own (their ids sort after it): 500 ms of work
        for (int i = 0; i < 200; i++) {
            store.stage(CHAIN, new StagedRequest(StagedRequest.newId(clock.millis() + 60_000) + "#0000", decision("other_" + i, null)));
        }
        for (int i = 0; i < 300; i++) store.beforeNextAppend(() -> sleepMillis(5));

        Entry mine = committed(holder.append(CHAIN, decision("mine", null)));

        assertEquals(1, mine.sequence(), "its own request went first");
        long stint = commits.get(commits.size() - 1) - commits.get(0);
        assertTrue(stint > 2 * 40 * 1_000_000L, "it kept appending past its 40 ms patience while it found requests: "
                + stint / 1_000_000 + " ms");
        assertTrue(store.readStaged(CHAIN, 1_000).size() > 0, "and stepped down before all were in (a stint is bounded)");
    }

    @Test
    void aHolderWhoseOwnRequestIsIn_stepsDownAfterFourEmptyReads_notAfterItsPatience() {
        Ledger.Policy policy = new Ledger.Policy(4, 1, 2_000, 32, 3_000_000, true, 5_000); // patience 2 s
        Ledger holder = new Ledger(store, clock, policy, null);
        // one other writer's request, staged after the holder's own: appended with it, then staging is empty
        store.stage(CHAIN, new StagedRequest(StagedRequest.newId(clock.millis() + 60_000) + "#0000", decision("other", null)));
        int reads = store.readStagedCalls.get();

        committed(holder.append(CHAIN, decision("mine", null)));

        int used = store.readStagedCalls.get() - reads;
        assertTrue(used <= 1 + Ledger.IDLE_READS, "one read that found both, then " + Ledger.IDLE_READS
                + " empty ones at most (it waited up to its 2 s patience before): " + used);
        assertEquals(2, store.readHead(CHAIN).orElseThrow().sequence());
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void whileTheStoreFailsEverywhere_nothingAcknowledgedIsLost_andNothingAnsweredAsFailedAppearsLater() throws Exception {
        store.chaos = 0.15; // of every staged-mode call, before applying or (writes) after
        int writers = 8;
        int each = 40;
        Ledger.Policy policy = new Ledger.Policy(4, 1, 5, 8, 3_000_000, true, 1_500);
        java.util.Map<String, Object> outcomes = new java.util.concurrent.ConcurrentHashMap<>(); // id → Entry or code
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            Ledger ledger = new Ledger(store, clock, policy, null);
            done.add(pool.submit(() -> {
                for (int i = 0; i < each; i++) {
                    String dec = "dec_" + id + "_" + i;
                    if (i % 5 == 4) { // some batches too
                        List<Ledger.Result> rs = ledger.appendAll(CHAIN, List.of(decision(dec, null), decision(dec + "b", null)));
                        record(outcomes, dec, rs.get(0));
                        record(outcomes, dec + "b", rs.get(1));
                        continue;
                    }
                    try {
                        record(outcomes, dec, ledger.append(CHAIN, decision(dec, null)));
                    } catch (LedgerException.Unavailable e) {
                        outcomes.put(dec, e.code());
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
        pool.shutdown();
        store.chaos = 0;

        java.util.Map<String, Entry> chain = new java.util.HashMap<>();
        store.readEntries(CHAIN, 1, Long.MAX_VALUE).forEachRemaining(e -> assertEquals(null, chain.put(e.id(), e),
                "entry " + e.id() + " appended twice"));
        int acknowledged = 0;
        for (var o : outcomes.entrySet()) {
            if (o.getValue() instanceof Entry e) {
                acknowledged++;
                Entry stored = chain.get(o.getKey());
                assertTrue(stored != null, "acknowledged " + o.getKey() + " is not in the chain");
                assertEquals(e.chainHash(), stored.chainHash());
                assertEquals(e.sequence(), stored.sequence());
            } else if ("conflict_retry_exhausted".equals(o.getValue())) {
                assertEquals(null, chain.get(o.getKey()), o.getKey() + " was answered 503 (withdrawn) but appended");
            }
        }
        for (String id : chain.keySet()) {
            Object o = outcomes.get(id);
            assertTrue(o instanceof Entry || "append_outcome_unknown".equals(o),
                    id + " is in the chain, but its writer was told " + o);
        }
        assertTrue(acknowledged > writers * each / 2, "most appends went through: " + acknowledged);
        assertTrue(ChainVerifier.verify(CHAIN.chainId(), store.readEntries(CHAIN, 1, Long.MAX_VALUE),
                store.readHead(CHAIN).orElseThrow()).valid());
    }

    private static void record(java.util.Map<String, Object> outcomes, String id, Ledger.Result r) {
        if (r instanceof Ledger.Result.Committed c) outcomes.put(id, c.entry());
        else if (r instanceof Ledger.Result.Failed f && f.error() instanceof LedgerException le) outcomes.put(id, le.code());
        else outcomes.put(id, String.valueOf(r));
    }

    private static AppendRequest decision(String id, String idempotencyKey) {
        String content = "{\"decision\":\"" + id + "\"}";
        String hash = EntryHasher.contentHash(content);
        AppendRequest.IdempotencyClaim claim = idempotencyKey == null ? null
                : new AppendRequest.IdempotencyClaim(idempotencyKey, hash, Long.MAX_VALUE / 2);
        return new AppendRequest(EntryType.DECISION, id, id, content, hash, new NewDecision(id, "t", null), claim);
    }

    private static AppendRequest flag(String decisionId) {
        String content = "{\"decision_id\":\"" + decisionId + "\",\"reason\":null}";
        return new AppendRequest(EntryType.FLAG, "flg_" + decisionId, decisionId, content, EntryHasher.contentHash(content),
                new StatusChange(decisionId, "t", DecisionStatus.RECORDED, DecisionStatus.INCORRECT, null, null, null, null,
                        null, null), null);
    }

    private static Entry committed(Ledger.Result r) {
        if (r instanceof Ledger.Result.Committed c) return c.entry();
        return fail("expected a committed entry, got " + r);
    }
}

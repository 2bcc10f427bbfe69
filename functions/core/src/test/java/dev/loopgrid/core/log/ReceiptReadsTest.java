package dev.loopgrid.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.InMemoryLedgerStore;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.verify.Checkpoint;
import dev.loopgrid.verify.NoteSigner;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What serving receipts reads: a tile, a checkpoint note or a chain's run is read once and then served from memory
 * while it cannot have changed, many receipts waiting at once share the reads, and every receipt still verifies against
 * the checkpoint it names, also after the log has grown.
 */
class ReceiptReadsTest {
    private static final String TENANT = "t1";
    private final Clock clock = Clock.systemUTC();
    private final LogConfig config = new LogConfig("log.test/loopgrid", 0, 4096);
    private InMemoryLedgerStore ledgerStore;
    private InMemoryLog log;
    private NoteSigner signer;
    private Integrator integrator;
    private DecisionService decisions;
    private final RecentEntries recent = new RecentEntries(RecentEntries.DEFAULT_CAPACITY);
    /** Calls that reached the stores behind the service, by method. */
    private final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        ledgerStore = new InMemoryLedgerStore(clock);
        log = new InMemoryLog();
        byte[] seed = new byte[32];
        seed[0] = 9;
        signer = NoteSigner.ed25519(config.originPrefix(), seed);
        integrator = new Integrator(ledgerStore, log, log, log, signer, config, clock);
        Ledger ledger = new Ledger(ledgerStore, clock, Ledger.Policy.defaults(), new Ledger.Listener() {
            @Override
            public void appended(ChainKey chain, List<Entry> entries) {
                integrator.offer(chain, entries);
                recent.appended(chain, entries);
            }
        });
        decisions = new DecisionService(ledgerStore, ledgerStore, ledger, clock, 180_000, null, 180_000);
    }

    @SuppressWarnings("unchecked")
    private <T> T counting(Class<T> type, T target) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
            reads.computeIfAbsent(type.getSimpleName() + "." + m.getName() + "/" + (args == null ? 0 : args.length),
                    k -> new AtomicInteger()).incrementAndGet();
            try {
                return m.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    private LogService service(LogService.Pause pause) {
        return new LogService(ledgerStore, counting(LogStore.class, log), counting(TileStore.class, log),
                counting(SignedCheckpoints.class, log), signer.verifier(), config, clock, pause, null);
    }

    private int reads(String key) {
        AtomicInteger n = reads.get(key);
        return n == null ? 0 : n.get();
    }

    private void record(String service, int n) {
        for (int i = 0; i < n; i++) {
            ObjectNode b = Json.object();
            b.put("service_name", service);
            b.put("decision_type", "refund");
            b.putObject("input").put("n", i);
            b.putObject("model").put("provider", "openai").put("name", "gpt-4");
            b.putObject("output").put("answer", "ok " + i);
            decisions.record(TENANT, b, null);
        }
    }

    private Checkpoint verified(LogService s, String chain, long seq) throws Exception {
        LogService.ReceiptResult r = s.receipt(TENANT, chain, seq, 0);
        ObjectNode receipt = assertInstanceOf(LogService.ReceiptResult.Ready.class, r).receipt();
        return IntegratorTest.verifyOffline(receipt, signer.verifier(), config.origin(TENANT));
    }

    @Test
    void receiptsOfOneCheckpoint_readEachTileNoteAndRunOnce_andAllVerify() throws Exception {
        record("svc", 700);
        integrator.pass(TENANT, false);
        LogService s = service(LogService.Pause.IN_PLACE);
        for (long seq = 1; seq <= 700; seq++) assertEquals(700, verified(s, "svc", seq).size());

        // 700 leaves: tiles 0/000 and 0/001 full, 0/002.p/188 and 1/000.p/2: four tiles, each read once
        assertEquals(4, reads("TileStore.get/2"), reads.toString());
        assertEquals(1, reads("SignedCheckpoints.get/2"), reads.toString());
        assertEquals(1, reads("LogStore.runOf/3"), reads.toString()); // one run holds all 700
    }

    @Test
    void afterTheLogGrows_receiptsNameTheNewCheckpoint_oldAndNewEntriesAlike() throws Exception {
        record("svc", 300);
        integrator.pass(TENANT, false);
        LogService s = service(LogService.Pause.IN_PLACE);
        assertEquals(300, verified(s, "svc", 7).size());
        record("svc", 300);
        record("other", 5);
        integrator.pass(TENANT, false);
        Thread.sleep(120); // the shared copy of the log's state is at most 100 ms old

        assertEquals(605, verified(s, "svc", 7).size()); // an old entry, proved in the new tree
        assertEquals(605, verified(s, "svc", 600).size());
        assertEquals(605, verified(s, "other", 5).size());
        assertEquals(2, reads("SignedCheckpoints.get/2"), reads.toString());
    }

    @Test
    void manyReceiptsWaitingAtOnce_shareTheirReads_andAllVerifyOnceIntegrated() throws Exception {
        record("svc", 64);
        AtomicInteger pauses = new AtomicInteger();
        LogService s = service(wait -> {
            pauses.incrementAndGet();
            wait.run();
        });
        ExecutorService pool = Executors.newFixedThreadPool(64);
        try {
            List<Future<LogService.ReceiptResult>> waiting = new ArrayList<>();
            for (long seq = 1; seq <= 64; seq++) {
                long q = seq;
                waiting.add(pool.submit(() -> s.receipt(TENANT, "svc", q, 10)));
            }
            while (pauses.get() < 64) Thread.sleep(5); // everyone is waiting: nothing is integrated yet
            assertEquals(0, log.state(TENANT).checkpointSize());
            integrator.pass(TENANT, false);
            for (int i = 0; i < 64; i++) {
                ObjectNode r = assertInstanceOf(LogService.ReceiptResult.Ready.class, waiting.get(i).get()).receipt();
                assertEquals(64, IntegratorTest.verifyOffline(r, signer.verifier(), config.origin(TENANT)).size());
            }
        } finally {
            pool.shutdownNow();
        }
        // each waiter looks its leaf up before anything is integrated and once more after: without the shared run
        // that is 128 Queries; with it, one lookup after the checkpoint finds the run for all (a waiter that joined
        // a lookup sent before the checkpoint may send one more of its own)
        assertTrue(reads("LogStore.runOf/3") <= 96, reads.toString());
        assertEquals(1, reads("SignedCheckpoints.get/2"), reads.toString());
        assertTrue(reads("TileStore.get/2") <= 1, reads.toString());
    }

    /**
     * No hand-over (as on Lambda): a waiting receipt does not look at the log's state before the next checkpoint may
     * be out (the last one's time plus the interval), and looks again once it may.
     */
    /**
     * A service over a log with {@code interval}: entry 1 in the first checkpoint (just signed), entry 2 not yet
     * integrated; no hand-over, as on Lambda.
     */
    private LogService secondEntryAwaited(LogConfig paced) {
        integrator = new Integrator(ledgerStore, log, log, log, signer, paced, clock);
        record("svc", 1);
        integrator.pass(TENANT, false);
        record("svc", 1);
        return new LogService(ledgerStore, counting(LogStore.class, log), counting(TileStore.class, log),
                counting(SignedCheckpoints.class, log), signer.verifier(), paced, clock, LogService.Pause.IN_PLACE, null);
    }

    @Test
    void aWaitingReceipt_looksAtTheStateOnlyOnceANewCheckpointMayBeOut() throws Exception {
        // the next checkpoint can come a minute after the first at the earliest
        LogService s = secondEntryAwaited(new LogConfig("log.test/loopgrid", 60_000, 4096));
        long t0 = System.nanoTime();
        assertInstanceOf(LogService.ReceiptResult.Pending.class, s.receipt(TENANT, "svc", 2, 1));
        assertTrue(System.nanoTime() - t0 >= 900_000_000L, "it waited its second");
        // polling every 100 ms would read it about ten times in that second
        assertTrue(reads("LogStore.state/1") <= 2, reads.toString());
    }

    @Test
    void aWaitingReceipt_looksAgainOnceTheIntervalIsOver_andFindsTheCheckpoint() throws Exception {
        LogConfig paced = new LogConfig("log.test/loopgrid", 400, 4096);
        LogService s = secondEntryAwaited(paced);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<LogService.ReceiptResult> waiting = pool.submit(() -> s.receipt(TENANT, "svc", 2, 5));
            Thread.sleep(500);
            integrator.pass(TENANT, false); // the interval is over: the second checkpoint, not handed over
            ObjectNode r = assertInstanceOf(LogService.ReceiptResult.Ready.class, waiting.get(5, TimeUnit.SECONDS)).receipt();
            assertEquals(2, IntegratorTest.verifyOffline(r, signer.verifier(), paced.origin(TENANT)).size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aWaitingReceipt_pausesThroughThePauseItWasGiven() {
        record("svc", 1);
        AtomicInteger pauses = new AtomicInteger();
        LogService s = service(wait -> {
            if (pauses.incrementAndGet() == 1) integrator.pass(TENANT, false); // while it waits, the entry is integrated
            wait.run();
        });
        assertInstanceOf(LogService.ReceiptResult.Ready.class, s.receipt(TENANT, "svc", 1, 5));
        assertTrue(pauses.get() >= 1, "paused " + pauses.get() + " times");
    }

    @Test
    void aCheckpointHandedOver_isWhatWaitingReceiptsSee_withoutReadingTheState() throws Exception {
        record("svc", 10);
        LogService s = service(LogService.Pause.IN_PLACE);
        integrator.onPublished(s::published);
        assertInstanceOf(LogService.ReceiptResult.Pending.class, s.receipt(TENANT, "svc", 3, 0));
        int stateReads = reads("LogStore.state/1");

        integrator.pass(TENANT, false); // publishes, and hands the new state over
        assertEquals(10, verified(s, "svc", 3).size()); // at once, though the copy read above is under 100 ms old
        assertEquals(stateReads, reads("LogStore.state/1"), reads.toString());

        s.published(TENANT, LogState.EMPTY); // an older state handed over late never replaces a newer one
        assertEquals(10, verified(s, "svc", 10).size());
    }

    @Test
    void entriesThisProcessAppended_needNoRead_andTheirReceiptsVerify() throws Exception {
        record("svc", 20);
        integrator.pass(TENANT, false);
        AtomicInteger entryReads = new AtomicInteger();
        dev.loopgrid.core.ledger.ChainStore counted = (dev.loopgrid.core.ledger.ChainStore) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {dev.loopgrid.core.ledger.ChainStore.class}, (p, m, args) -> {
                    if (m.getName().equals("readEntry")) entryReads.incrementAndGet();
                    try {
                        return m.invoke(ledgerStore, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        LogService withRecent = new LogService(counted, log, log, log, signer.verifier(), config, clock,
                LogService.Pause.IN_PLACE, recent);
        for (long seq = 1; seq <= 20; seq++) {
            ObjectNode r = assertInstanceOf(LogService.ReceiptResult.Ready.class,
                    withRecent.receipt(TENANT, "svc", seq, 0)).receipt();
            assertEquals(20, IntegratorTest.verifyOffline(r, signer.verifier(), config.origin(TENANT)).size());
        }
        assertEquals(0, entryReads.get());
        String id = decisions.list(TENANT, new dev.loopgrid.core.decision.DecisionQuery("svc", null, null, null, null, 1, 20, null))
                .decisions().get(0).decisionId();
        assertTrue(withRecent.recentDecision(TENANT, id).isPresent());
        assertTrue(withRecent.recentDecision("other-tenant", id).isEmpty());

        LogService without = new LogService(counted, log, log, log, signer.verifier(), config, clock,
                LogService.Pause.IN_PLACE, null);
        assertEquals(20, verified(without, "svc", 5).size());
        assertEquals(1, entryReads.get(), "without the recent envelopes the entry is read");
        assertTrue(without.recentDecision(TENANT, id).isEmpty());
    }
}

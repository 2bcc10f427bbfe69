package dev.loopgrid.local.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.App;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.LedgerException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Concurrent decision recording on one chain, as server processes do it: {@code processes} Apps (each its own
 * Ledger and DynamoDB client), each with {@code threads} request threads, each recording {@code appends}
 * decisions. Every request carries a unique tag in its input, so what was stored can be traced back to the
 * request even when the caller never learnt the decision id (it got 503).
 */
final class Workload {

    /** What the callers saw. */
    static final class Outcome {
        /** tag → the decision the caller was told was recorded */
        final Map<String, DecisionRecord> acknowledged = new ConcurrentHashMap<>();
        /** tags whose caller got {@link LedgerException.Unavailable} (503: the append may or may not have landed) */
        final Set<String> unavailable = ConcurrentHashMap.newKeySet();
        /** anything else a caller got: always a bug */
        final List<Throwable> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
        long elapsedNanos;

        int attempted() {
            return acknowledged.size() + unavailable.size() + unexpected.size();
        }

        double perSecond() {
            return acknowledged.size() / (elapsedNanos / 1e9);
        }
    }

    private Workload() {}

    static Outcome run(List<App> processes, int threads, int appends, String service) throws InterruptedException {
        Outcome out = new Outcome();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int p = 0; p < processes.size(); p++) {
            App app = processes.get(p);
            for (int t = 0; t < threads; t++) {
                String prefix = "p" + p + "-t" + t + "-";
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < appends; i++) {
                        String tag = prefix + i;
                        try {
                            DecisionRecord d = app.decisions.record(StoreTestSupport.TENANT,
                                    StoreTestSupport.body(service, "route", tag), null).decision();
                            out.acknowledged.put(tag, d);
                        } catch (LedgerException.Unavailable e) {
                            out.unavailable.add(tag);
                        } catch (Throwable e) {
                            out.unexpected.add(e);
                        }
                    }
                }, "workload-" + prefix);
                thread.setDaemon(true);
                all.add(thread);
                thread.start();
            }
        }
        long t0 = System.nanoTime();
        start.countDown();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(60);
        for (Thread t : all) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (t.isAlive()) {
                StringBuilder where = new StringBuilder();
                for (StackTraceElement e : t.getStackTrace()) where.append("\n\tat ").append(e);
                throw new AssertionError("a request thread did not finish within 60 s: " + t.getName() + where);
            }
        }
        out.elapsedNanos = System.nanoTime() - t0;
        return out;
    }

    /**
     * Asserts what must hold whatever failed: no caller saw anything but success or 503; the chain is linear
     * and verifies; every acknowledged decision is stored exactly once, at the sequence it was acknowledged
     * with; a request answered 503 is stored at most once; nothing else is stored.
     *
     * @return how many entries landed although their caller got 503
     */
    static int assertEveryAcknowledgedStoredExactlyOnce(String table, ChainKey chain, Outcome out) {
        if (!out.unexpected.isEmpty()) {
            AssertionError e = new AssertionError(out.unexpected.size() + " callers failed unexpectedly; first: "
                    + out.unexpected.get(0));
            e.initCause(out.unexpected.get(0));
            throw e;
        }
        long headSequence = StoreTestSupport.cleanStore(table).readHead(chain).orElseThrow().sequence();
        List<Entry> entries = StoreTestSupport.assertLinearChain(table, chain, headSequence);
        Map<String, List<Entry>> byTag = new HashMap<>();
        for (Entry e : entries) byTag.computeIfAbsent(StoreTestSupport.tagOf(e), k -> new ArrayList<>()).add(e);
        for (Map.Entry<String, DecisionRecord> a : out.acknowledged.entrySet()) {
            List<Entry> stored = byTag.getOrDefault(a.getKey(), List.of());
            assertEquals(1, stored.size(), "acknowledged request " + a.getKey() + " stored " + stored.size() + " times");
            assertEquals(a.getValue().decisionId(), stored.get(0).id(), "decision id of " + a.getKey());
            assertEquals(a.getValue().sequence(), stored.get(0).sequence(), "sequence of " + a.getKey());
            assertEquals(a.getValue().chainHash(), stored.get(0).chainHash(), "chain hash of " + a.getKey());
        }
        int landedUnacknowledged = 0;
        for (String tag : out.unavailable) {
            int n = byTag.getOrDefault(tag, List.of()).size();
            assertTrue(n <= 1, "request " + tag + " (answered 503) stored " + n + " times");
            landedUnacknowledged += n;
        }
        for (String tag : byTag.keySet()) {
            assertTrue(out.acknowledged.containsKey(tag) || out.unavailable.contains(tag), "stored entry of no request: " + tag);
        }
        assertEquals(out.acknowledged.size() + landedUnacknowledged, entries.size(),
                "entries = acknowledged + landed-but-unacknowledged");
        return landedUnacknowledged;
    }
}

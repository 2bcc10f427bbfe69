package dev.loopgrid.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A store that keeps its counters on the head (no separate records) gets the light reads from {@link ChainStore#readHead};
 * a store that cannot stage (not a {@link StagingStore}) gets every append direct, whatever the policy.
 */
class ChainStoreDefaultsTest {

    private static final ChainHead HEAD = new ChainHead("svc", 3, "h3", Map.of("decisions", 3L), "t1", "t3");

    private static final ChainStore HEAD_ONLY = new ChainStore() {
        @Override
        public Optional<ChainHead> readHead(ChainKey chain) {
            return chain.chainId().equals("svc") ? Optional.of(HEAD) : Optional.empty();
        }

        @Override
        public void append(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                           Map<String, Long> counterDeltas) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<Entry> readEntry(ChainKey chain, long sequence) {
            return Optional.empty();
        }

        @Override
        public Iterator<Entry> readEntries(ChainKey chain, long fromSequence, long toSequence) {
            return List.<Entry>of().iterator();
        }

        @Override
        public List<ChainHead> listChains(String tenant) {
            return List.of(HEAD);
        }

        @Override
        public Optional<IdempotencyRecord> findIdempotency(String tenant, String key) {
            return Optional.empty();
        }
    };

    @Test
    void readPosition_readCounter_andListChainIds_default_toTheHeadReads() {
        ChainKey svc = new ChainKey("t", "svc");
        assertEquals(HEAD, HEAD_ONLY.readPosition(svc).orElseThrow());
        assertTrue(HEAD_ONLY.readPosition(new ChainKey("t", "none")).isEmpty());
        assertEquals(3, HEAD_ONLY.readCounter(svc, "decisions").orElseThrow());
        assertEquals(0, HEAD_ONLY.readCounter(svc, "type:x").orElseThrow());
        assertEquals(0, HEAD_ONLY.readCounter(new ChainKey("t", "none"), "decisions").orElseThrow());
        assertEquals(List.of("svc"), HEAD_ONLY.listChainIds("t"));
    }

    @Test
    void theLedgerInStagedMode_overAStoreThatCannotStage_appendsEveryRequestDirectly() throws Exception {
        ChainKey svc = new ChainKey("t", "svc");
        dev.loopgrid.core.InMemoryLedgerStore backing = new dev.loopgrid.core.InMemoryLedgerStore(java.time.Clock.systemUTC());
        java.util.Set<String> called = java.util.concurrent.ConcurrentHashMap.newKeySet();
        // the in-memory store could stage; seen only as a ChainStore, it cannot
        ChainStore plain = (ChainStore) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ChainStore.class}, (proxy, m, args) -> {
                    called.add(m.getName());
                    try {
                        return m.invoke(backing, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        assertFalse(plain instanceof StagingStore);
        Ledger ledger = new Ledger(plain, java.time.Clock.systemUTC(), Ledger.Policy.stagedDefaults(), null);

        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<Ledger.Result>> results = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                String id = "dec_" + i;
                String content = "{\"n\":" + i + "}";
                AppendRequest r = new AppendRequest(EntryType.DECISION, id, id, content, EntryHasher.contentHash(content),
                        null, null);
                assertTrue(backing.canStage(r), "the backing store could stage it");
                results.add(pool.submit(() -> ledger.append(svc, r)));
            }
            java.util.Set<Long> sequences = new java.util.TreeSet<>();
            for (var f : results) sequences.add(((Ledger.Result.Committed) f.get()).entry().sequence());
            assertEquals(40, sequences.size());
            assertEquals(1L, sequences.iterator().next());
            assertEquals(40L, backing.readPosition(svc).orElseThrow().sequence());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(java.util.Set.of(), backing.readStaged(svc, 100).stream().map(StagedRequest::stageId)
                .collect(java.util.stream.Collectors.toSet()), "nothing staged");
        assertTrue(backing.lease(svc, "someone", System.currentTimeMillis() + 1_000), "no lease was ever taken");
        assertTrue(called.contains("append"), "appended through the plain port: " + called);
        assertEquals(true, HEAD_ONLY.fitsOneWrite(null, List.of(), 0));
    }

    @Test
    void stagedIds_sortByTime_andAreUnique() {
        String a = StagedRequest.newId(1_000);
        String b = StagedRequest.newId(2_000);
        assertTrue(a.compareTo(b) < 0);
        assertTrue(!StagedRequest.newId(1_000).equals(StagedRequest.newId(1_000)));
        assertThrows(IllegalArgumentException.class, () -> new StagedRequest("", null));
    }
}

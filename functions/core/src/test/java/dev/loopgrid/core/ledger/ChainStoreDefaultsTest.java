package dev.loopgrid.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A store that keeps its counters on the head (no separate records) gets the light reads from {@link ChainStore#readHead}. */
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
    void aStoreWithoutStaging_stagesNothing_andTheLedgerAppendsDirectly() {
        ChainKey svc = new ChainKey("t", "svc");
        String content = "{}";
        AppendRequest r = new AppendRequest(EntryType.DECISION, "dec_1", "dec_1", content, EntryHasher.contentHash(content),
                null, null);
        StagedRequest s = new StagedRequest("001#01", r);

        assertEquals(false, HEAD_ONLY.canStage(r));
        assertEquals(List.of(), HEAD_ONLY.readStaged(svc, 10));
        assertEquals(true, HEAD_ONLY.fitsOneWrite(null, List.of(r), 0));
        assertEquals(true, HEAD_ONLY.lease(svc, "w", 0), "no lease to hold: everyone may append");
        HEAD_ONLY.release(svc, "w");
        assertThrows(UnsupportedOperationException.class, () -> HEAD_ONLY.stage(svc, s));
        assertThrows(UnsupportedOperationException.class, () -> HEAD_ONLY.stageAll(svc, List.of(s)));
        assertThrows(UnsupportedOperationException.class, () -> HEAD_ONLY.stagedState(svc, s));
        assertThrows(UnsupportedOperationException.class, () -> HEAD_ONLY.withdrawStaged(svc, s));
        assertThrows(UnsupportedOperationException.class,
                () -> HEAD_ONLY.rejectStaged(svc, s, StoreException.WriteRejected.Reason.PROJECTION_MOVED));
        // the staged append of nothing staged is the plain append (which this store refuses); of a staged one, refused
        Entry e = Entry.link("svc", 4, EntryType.DECISION, "dec_1", "dec_1", "2026-01-01T00:00:00.000Z", content,
                r.contentHash(), "h3");
        java.util.List<StagedRequest> none = java.util.Collections.singletonList(null);
        assertThrows(UnsupportedOperationException.class,
                () -> HEAD_ONLY.append(svc, HEAD, List.of(e), List.of(r), Map.of(), none));
        assertThrows(UnsupportedOperationException.class,
                () -> HEAD_ONLY.append(svc, HEAD, List.of(e), List.of(r), Map.of(), List.of(s)));
        // a store without leases has no lease to condition a lone writer's append on
        UnsupportedOperationException u = assertThrows(UnsupportedOperationException.class,
                () -> HEAD_ONLY.appendUnlessLeased(svc, HEAD, List.of(e), List.of(r), Map.of()));
        assertEquals("this store has no leases", u.getMessage());
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

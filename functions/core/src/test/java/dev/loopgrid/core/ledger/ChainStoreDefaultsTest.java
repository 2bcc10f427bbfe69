package dev.loopgrid.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}

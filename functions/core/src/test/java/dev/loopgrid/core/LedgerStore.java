package dev.loopgrid.core;

import dev.loopgrid.core.decision.DecisionIndex;
import dev.loopgrid.core.decision.DecisionPage;
import dev.loopgrid.core.decision.DecisionQuery;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.ledger.AppendRequest;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.ChainStore;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.IdempotencyRecord;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Test fixture: a chain store and the decision index over the same storage, as one object, so a contract test can
 * append and read back through one handle.
 */
public interface LedgerStore extends ChainStore, DecisionIndex {

    /** The two ports of one storage as one handle. */
    static LedgerStore of(ChainStore chains, DecisionIndex index) {
        return new Both(chains, index);
    }

    /** {@link #of}: every method passed on to the port it belongs to. */
    class Both implements LedgerStore {
        private final ChainStore chains;
        private final DecisionIndex index;

        Both(ChainStore chains, DecisionIndex index) {
            this.chains = chains;
            this.index = index;
        }

        @Override
        public Optional<ChainHead> readHead(ChainKey chain) {
            return chains.readHead(chain);
        }

        @Override
        public Optional<ChainHead> readPosition(ChainKey chain) {
            return chains.readPosition(chain);
        }

        @Override
        public OptionalLong readCounter(ChainKey chain, String counter) {
            return chains.readCounter(chain, counter);
        }

        @Override
        public List<String> listChainIds(String tenant) {
            return chains.listChainIds(tenant);
        }

        @Override
        public void append(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                           Map<String, Long> counterDeltas) {
            chains.append(chain, expected, entries, requests, counterDeltas);
        }

        @Override
        public boolean fitsOneWrite(ChainHead expected, List<AppendRequest> requests, int staged) {
            return chains.fitsOneWrite(expected, requests, staged);
        }

        @Override
        public Optional<Entry> readEntry(ChainKey chain, long sequence) {
            return chains.readEntry(chain, sequence);
        }

        @Override
        public Iterator<Entry> readEntries(ChainKey chain, long fromSequence, long toSequence) {
            return chains.readEntries(chain, fromSequence, toSequence);
        }

        @Override
        public List<ChainHead> listChains(String tenant) {
            return chains.listChains(tenant);
        }

        @Override
        public Optional<IdempotencyRecord> findIdempotency(String tenant, String key) {
            return chains.findIdempotency(tenant, key);
        }

        @Override
        public Optional<DecisionRecord> findDecision(String tenant, String decisionId) {
            return index.findDecision(tenant, decisionId);
        }

        @Override
        public DecisionPage listDecisions(String tenant, DecisionQuery query) {
            return index.listDecisions(tenant, query);
        }
    }
}

package dev.loopgrid.core;

import dev.loopgrid.core.decision.DecisionIndex;
import dev.loopgrid.core.ledger.AppendRequest;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.StagedRequest;
import dev.loopgrid.core.ledger.StagedState;
import dev.loopgrid.core.ledger.StagingStore;
import dev.loopgrid.core.ledger.StoreException;
import java.util.List;
import java.util.Map;

/** Test fixture: a {@link LedgerStore} whose chain store can stage requests (the ledger's staged mode). */
public interface StagingLedgerStore extends LedgerStore, StagingStore {

    /** The two ports of one storage as one handle. */
    static StagingLedgerStore of(StagingStore chains, DecisionIndex index) {
        return new Both(chains, index);
    }

    /** {@link #of}: every method passed on to the port it belongs to. */
    final class Both extends LedgerStore.Both implements StagingLedgerStore {
        private final StagingStore staging;

        Both(StagingStore chains, DecisionIndex index) {
            super(chains, index);
            this.staging = chains;
        }

        @Override
        public void append(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                           Map<String, Long> counterDeltas, List<StagedRequest> staged) {
            staging.append(chain, expected, entries, requests, counterDeltas, staged);
        }

        @Override
        public void appendUnlessLeased(ChainKey chain, ChainHead expected, List<Entry> entries,
                                       List<AppendRequest> requests, Map<String, Long> counterDeltas) {
            staging.appendUnlessLeased(chain, expected, entries, requests, counterDeltas);
        }

        @Override
        public boolean lease(ChainKey chain, String writer, long untilEpochMillis) {
            return staging.lease(chain, writer, untilEpochMillis);
        }

        @Override
        public void release(ChainKey chain, String writer) {
            staging.release(chain, writer);
        }

        @Override
        public boolean canStage(AppendRequest request) {
            return staging.canStage(request);
        }

        @Override
        public void stage(ChainKey chain, StagedRequest staged) {
            staging.stage(chain, staged);
        }

        @Override
        public void stageAll(ChainKey chain, List<StagedRequest> staged) {
            staging.stageAll(chain, staged);
        }

        @Override
        public List<StagedRequest> readStaged(ChainKey chain, int limit) {
            return staging.readStaged(chain, limit);
        }

        @Override
        public StagedState stagedState(ChainKey chain, StagedRequest staged) {
            return staging.stagedState(chain, staged);
        }

        @Override
        public List<StagedState> stagedStates(ChainKey chain, List<StagedRequest> staged) {
            return staging.stagedStates(chain, staged);
        }

        @Override
        public List<StagedState> stagedStates(ChainKey chain, List<StagedRequest> staged, boolean withLease) {
            return staging.stagedStates(chain, staged, withLease);
        }

        @Override
        public void rejectStaged(ChainKey chain, StagedRequest staged,
                                 StoreException.WriteRejected.Reason reason) {
            staging.rejectStaged(chain, staged, reason);
        }

        @Override
        public StagedState withdrawStaged(ChainKey chain, StagedRequest staged) {
            return staging.withdrawStaged(chain, staged);
        }
    }
}

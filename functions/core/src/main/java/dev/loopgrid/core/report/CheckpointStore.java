package dev.loopgrid.core.report;

import dev.loopgrid.core.ledger.ChainKey;
import java.util.Collection;
import java.util.Map;

/**
 * Where each chain's {@link VerificationCheckpoint} is kept. Every method may throw
 * {@link dev.loopgrid.core.ledger.StoreException.Unavailable}.
 */
public interface CheckpointStore {

    /** The checkpoints of the given chains of a tenant, by chain id; chains never verified are absent. */
    Map<String, VerificationCheckpoint> read(String tenant, Collection<String> chainIds);

    /**
     * Records that {@code chain} verified up to {@code checkpoint}. Only moves forward: when a checkpoint at the
     * same or a later sequence is already stored (a concurrent report got there first) nothing changes and
     * nothing is thrown.
     */
    void advance(ChainKey chain, VerificationCheckpoint checkpoint);

    /** A store in memory (tests, and an application built without a table). */
    static CheckpointStore inMemory() {
        java.util.concurrent.ConcurrentHashMap<ChainKey, VerificationCheckpoint> map = new java.util.concurrent.ConcurrentHashMap<>();
        return new CheckpointStore() {
            @Override
            public Map<String, VerificationCheckpoint> read(String tenant, Collection<String> chainIds) {
                Map<String, VerificationCheckpoint> out = new java.util.HashMap<>();
                for (String c : chainIds) {
                    VerificationCheckpoint cp = map.get(new ChainKey(tenant, c));
                    if (cp != null) out.put(c, cp);
                }
                return out;
            }

            @Override
            public void advance(ChainKey chain, VerificationCheckpoint checkpoint) {
                map.merge(chain, checkpoint, (old, neu) -> neu.sequence() > old.sequence() ? neu : old);
            }
        };
    }
}

package dev.loopgrid.core.log;

import dev.loopgrid.core.ledger.StoreException;
import java.util.Iterator;
import java.util.Optional;

/**
 * Where a tenant's log is sequenced (the ledger table). Nothing here is trusted by verification: the signed
 * checkpoints are. Every method may throw {@link StoreException.Unavailable}.
 */
public interface LogStore {

    /** The tenant's log state ({@link LogState#EMPTY} before its first leaf). */
    LogState state(String tenant);

    /** The chain's newest run (how far it is integrated), or empty when none of it is. */
    Optional<Run> lastRun(String tenant, String chainId);

    /** The run holding {@code sequence} of the chain, or empty when that entry is not integrated. */
    Optional<Run> runOf(String tenant, String chainId, long sequence);

    /**
     * Sequences {@code batch} after {@code expected}: the batch item, each run (a run can start at a chain's
     * sequence only once) and the state moved to {@code next}, atomically.
     *
     * @throws StoreException.HeadMoved the state is no longer {@code expected}, or a run's entries were integrated
     *                                  by another integrator: nothing was written
     */
    void commit(String tenant, LogState expected, LogBatch batch, LogState next);

    /** Records that tiles and bundles are written up to {@code size} (never moves back). */
    void markTiled(String tenant, long size);

    /** Records the latest signed checkpoint's size and time (never moves back). */
    void markCheckpointed(String tenant, long size, long atMillis);

    /** The batches from the one holding leaf {@code fromIndex} on, in index order, page by page. */
    Iterator<LogBatch> batches(String tenant, long fromIndex);
}

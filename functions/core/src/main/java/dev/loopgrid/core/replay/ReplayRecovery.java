package dev.loopgrid.core.replay;

import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.ledger.Times;
import java.time.Clock;
import java.util.Optional;

/**
 * Queues again the replays nothing will run otherwise: a replay is stored pending and then queued, so a crash between
 * the two, a queue that lost its messages (the local stack's queue is in memory), or a worker that died holding a
 * lease leaves it pending or running for good. A sweep walks the store's index of open replays
 * ({@link ReplayStore#listOpen}, no table scan) and for each one created before its cutoff:
 * <ul>
 *   <li>finished → forgets it in the index ({@link ReplayStore#closeOpen});</li>
 *   <li>pending → queues it again;</li>
 *   <li>running with an expired lease → queues it again (the claim takes over from the dead worker);</li>
 *   <li>running with a live lease → leaves it, unless the sweep runs after a restart of the only worker process
 *       ({@link #afterRestart}), where every lease is an orphan: then it is released (running → pending, if the same
 *       attempt still holds it) and queued.</li>
 * </ul>
 * Exactly once still holds: a duplicate message is harmless, because a run must first claim the replay
 * (pending, or running with an expired lease) and its finishing append is conditioned on still holding that claim
 * (status running and the same attempt count), in the same transaction as the {@code replay} entry — a replay's entry
 * is appended once. On AWS a scheduled function runs {@link #sweep}; the local stack runs {@link #afterRestart} when it
 * starts and {@link #sweep} every minute.
 */
public final class ReplayRecovery {

    /** What one sweep did. */
    public record Sweep(int examined, int requeued, int released, int closed, int leased, boolean complete) {
        @Override
        public String toString() {
            return "examined=" + examined + " requeued=" + requeued + " released=" + released + " closed=" + closed
                    + " leased=" + leased + (complete ? "" : " (stopped early: store or queue unavailable)");
        }
    }

    static final int PAGE = 100;

    private final ReplayStore replays;
    private final WorkQueue queue;
    private final Clock clock;
    private final long graceMillis;

    /**
     * @param graceMillis how old an open replay must be before {@link #sweep} looks at it: longer than a queued
     *                    message normally waits, so a healthy replay is not queued twice
     */
    public ReplayRecovery(ReplayStore replays, WorkQueue queue, Clock clock, long graceMillis) {
        this.replays = replays;
        this.queue = queue;
        this.clock = clock;
        this.graceMillis = graceMillis;
    }

    /** The periodic sweep: open replays older than the grace period. */
    public Sweep sweep() {
        long now = clock.millis();
        return run(Times.format(now - graceMillis), now, false);
    }

    /**
     * The sweep of a worker process that just started and is the only one (the local stack): every replay created
     * before {@code startedAtMillis} that is still open has no message and no live worker.
     */
    public Sweep afterRestart(long startedAtMillis) {
        return run(Times.format(startedAtMillis), clock.millis(), true);
    }

    private Sweep run(String createdBefore, long now, boolean orphanLeases) {
        int examined = 0;
        int requeued = 0;
        int released = 0;
        int closed = 0;
        int leased = 0;
        String cursor = null;
        try {
            do {
                ReplayStore.OpenPage page = replays.listOpen(createdBefore, PAGE, cursor);
                for (ReplayStore.OpenReplay open : page.replays()) {
                    examined++;
                    Optional<ReplayRecord> found = replays.find(open.tenant(), open.replayId());
                    if (found.isEmpty() || found.get().terminal()) {
                        replays.closeOpen(open);
                        closed++;
                        continue;
                    }
                    ReplayRecord r = found.get();
                    if (r.status() == ReplayStatus.RUNNING && r.leaseUntil() >= now) {
                        if (!orphanLeases) {
                            leased++;
                            continue;
                        }
                        replays.release(open.tenant(), open.replayId(), r.attempts(), "the worker stopped (restart)");
                        released++;
                    }
                    queue.enqueue(open.tenant(), open.replayId());
                    requeued++;
                }
                cursor = page.nextCursor();
            } while (cursor != null);
        } catch (StoreException.Unavailable e) {
            return new Sweep(examined, requeued, released, closed, leased, false);
        }
        return new Sweep(examined, requeued, released, closed, leased, true);
    }
}

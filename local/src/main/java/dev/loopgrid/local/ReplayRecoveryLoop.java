package dev.loopgrid.local;

import dev.loopgrid.core.replay.ReplayRecovery;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local stack's replay recovery: a background thread that, when the stack starts, queues again every replay left
 * pending or running by the previous run (the local queue is in memory, and no worker of the previous process is
 * alive: {@link ReplayRecovery#afterRestart}), then sweeps every {@code periodMillis} ({@link ReplayRecovery#sweep}).
 */
final class ReplayRecoveryLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplayRecoveryLoop.class);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "replay-recovery");
        t.setDaemon(true);
        return t;
    });
    private final ReplayRecovery recovery;

    ReplayRecoveryLoop(ReplayRecovery recovery) {
        this.recovery = recovery;
    }

    /** Sweeps now (replays created before {@code startedAtMillis}, leases orphaned), then every {@code periodMillis}. */
    ReplayRecoveryLoop start(long startedAtMillis, long periodMillis) {
        timer.execute(() -> run("after the restart", () -> recovery.afterRestart(startedAtMillis)));
        timer.scheduleWithFixedDelay(() -> run("periodic", recovery::sweep), periodMillis, periodMillis,
                TimeUnit.MILLISECONDS);
        return this;
    }

    private static void run(String which, java.util.function.Supplier<ReplayRecovery.Sweep> sweep) {
        try {
            ReplayRecovery.Sweep s = sweep.get();
            if (s.requeued() > 0 || !s.complete()) LOG.info("replay recovery ({}): {}", which, s);
        } catch (RuntimeException e) {
            LOG.warn("replay recovery ({}) failed: {}", which, e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}

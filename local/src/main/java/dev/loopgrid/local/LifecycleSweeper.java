package dev.loopgrid.local;

import dev.loopgrid.core.lifecycle.LifecycleService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the scheduled erasures that are due, every interval (on AWS a scheduled function does this). */
final class LifecycleSweeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LifecycleSweeper.class);
    private final ScheduledExecutorService executor;

    private LifecycleSweeper(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    static LifecycleSweeper start(LifecycleService lifecycle, long intervalMillis) {
        ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "loopgrid-lifecycle-sweeper");
            t.setDaemon(true);
            return t;
        });
        ex.scheduleWithFixedDelay(() -> {
            try {
                int n = lifecycle.runDue(100);
                if (n > 0) LOG.info("ran {} scheduled erasure(s)", n);
            } catch (RuntimeException e) {
                LOG.warn("scheduled erasures: {}", e.toString());
            }
        }, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        return new LifecycleSweeper(ex);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}

package dev.loopgrid.local;

import dev.loopgrid.core.log.Integrator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local stack's integrator: a background thread in the same process (on AWS the table's stream invokes the
 * integrator function). Every tick it integrates what the ledger handed over, writes tiles and publishes due
 * checkpoints; at start and every {@code catchUpMillis} it also catches up every known tenant from its chains, so
 * entries committed before a crash are integrated after the restart. The tenants are listed from the table once, at
 * start; after that, those the ledger hands entries over for join them.
 */
final class IntegratorLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IntegratorLoop.class);

    private final Integrator integrator;
    private final Supplier<List<String>> tenants;
    private final long tickMillis;
    private final long catchUpMillis;
    private final Thread thread;
    private volatile boolean stopped;

    IntegratorLoop(Integrator integrator, Supplier<List<String>> tenants, long tickMillis, long catchUpMillis) {
        this.integrator = integrator;
        this.tenants = tenants;
        this.tickMillis = tickMillis;
        this.catchUpMillis = catchUpMillis;
        this.thread = new Thread(this::run, "log-integrator");
        this.thread.setDaemon(true);
    }

    IntegratorLoop start() {
        thread.start();
        return this;
    }

    private void run() {
        Set<String> due = new LinkedHashSet<>();
        // every tenant known: those with chains at start (one listing: its cost grows with the table), and every
        // tenant the ledger handed entries over for since; the periodic catch-up walks these, never the table again
        Set<String> known = new LinkedHashSet<>();
        boolean listed = false;
        long nextCatchUp = 0;
        while (!stopped) {
            long now = System.currentTimeMillis();
            boolean catchUp = now >= nextCatchUp;
            Set<String> work = new LinkedHashSet<>(integrator.tenantsWithOffers());
            known.addAll(work);
            work.addAll(due);
            if (catchUp) {
                if (!listed) {
                    try {
                        known.addAll(tenants.get());
                        listed = true;
                    } catch (RuntimeException e) {
                        LOG.warn("log catch-up: could not list tenants: {}", e.toString());
                    }
                }
                work.addAll(known);
                nextCatchUp = now + catchUpMillis;
            }
            due.clear();
            for (String tenant : work) {
                try {
                    if (integrator.pass(tenant, catchUp).checkpointDue()) due.add(tenant);
                } catch (RuntimeException e) {
                    due.add(tenant); // try again next tick; nothing acknowledged depends on it
                    LOG.warn("log of tenant {}: integration pass failed, retrying: {}", tenant, e.toString());
                }
            }
            try {
                Thread.sleep(tickMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.loopgrid.aws.store;

import dev.loopgrid.core.ledger.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Reads of several partition keys at once: a list's index shards, a range's entry partitions, a chain's staging and
 * counter partitions. One Query per key in sequence would be up to 96 round trips, ~1 s in a Lambda. Daemon threads,
 * at most 16, shared by every store of the process (the synchronous DynamoDB client is thread-safe); idle ones end
 * after 30 s.
 */
final class ParallelReads {
    private static final ExecutorService POOL = pool();

    private ParallelReads() {}

    private static ExecutorService pool() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(16, 16, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "loopgrid-parallel-read");
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /**
     * Runs {@code reads} side by side and returns their results in order; the first failure is thrown as it was
     * ({@link StoreException.Unavailable}), the reads not yet begun are then cancelled.
     */
    static <T> List<T> all(List<Callable<T>> reads) {
        List<Future<T>> running = new ArrayList<>(reads.size());
        for (Callable<T> r : reads) running.add(POOL.submit(r));
        List<T> out = new ArrayList<>(reads.size());
        try {
            for (Future<T> f : running) out.add(f.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException.Unavailable("interrupted while reading", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new StoreException.Unavailable("read failed: " + e.getCause(), e.getCause());
        } finally {
            for (Future<T> f : running) f.cancel(false);
        }
        return out;
    }
}

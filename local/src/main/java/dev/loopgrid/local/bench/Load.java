package dev.loopgrid.local.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Closed-loop load: {@code clients} threads (a fixed pool) each send one request, wait for its answer,
 * then send the next, until {@code n} requests have been sent. Latency is measured around the HTTP call
 * only; bodies are produced before each call.
 */
final class Load {

    /**
     * @param latencies  of the successful (201) requests only
     * @param errors     status (or {@code io:Exception}) → count, for every non-201 answer
     * @param bodies     the 201 response bodies by request index when kept, else null
     * @param clientCpu  this process's CPU time during the run as a fraction of wall time × cores
     */
    record Result(int requests, int ok, long wallNanos, Latencies latencies, Map<String, Integer> errors,
                  String[] bodies, double clientCpu, Trace trace) {

        double throughput() {
            return wallNanos == 0 ? 0 : ok / (wallNanos / 1e9);
        }

        int errorCount() {
            return errors.values().stream().mapToInt(Integer::intValue).sum();
        }

        String errorText() {
            return errors.isEmpty() ? "none" : errors.toString();
        }
    }

    /** Per request, by index: start (ns after the run began), latency (ns), status (0 = transport error). */
    record Trace(long[] startNanos, long[] latencyNanos, int[] status) {
        void write(java.nio.file.Path file) throws java.io.IOException {
            StringBuilder sb = new StringBuilder("request,start_ms,latency_ms,status\n");
            for (int i = 0; i < status.length; i++) {
                sb.append(i).append(',').append(String.format("%.3f", startNanos[i] / 1e6)).append(',')
                        .append(String.format("%.3f", latencyNanos[i] / 1e6)).append(',').append(status[i]).append('\n');
            }
            java.nio.file.Files.writeString(file, sb);
        }
    }

    private Load() {}

    /**
     * @param label    shown in progress lines on stderr (every 10 s) for runs that take that long
     * @param keep     keep the 201 bodies (for checking the returned decisions afterwards)
     */
    static Result run(Api api, int clients, int n, IntFunction<String> body, boolean keep, String label)
            throws InterruptedException {
        long[] nanos = new long[n];
        Trace trace = new Trace(new long[n], new long[n], new int[n]);
        AtomicLong origin = new AtomicLong();
        AtomicInteger okCount = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        AtomicLong done = new AtomicLong();
        Map<String, Integer> errors = new ConcurrentHashMap<>();
        String[] bodies = keep ? new String[n] : null;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(clients, r -> {
            Thread t = new Thread(r, "bench-client");
            t.setDaemon(true);
            return t;
        });
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-progress");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        String b = body.apply(i);
                        long t0 = System.nanoTime();
                        Api.Reply r = api.postDecision(b);
                        long t = System.nanoTime() - t0;
                        trace.startNanos()[i] = t0 - origin.get();
                        trace.latencyNanos()[i] = t;
                        trace.status()[i] = r.status();
                        if (r.ok(201)) {
                            nanos[okCount.getAndIncrement()] = t;
                            if (keep) bodies[i] = r.body();
                        } else {
                            errors.merge(r.errorKey(), 1, Integer::sum);
                        }
                        done.incrementAndGet();
                    }
                    return null;
                }));
            }
            long cpu0 = processCpu();
            long t0 = System.nanoTime();
            origin.set(t0);
            AtomicLong lastOk = new AtomicLong();
            ticker.scheduleAtFixedRate(() -> {
                double s = (System.nanoTime() - t0) / 1e9;
                long ok = okCount.get();
                System.err.printf("  … %s: %d/%d after %.0f s (%.0f/s overall, %.0f/s in the last 10 s, %d errors)%n",
                        label, done.get(), n, s, ok / s, (ok - lastOk.getAndSet(ok)) / 10.0, done.get() - ok);
            }, 10, 10, TimeUnit.SECONDS);
            start.countDown();
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("bench client failed", e.getCause());
                }
            }
            long wall = System.nanoTime() - t0;
            long cpu = processCpu() - cpu0;
            double cpuShare = cpu0 < 0 ? Double.NaN
                    : cpu / (double) wall / Runtime.getRuntime().availableProcessors();
            return new Result(n, okCount.get(), wall, new Latencies(nanos, okCount.get()), new TreeMap<>(errors),
                    bodies, cpuShare, trace);
        } finally {
            ticker.shutdownNow();
            pool.shutdownNow();
        }
    }

    /** CPU time of this JVM in ns, or -1 where the platform bean does not offer it. */
    static long processCpu() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}

package dev.loopgrid.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records decisions in the background, in batches ({@code POST /v1/decisions/batch}). Made with
 * {@link LoopGrid#batcher()} or {@link LoopGrid#batcherBuilder()}; {@link LoopGrid#recordDecision} stays the default.
 *
 * <pre>{@code
 * try (Batcher batcher = grid.batcherBuilder().maxBatch(100).flushInterval(Duration.ofSeconds(1)).build()) {
 *     batcher.record(NewDecision.builder("reply").input(in).model("openai", "gpt-4").output(out).build());
 * }
 * }</pre>
 *
 * <p>{@link #record} queues and returns at once: it never waits for the network and never throws. A full queue
 * ({@code maxQueue}) drops the decision. A thread sends the queue in batches of {@code maxBatch} when a batch is
 * full, every {@code flushInterval}, on {@link #flush} and on {@link #close} (and at JVM shutdown with
 * {@link Builder#flushOnShutdown}). Every decision gets its idempotency key when it is queued and every resend of its
 * batch carries the same key: delivered at least once, recorded exactly once. A batch that fails transiently (429,
 * 5xx, no answer) is resent up to {@code maxRetries} times with jittered exponential backoff; items the server
 * rejects (4xx) are not. Drops and failures are counted ({@link #dropped()}, {@link #failed()}) and logged
 * (System.Logger {@code loopgrid}, once per batch). What is still queued when the JVM dies without {@link #close}
 * is lost.
 */
public final class Batcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("loopgrid");

    private final LoopGrid grid;
    private final int maxBatch;
    private final long intervalNanos;
    private final int maxQueue;
    private final int maxRetries;
    private final Duration retryDelay;
    private final Duration closeTimeout;
    private final Thread thread;
    private final Thread shutdownHook;

    // guarded by this
    private final ArrayDeque<ObjectNode> queue = new ArrayDeque<>();
    private long queued; // decisions accepted so far
    private long done; // of those, recorded or given up on
    private long flushTo; // send everything up to this many accepted decisions now
    private long droppedUnlogged;
    private boolean closed;
    private boolean closedWarned;

    private final AtomicLong recorded = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    private Batcher(Builder b) {
        this.grid = b.grid;
        this.maxBatch = b.maxBatch;
        this.intervalNanos = b.flushInterval.toNanos();
        this.maxQueue = b.maxQueue;
        this.maxRetries = b.maxRetries;
        this.retryDelay = b.retryDelay != null ? b.retryDelay : grid.retryDelay();
        this.closeTimeout = b.closeTimeout;
        this.thread = new Thread(this::run, "loopgrid-batcher");
        thread.setDaemon(true);
        thread.start();
        if (b.flushOnShutdown) {
            shutdownHook = new Thread(() -> {
                if (!close(closeTimeout)) {
                    LOG.log(System.Logger.Level.WARNING, "LoopGrid: {0} queued decisions not recorded at shutdown", pending());
                }
            }, "loopgrid-batcher-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } else {
            shutdownHook = null;
        }
    }

    static Builder builder(LoopGrid grid) {
        return new Builder(grid);
    }

    /** Decisions the server answered as recorded (201, or 200 for a retry). */
    public long recorded() {
        return recorded.get();
    }

    /** Decisions never sent: the queue was full, or the batcher was closed. */
    public long dropped() {
        return dropped.get();
    }

    /** Decisions not recorded: rejected by the server (4xx), not JSON, or still failing after the retries. */
    public long failed() {
        return failed.get();
    }

    /** Decisions queued or being sent. */
    public synchronized long pending() {
        return queued - done;
    }

    /**
     * Queues a decision and returns at once: true when it was queued, false when it was dropped (queue full, or
     * closed) or could not be turned into JSON (counted as failed). Never waits for the network, never throws.
     */
    public boolean record(NewDecision decision) {
        ObjectNode item;
        try {
            item = grid.batchItem(decision); // the key is made here, once: every resend carries it
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "LoopGrid: decision not queued: {0}", e.toString());
            return false;
        }
        boolean warnClosed;
        synchronized (this) {
            if (!closed && queue.size() < maxQueue) {
                queue.add(item);
                queued++;
                if (queue.size() >= maxBatch) notifyAll();
                return true;
            }
            dropped.incrementAndGet();
            if (!closed) {
                droppedUnlogged++; // logged by the thread, once per batch
                return false;
            }
            warnClosed = !closedWarned;
            closedWarned = true;
        }
        if (warnClosed) LOG.log(System.Logger.Level.WARNING, "LoopGrid: decisions dropped, the batcher is closed");
        return false;
    }

    /** Sends everything queued so far now and waits until it is recorded or given up on. */
    public boolean flush() {
        return flush(null);
    }

    /**
     * Sends everything queued so far now and waits at most {@code timeout} (null: no limit) until it is recorded or
     * given up on; true when nothing queued before the call is still pending. Never throws.
     */
    public synchronized boolean flush(Duration timeout) {
        long target = queued;
        flushTo = Math.max(flushTo, target);
        notifyAll();
        long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
        try {
            while (done < target && thread.isAlive()) {
                if (timeout == null) {
                    wait();
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) return false;
                    wait(Math.max(1, left / 1_000_000));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return done >= target;
    }

    /** Stops taking decisions, sends what is queued (waiting at most the builder's {@code closeTimeout}) and stops. */
    @Override
    public void close() {
        close(closeTimeout);
    }

    /**
     * Stops taking decisions, sends what is queued, waiting at most {@code timeout}, and stops the thread. True when
     * everything was sent; what is still queued after the timeout is lost. Safe to call twice.
     */
    public boolean close(Duration timeout) {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs (or ran) anyway
            }
        }
        boolean sent = flush(timeout);
        if (sent) {
            try {
                thread.join(timeout == null ? 0 : Math.max(1, timeout.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return sent;
    }

    @Override
    public String toString() {
        return "Batcher[pending=" + pending() + ", recorded=" + recorded() + ", dropped=" + dropped() + ", failed="
                + failed() + "]";
    }

    // ---------------------------------------------------------------- the thread

    private void run() {
        while (true) {
            List<ObjectNode> batch;
            long drops;
            synchronized (this) {
                long next = System.nanoTime() + intervalNanos;
                while (queue.isEmpty() || (queue.size() < maxBatch && flushTo <= done && !closed)) {
                    if (closed && queue.isEmpty()) {
                        notifyAll();
                        return;
                    }
                    long left = next - System.nanoTime();
                    if (left <= 0) {
                        if (!queue.isEmpty()) break;
                        next = System.nanoTime() + intervalNanos;
                        left = intervalNanos;
                    }
                    try {
                        wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        return; // only an interrupt of our own thread: give up
                    }
                }
                int n = Math.min(maxBatch, queue.size());
                batch = new ArrayList<>(n);
                for (int i = 0; i < n; i++) batch.add(queue.poll());
                drops = droppedUnlogged;
                droppedUnlogged = 0;
            }
            if (drops > 0) {
                LOG.log(System.Logger.Level.WARNING, "LoopGrid: {0} decisions dropped, the batcher''s queue is full "
                        + "(maxQueue={1})", drops, maxQueue);
            }
            long[] outcome;
            try {
                outcome = send(batch);
            } catch (RuntimeException e) { // a bug, not the server: the queue must keep moving
                LOG.log(System.Logger.Level.WARNING, "LoopGrid: batch of {0} not recorded: {1}", batch.size(), e.toString());
                outcome = new long[] {0, batch.size()};
            }
            recorded.addAndGet(outcome[0]);
            failed.addAndGet(outcome[1]);
            synchronized (this) {
                done += batch.size();
                notifyAll();
            }
        }
    }

    private static boolean transientStatus(int status) {
        return status == 429 || status >= 500;
    }

    /** Sends a batch, resending what failed transiently; returns {recorded, failed}. */
    private long[] send(List<ObjectNode> batch) {
        long ok = 0;
        long bad = 0;
        List<String> rejected = new ArrayList<>();
        List<ObjectNode> items = batch;
        for (int attempt = 0; !items.isEmpty(); attempt++) {
            List<ObjectNode> retry = new ArrayList<>();
            RuntimeException lastError = null;
            for (List<ObjectNode> chunk : grid.chunks(items)) {
                List<DecisionResult> results;
                try {
                    results = grid.sendBatch(chunk, 0);
                } catch (LoopGridApiException e) {
                    if (!transientStatus(e.status())) {
                        bad += chunk.size();
                        rejected.add(e.status() + (e.code() == null ? "" : " " + e.code()) + " " + e.detail());
                    } else {
                        lastError = e;
                        retry.addAll(chunk);
                    }
                    continue;
                } catch (LoopGridException e) { // no answer: the batch may have been recorded; the keys make a resend safe
                    lastError = e;
                    retry.addAll(chunk);
                    continue;
                }
                for (int i = 0; i < chunk.size(); i++) {
                    DecisionResult r = results.get(i);
                    if (r.ok()) {
                        ok++;
                    } else if (transientStatus(r.status())) {
                        retry.add(chunk.get(i));
                    } else {
                        bad++;
                        rejected.add(r.status() + (r.code() == null ? "" : " " + r.code()) + " " + r.detail());
                    }
                }
            }
            if (retry.isEmpty()) break;
            if (attempt >= maxRetries) {
                bad += retry.size();
                LOG.log(System.Logger.Level.WARNING, "LoopGrid: {0} decisions not recorded after {1} attempts: {2}",
                        retry.size(), attempt + 1, lastError != null ? lastError.getMessage()
                                : "the server answered them with a transient error");
                break;
            }
            if (!backoff(attempt)) {
                bad += retry.size();
                break;
            }
            items = retry;
        }
        if (!rejected.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "LoopGrid: {0} decisions rejected by the server (first: {1})",
                    rejected.size(), rejected.get(0));
        }
        return new long[] {ok, bad};
    }

    private boolean backoff(int attempt) {
        long exp = Math.min(grid.maxRetryDelay().toMillis(), retryDelay.toMillis() << Math.min(attempt, 20));
        long millis = exp / 2 + ThreadLocalRandom.current().nextLong(exp / 2 + 1);
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The options of a {@link Batcher}. */
    public static final class Builder {
        private final LoopGrid grid;
        private int maxBatch = LoopGrid.MAX_BATCH;
        private Duration flushInterval = Duration.ofSeconds(1);
        private int maxQueue = 10_000;
        private int maxRetries = 3;
        private Duration retryDelay;
        private Duration closeTimeout = Duration.ofSeconds(10);
        private boolean flushOnShutdown;

        private Builder(LoopGrid grid) {
            this.grid = Objects.requireNonNull(grid, "grid");
        }

        /** Decisions per request (1..100); a full batch is sent at once. Default 100. */
        public Builder maxBatch(int v) {
            if (v < 1 || v > LoopGrid.MAX_BATCH) throw new IllegalArgumentException("maxBatch must be 1.." + LoopGrid.MAX_BATCH);
            this.maxBatch = v;
            return this;
        }

        /** How long a partial batch waits before it is sent; default 1 s. */
        public Builder flushInterval(Duration v) {
            if (v == null || v.isNegative() || v.isZero()) throw new IllegalArgumentException("flushInterval must be positive");
            this.flushInterval = v;
            return this;
        }

        /** Decisions waiting at most; more are dropped (and counted). Default 10,000. */
        public Builder maxQueue(int v) {
            if (v < 1) throw new IllegalArgumentException("maxQueue must be >= 1");
            this.maxQueue = v;
            return this;
        }

        /** Resends of a batch that failed transiently (429, 5xx, no answer); default 3. */
        public Builder maxRetries(int v) {
            if (v < 0) throw new IllegalArgumentException("maxRetries must be >= 0");
            this.maxRetries = v;
            return this;
        }

        /** First backoff delay, doubled per resend and jittered; default the client's {@code retryDelay}. */
        public Builder retryDelay(Duration v) {
            this.retryDelay = Objects.requireNonNull(v);
            return this;
        }

        /** How long {@link Batcher#close()} (and the shutdown hook) waits for the queue to be sent; default 10 s. */
        public Builder closeTimeout(Duration v) {
            this.closeTimeout = Objects.requireNonNull(v);
            return this;
        }

        /** Close (flush) the batcher in a JVM shutdown hook; default false (call {@link Batcher#close()}). */
        public Builder flushOnShutdown(boolean v) {
            this.flushOnShutdown = v;
            return this;
        }

        public Batcher build() {
            return new Batcher(this);
        }
    }
}

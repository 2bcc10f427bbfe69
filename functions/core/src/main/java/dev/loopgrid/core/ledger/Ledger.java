package dev.loopgrid.core.ledger;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Appends entries to chains: the append policy (optimistic write conditioned on the head, bounded
 * jittered retry, "an attempt that already landed is a success") plus group commit.
 *
 * <p><b>Group commit.</b> Callers appending to the same chain in this process queue their requests;
 * whichever caller holds the chain's lock drains the queue into batches of up to {@link Policy#maxBatchEntries()}
 * entries and commits each batch as one store transaction, until its own request is committed; it then
 * hands the lock to the caller of the oldest waiting request. Optimistic retries alone collapse under
 * contention (DESIGN.md measures 86 appends/s at 32 writers); one writer per chain per process never
 * races itself, so conflicts only arise between processes. A process serving one request at a time
 * commits batches of one.
 *
 * <p><b>Unknown outcomes.</b> When the store cannot say whether a write was applied (timeout, connection
 * reset after sending) the next attempt first re-reads the head: if the slot the batch aimed at holds the
 * batch's first entry, the batch was committed (transactions are atomic) and is acknowledged as it is;
 * otherwise it is retried with identical entries against the same head, or re-linked after a head that
 * moved past it (which proves the earlier attempt can never apply). The batch's composition only changes
 * after a definite answer, so an acknowledged entry is stored exactly once.
 */
public final class Ledger {

    /**
     * @param maxAttempts     attempts per batch before callers get 503
     * @param baseBackoffMs   first backoff; doubles per attempt, full jitter
     * @param maxBackoffMs    backoff cap
     * @param maxBatchEntries entries per transaction (each entry takes up to 6 of DynamoDB's 100 items: itself, its
     *                        projection, its idempotency claim, and the counter items of its type, model and week;
     *                        a batch adds up to 5: head, registry, totals, the two admitted-names items)
     * @param maxBatchBytes   approximate bytes per transaction (DynamoDB allows 4 MB)
     */
    public record Policy(int maxAttempts, long baseBackoffMs, long maxBackoffMs, int maxBatchEntries,
                         int maxBatchBytes) {
        public static Policy defaults() {
            return new Policy(8, 5, 200, 15, 3_000_000);
        }
    }

    /** Hooks for metrics; all no-ops by default. */
    public interface Listener {
        default void committed(ChainKey chain, int entries, int attempts) {}
        /** The entries of a committed batch, in chain order (the log's integrator takes them from here in process). */
        default void appended(ChainKey chain, List<Entry> entries) {}
        default void headMoved(ChainKey chain) {}
        default void storeUnavailable(ChainKey chain, StoreException.Unavailable e) {}
        default void exhausted(ChainKey chain, int entries) {}
    }

    /** The outcome of one append. */
    public sealed interface Result {
        record Committed(Entry entry) implements Result {}
        record Rejected(StoreException.WriteRejected.Reason reason) implements Result {}
        /** Only from {@link #appendAll}: this request's batch failed (e.g. {@link LedgerException.Unavailable}). */
        record Failed(RuntimeException error) implements Result {}
    }

    private final ChainStore store;
    private final Clock clock;
    private final Policy policy;
    private final Listener listener;
    private final ConcurrentHashMap<ChainKey, Writer> writers = new ConcurrentHashMap<>();

    public Ledger(ChainStore store, Clock clock, Policy policy, Listener listener) {
        this.store = store;
        this.clock = clock;
        this.policy = policy;
        this.listener = listener == null ? new Listener() {} : listener;
    }

    /**
     * Appends one entry to {@code chain}, possibly in one transaction with other callers' entries.
     *
     * @return the committed entry, or the reason a condition of this request was rejected
     * @throws LedgerException.Unavailable when the batch could not be committed within the policy's attempts
     */
    public Result append(ChainKey chain, AppendRequest request) {
        Writer w = writers.computeIfAbsent(chain, Writer::new);
        Pending p = new Pending(request);
        w.inbox.add(p);
        return await(w, p);
    }

    /**
     * Appends {@code requests} to {@code chain} in this order, as few transactions as the batch limits allow (one
     * caller's batch: a Lambda instance serving one batch request still commits many entries per transaction).
     *
     * @return one result per request, in order: {@link Result.Failed} for a request whose batch could not be
     *         committed (the others are still driven to their end, so no request is left behind unanswered)
     */
    public List<Result> appendAll(ChainKey chain, List<AppendRequest> requests) {
        Writer w = writers.computeIfAbsent(chain, Writer::new);
        List<Pending> pending = new ArrayList<>(requests.size());
        for (AppendRequest r : requests) pending.add(new Pending(r));
        w.inbox.addAll(pending);
        List<Result> out = new ArrayList<>(pending.size());
        for (Pending p : pending) {
            try {
                out.add(await(w, p));
            } catch (RuntimeException e) {
                out.add(new Result.Failed(e));
            }
        }
        return out;
    }

    private Result await(Writer w, Pending p) {
        while (!p.future.isDone()) {
            if (w.lock.tryLock()) {
                try {
                    w.drainUntilDone(p);
                } finally {
                    w.handOff();
                }
            } else {
                // the leader unparks the next waiter when it hands off; the timeout is only a safety net
                LockSupport.parkNanos(this, 5_000_000L);
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    if (!p.future.isDone()) {
                        throw new LedgerException.Unavailable("interrupted", "Interrupted while appending", 1);
                    }
                }
            }
        }
        try {
            return p.future.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw e;
        }
    }

    /**
     * The counter deltas a batch adds to its chain's head: {@link ChainHead#ENTRIES}, {@link ChainHead#entriesOfType}
     * and what each request's projection change names for its entry (same order as {@code requests}). Zero sums are
     * left out.
     */
    public static Map<String, Long> counterDeltas(List<AppendRequest> requests, List<Entry> entries) {
        Map<String, Long> d = new TreeMap<>();
        for (int i = 0; i < requests.size(); i++) {
            AppendRequest r = requests.get(i);
            d.merge(ChainHead.ENTRIES, 1L, Long::sum);
            d.merge(ChainHead.entriesOfType(r.type()), 1L, Long::sum);
            if (r.projection() != null) r.projection().counterDeltas(entries.get(i)).forEach((k, v) -> d.merge(k, v, Long::sum));
        }
        d.values().removeIf(v -> v == 0);
        return d;
    }

    private static final class Pending {
        final AppendRequest request;
        final Thread caller = Thread.currentThread();
        final CompletableFuture<Result> future = new CompletableFuture<>();
        String recordedAt;

        Pending(AppendRequest request) {
            this.request = request;
        }
    }

    private final class Writer {
        final ChainKey chain;
        final ConcurrentLinkedQueue<Pending> inbox = new ConcurrentLinkedQueue<>();
        final ReentrantLock lock = new ReentrantLock();
        // guarded by lock:
        final ArrayDeque<Pending> backlog = new ArrayDeque<>();
        boolean headKnown;
        ChainHead head; // null = chain has no entry (when headKnown)
        long lastTimeMs;

        Writer(ChainKey chain) {
            this.chain = chain;
        }

        /**
         * Commits batches until {@code own} is done. The leader then steps down rather than serving everyone who
         * keeps arriving: under sustained load it would otherwise hold its own caller's answer for seconds.
         */
        void drainUntilDone(Pending own) {
            while (!own.future.isDone()) {
                for (Pending p; (p = inbox.poll()) != null; ) backlog.add(p);
                if (backlog.isEmpty()) return;
                commit(formBatch());
            }
        }

        /** Releases the lock and wakes the caller of the oldest waiting request, which becomes the next leader. */
        void handOff() {
            Pending next = backlog.peekFirst();
            if (next == null) next = inbox.peek();
            lock.unlock();
            if (next != null) LockSupport.unpark(next.caller);
        }

        /** Takes requests from the backlog in order, deferring any that touch an item already in the batch. */
        List<Pending> formBatch() {
            List<Pending> batch = new ArrayList<>();
            Set<String> touched = new HashSet<>();
            int bytes = 0;
            for (Iterator<Pending> it = backlog.iterator(); it.hasNext() && batch.size() < policy.maxBatchEntries(); ) {
                Pending p = it.next();
                AppendRequest r = p.request;
                int size = r.approximateSize();
                if (!batch.isEmpty() && bytes + size > policy.maxBatchBytes()) break;
                String projKey = r.projection() == null ? null : "P" + r.projection().projectionKey();
                String idemKey = r.idempotency() == null ? null : "I" + r.idempotency().key();
                if ((projKey != null && touched.contains(projKey)) || (idemKey != null && touched.contains(idemKey))) {
                    continue; // stays in the backlog for the next batch
                }
                if (projKey != null) touched.add(projKey);
                if (idemKey != null) touched.add(idemKey);
                it.remove();
                batch.add(p);
                bytes += size;
            }
            long now = Math.max(clock.millis(), lastTimeMs);
            lastTimeMs = now;
            String at = Times.format(now);
            for (Pending p : batch) {
                if (p.recordedAt == null) p.recordedAt = at;
            }
            return batch;
        }

        void commit(List<Pending> batch) {
            boolean maybeApplied = false; // an earlier attempt with attemptEntries may yet be or have been applied
            List<Entry> attemptEntries = null;
            int attempt = 0;
            while (!batch.isEmpty()) {
                attempt++;
                if (attempt > policy.maxAttempts()) {
                    headKnown = false;
                    listener.exhausted(chain, batch.size());
                    LedgerException.Unavailable e = new LedgerException.Unavailable("conflict_retry_exhausted",
                            "The ledger could not append to chain \"" + chain.chainId() + "\" after "
                                    + policy.maxAttempts() + " attempts; retry later", 1);
                    for (Pending p : batch) p.future.completeExceptionally(e);
                    return;
                }
                try {
                    ChainHead base;
                    if (maybeApplied) {
                        ChainHead fresh = store.readPosition(chain).orElse(null);
                        rememberHead(fresh);
                        if (landed(fresh, attemptEntries)) {
                            succeed(batch, attemptEntries, attempt);
                            return;
                        }
                        base = fresh;
                    } else {
                        base = currentHead();
                    }
                    List<Entry> entries = link(batch, base);
                    attemptEntries = entries;
                    List<AppendRequest> requests = new ArrayList<>(batch.size());
                    for (Pending p : batch) requests.add(p.request);
                    store.append(chain, base, entries, requests, counterDeltas(requests, entries));
                    Entry last = entries.get(entries.size() - 1);
                    // only sequence and hash of the cached head are used; counters are read from the store
                    rememberHead(new ChainHead(chain.chainId(), last.sequence(), last.chainHash(), null, null,
                            last.recordedAt()));
                    succeed(batch, entries, attempt);
                    return;
                } catch (StoreException.HeadMoved e) {
                    listener.headMoved(chain);
                    // Definitely not applied. Only an earlier attempt with an unknown outcome needs settling.
                    if (!maybeApplied && e.current().isPresent()) rememberHead(e.current().get());
                    else headKnown = false;
                    backoff(attempt);
                } catch (StoreException.Unavailable e) {
                    listener.storeUnavailable(chain, e);
                    headKnown = false;
                    maybeApplied = maybeApplied || attemptEntries != null;
                    backoff(attempt);
                } catch (StoreException.WriteRejected e) {
                    if (maybeApplied) {
                        // An earlier attempt of this very batch might be what the condition tripped on: settle that
                        // first. If it did not land, the head has not moved or moved past it, so it never will.
                        try {
                            ChainHead fresh = store.readPosition(chain).orElse(null);
                            rememberHead(fresh);
                            if (landed(fresh, attemptEntries)) {
                                succeed(batch, attemptEntries, attempt);
                                return;
                            }
                        } catch (StoreException.Unavailable u) {
                            listener.storeUnavailable(chain, u);
                            headKnown = false;
                            backoff(attempt);
                            continue;
                        }
                        maybeApplied = false;
                    }
                    Pending rejected = batch.remove(e.index());
                    rejected.future.complete(new Result.Rejected(e.reason()));
                    attemptEntries = null;
                    attempt--; // a definite answer about one request is not a failed attempt of the rest
                } catch (RuntimeException e) {
                    // Not one of the port's outcomes (a bug, or a request the store refuses outright): it belongs to
                    // this batch's callers. Thrown on, it would reach whichever caller leads (perhaps one whose own
                    // entry is committed) and leave this batch's callers waiting forever. Not acknowledged, so
                    // "stored at most once" still holds if it did land; forget the head in case it did.
                    headKnown = false;
                    for (Pending p : batch) p.future.completeExceptionally(e);
                    return;
                }
            }
        }

        private boolean landed(ChainHead fresh, List<Entry> entries) {
            if (fresh == null || entries == null) return false;
            Entry first = entries.get(0);
            Entry last = entries.get(entries.size() - 1);
            if (fresh.sequence() < last.sequence()) return false;
            if (fresh.sequence() == last.sequence()) return fresh.headHash().equals(last.chainHash());
            Optional<Entry> stored = store.readEntry(chain, first.sequence());
            return stored.isPresent() && stored.get().id().equals(first.id())
                    && stored.get().chainHash().equals(first.chainHash());
        }

        private ChainHead currentHead() {
            if (!headKnown) rememberHead(store.readPosition(chain).orElse(null));
            return head;
        }

        private void rememberHead(ChainHead h) {
            head = h;
            headKnown = true;
        }

        private List<Entry> link(List<Pending> batch, ChainHead base) {
            long seq = base == null ? 0 : base.sequence();
            String prev = base == null ? EntryHasher.GENESIS : base.headHash();
            List<Entry> entries = new ArrayList<>(batch.size());
            for (Pending p : batch) {
                AppendRequest r = p.request;
                Entry e = Entry.link(chain.chainId(), ++seq, r.type(), r.id(), r.decisionId(), p.recordedAt,
                        r.content(), r.contentHash(), prev, r.contentKey());
                entries.add(e);
                prev = e.chainHash();
            }
            return entries;
        }

        private void succeed(List<Pending> batch, List<Entry> entries, int attempts) {
            listener.committed(chain, entries.size(), attempts);
            listener.appended(chain, entries);
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).future.complete(new Result.Committed(entries.get(i)));
            }
        }

        private void backoff(int attempt) {
            long cap = Math.min(policy.maxBackoffMs(), policy.baseBackoffMs() << Math.min(attempt - 1, 20));
            long sleep = ThreadLocalRandom.current().nextLong(cap + 1);
            if (sleep == 0) return;
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

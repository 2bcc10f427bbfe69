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
     * @param maxBatchEntries most entries per transaction; the store's {@link ChainStore#fitsOneWrite} may cut a batch
     *                        shorter (DynamoDB: 100 items, and an entry brings its projection, idempotency claim,
     *                        staged item and counter items)
     * @param maxBatchBytes   approximate bytes per transaction (DynamoDB allows 4 MB)
     * @param staged          stage requests the store can stage and let whoever wins the head append them in batches
     *                        (for many independent writers: one process per request, as on AWS Lambda)
     * @param stagedTimeoutMs how long a staged request's writer waits for it to be appended before giving up (503)
     * @param directWhenAlone in staged mode, append directly while this process has not seen others writing the chain
     *                        lately (a lone writer's request then costs one transaction, no staging and no lease)
     */
    public record Policy(int maxAttempts, long baseBackoffMs, long maxBackoffMs, int maxBatchEntries,
                         int maxBatchBytes, boolean staged, long stagedTimeoutMs, boolean directWhenAlone) {
        public Policy(int maxAttempts, long baseBackoffMs, long maxBackoffMs, int maxBatchEntries, int maxBatchBytes) {
            this(maxAttempts, baseBackoffMs, maxBackoffMs, maxBatchEntries, maxBatchBytes, false, 10_000);
        }

        /** Without the lone writer's direct path: every request the store can stage is staged. */
        public Policy(int maxAttempts, long baseBackoffMs, long maxBackoffMs, int maxBatchEntries, int maxBatchBytes,
                      boolean staged, long stagedTimeoutMs) {
            this(maxAttempts, baseBackoffMs, maxBackoffMs, maxBatchEntries, maxBatchBytes, staged, stagedTimeoutMs, false);
        }

        /** Direct appends with group commit: one process serving many requests (the local stack). */
        public static Policy defaults() {
            return new Policy(8, 5, 200, 32, 3_000_000);
        }

        /** {@link #defaults()} with staging: many processes each serving one request at a time (AWS Lambda). */
        public static Policy stagedDefaults() {
            // 8 s to be appended, then the withdrawal: inside the appending functions' 15 s (FunctionSizing)
            return new Policy(8, 10, 100, 32, 3_000_000, true, 8_000, true);
        }

        /** {@link #stagedDefaults()} that stages every request, however alone its writer is (to measure against). */
        public static Policy stagedAlways() {
            return new Policy(8, 10, 100, 32, 3_000_000, true, 8_000, false);
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
    /** The same store when it can stage requests (staged mode needs it), else null: every append is then direct. */
    private final StagingStore staging;
    private final Clock clock;
    private final Policy policy;
    private final Listener listener;
    private final ConcurrentHashMap<ChainKey, Writer> writers = new ConcurrentHashMap<>();

    public Ledger(ChainStore store, Clock clock, Policy policy, Listener listener) {
        this.store = store;
        this.staging = store instanceof StagingStore st ? st : null;
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
        if (policy.staged() && staging != null && staging.canStage(request)) {
            Result r = appendAlone(chain, List.of(request)).get(0);
            if (r instanceof Result.Failed f) throw f.error();
            return r;
        }
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
        if (policy.staged() && staging != null && !requests.isEmpty() && requests.stream().allMatch(staging::canStage)) {
            return appendAlone(chain, requests);
        }
        return appendDirect(chain, requests, false);
    }

    /**
     * Direct appends through this process's writer of {@code chain} (group commit), one result per request. With
     * {@code yieldToOthers}, a request whose batch was not appended in {@value #ALONE_ATTEMPTS} attempts, and is known
     * not to have been (no unknown outcome pending), is answered {@link #YIELDED} instead of being tried again.
     */
    private List<Result> appendDirect(ChainKey chain, List<AppendRequest> requests, boolean yieldToOthers) {
        Writer w = writers.computeIfAbsent(chain, Writer::new);
        List<Pending> pending = new ArrayList<>(requests.size());
        java.util.concurrent.atomic.AtomicBoolean callYielded = yieldToOthers ? new java.util.concurrent.atomic.AtomicBoolean() : null;
        for (AppendRequest r : requests) {
            Pending p = new Pending(r);
            p.callYielded = callYielded;
            pending.add(p);
        }
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

    /**
     * The largest {@code k} in 1..{@code n} for which {@code fits(k)} holds, where {@code fits} holds for a prefix
     * whenever it holds for a longer one (a write that carries k requests carries fewer), and a single request always
     * goes (k = 1 is not asked). 0 when {@code n} is 0. Asks {@code fits} at most ⌈log2 n⌉ + 1 times.
     */
    static int fittingPrefix(int n, java.util.function.IntPredicate fits) {
        if (n <= 1 || fits.test(n)) return n;
        int lo = 1; // fits (a single request)
        int hi = n; // does not fit
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (fits.test(mid)) lo = mid;
            else hi = mid;
        }
        return lo;
    }

    /**
     * The requests, in order, that go into one write after {@code base}: from {@code items}, skipping any that touches
     * a projection or idempotency key already taken, at most {@code max} and within {@link Policy#maxBatchBytes()},
     * then as many as the store says one write carries ({@link ChainStore#fitsOneWrite}, asked a logarithmic number of
     * times). {@code staged}: every one of them was taken from staging.
     */
    private <T> List<T> oneWrite(Iterable<T> items, java.util.function.Function<T, AppendRequest> request, int max,
                                 ChainHead base, boolean staged) {
        List<T> candidates = new ArrayList<>();
        Set<String> touched = new HashSet<>();
        int bytes = 0;
        for (Iterator<T> it = items.iterator(); it.hasNext() && candidates.size() < max; ) {
            T item = it.next();
            AppendRequest r = request.apply(item);
            int size = r.approximateSize();
            if (!candidates.isEmpty() && bytes + size > policy.maxBatchBytes()) break;
            String projKey = r.projection() == null ? null : "P" + r.projection().projectionKey();
            String idemKey = r.idempotency() == null ? null : "I" + r.idempotency().key();
            if ((projKey != null && touched.contains(projKey)) || (idemKey != null && touched.contains(idemKey))) {
                continue;
            }
            if (projKey != null) touched.add(projKey);
            if (idemKey != null) touched.add(idemKey);
            candidates.add(item);
            bytes += size;
        }
        int n = fittingPrefix(candidates.size(), k -> {
            List<AppendRequest> with = new ArrayList<>(k);
            for (int i = 0; i < k; i++) with.add(request.apply(candidates.get(i)));
            return store.fitsOneWrite(base, with, staged ? k : 0);
        });
        return new ArrayList<>(candidates.subList(0, n));
    }

    // ---- staged mode ---------------------------------------------------------------------------------------

    /** Direct attempts a writer that believes itself alone on a chain makes before it stages instead. */
    static final int ALONE_ATTEMPTS = 2;

    /** The answer to a request that yielded to other writers: nothing written; it is staged next. */
    private static final Result.Failed YIELDED = new Result.Failed(new LedgerException.Unavailable("yielded",
            "others are appending to this chain: staged instead", 1));

    /**
     * When a writer of this process last found others writing a chain: a held lease, a head just moved under it, a
     * yield, or others' staged requests it appended.
     */
    private final ConcurrentHashMap<ChainKey, Long> lastContended = new ConcurrentHashMap<>();

    /**
     * How long a process that met other writers on a chain keeps staging there before it tries a direct append again:
     * a Lambda instance that serves several chains comes back to each only every few requests.
     */
    static final long CONTENDED_MS = 60_000;

    /** Whether {@code at} (a {@link System#nanoTime()}, which may be negative; null: never) is within {@code ms} of {@code now}. */
    private static boolean lately(Long at, long now, long ms) {
        return at != null && now - at <= ms * 1_000_000L;
    }

    /**
     * Staged mode with a fast path for the common case, a chain with one writer at a time: a writer that has not seen
     * others on the chain within {@value #CONTENDED_MS} ms appends directly (one transaction, no staged item, no lease),
     * on condition that nobody holds the chain's lease ({@link StagingStore#appendUnlessLeased}: it never races the
     * holder's appends of staged requests; a held lease sends it to staging at once),
     * with a second attempt on the head the first one found; should that fail too, and neither attempt can still land
     * (an unknown outcome is settled by reading the head first), it stages as in {@link #appendStaged}. Once a direct
     * attempt finds the head moved by an append of the last second (another writer at work, not merely a cached head
     * gone stale), or the writer yields, meets a held lease or appends others' staged requests, the process's writers
     * stage on that chain for the next {@value #CONTENDED_MS} ms. Both paths append with the same head
     * condition, so they never fork the chain.
     */
    private List<Result> appendAlone(ChainKey chain, List<AppendRequest> requests) {
        if (!policy.directWhenAlone()) return appendStaged(chain, requests);
        long now = System.nanoTime();
        if (lately(lastContended.get(chain), now, CONTENDED_MS) || lately(lastLeaseSeen.get(chain), now, CONTENDED_MS)) {
            return appendStaged(chain, requests);
        }
        List<Result> out = new ArrayList<>(appendDirect(chain, requests, true));
        List<AppendRequest> yielded = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) if (out.get(i) == YIELDED) yielded.add(requests.get(i));
        if (yielded.isEmpty()) return out;
        lastContended.put(chain, System.nanoTime());
        Iterator<Result> staged = appendStaged(chain, yielded).iterator();
        for (int i = 0; i < out.size(); i++) if (out.get(i) == YIELDED) out.set(i, staged.next());
        return out;
    }

    /**
     * Staged mode, for many independent writers on one chain (one process per request): each request is first staged
     * (a write without contention). One writer at a time holds the chain's lease ({@link StagingStore#lease}) and
     * appends the oldest staged requests, everyone's, in one transaction per batch; the others poll until theirs are
     * appended, one read per poll, instead of colliding on the head. A writer tries for the lease right after staging
     * unless this process saw it held within the last {@value #FOLLOW_MS} ms, and whenever a poll finds nobody
     * holding it. When it appended others' requests too (a lone writer answers at once), the holder keeps appending
     * after its own are in while it finds more, up to {@link #STINT} times {@link Policy#maxBackoffMs()}, and steps down
     * after {@link #IDLE_READS} reads that found none, then releases the lease; a holder that dies leaves one
     * that expires. Followers pace their polls by the waits their process saw lately, from {@link Policy#baseBackoffMs()}
     * up. A writer that cannot see its requests appended within {@link Policy#stagedTimeoutMs()} withdraws them: a
     * request answered as failed is never appended later.
     */
    private List<Result> appendStaged(ChainKey chain, List<AppendRequest> requests) {
        Result[] out = new Result[requests.size()];
        Map<String, Integer> pending = new java.util.LinkedHashMap<>(); // stage id → index, in request order
        List<StagedRequest> mine = new ArrayList<>(requests.size());
        String prefix = staging.newStagePrefix(chain, clock.millis());
        for (int i = 0; i < requests.size(); i++) {
            // one prefix and a counter: the caller's requests keep their order in staging and so in the chain
            StagedRequest s = new StagedRequest(prefix + String.format("#%04d", i), requests.get(i));
            mine.add(s);
            pending.put(s.stageId(), i);
        }
        if (mine.size() == 1) {
            stage(chain, mine.get(0));
        } else {
            try {
                staging.stageAll(chain, mine);
            } catch (StoreException.Unavailable e) {
                listener.storeUnavailable(chain, e); // unknown outcome: stagedState tells later (Absent → staged again)
            }
        }
        String me = prefix; // unique to this call
        long started = System.nanoTime();
        long deadline = started + policy.stagedTimeoutMs() * 1_000_000L;
        long patience = policy.maxBackoffMs() * 1_000_000L;
        boolean tryLead = !lately(lastLeaseSeen.get(chain), started, FOLLOW_MS);
        boolean lead = false;
        long leasedAt = 0;
        ChainHead known = null; // the head this writer last wrote, while it leads
        int polls = 0;
        long doneAt = 0;
        int moved = 0;
        int idle = 0; // the holder's reads in a row that found nothing to append
        boolean othersAppended = false; // this holder appended other writers' requests: more may come, wait for them
        try {
            while (true) {
                long now = System.nanoTime();
                if (pending.isEmpty()) {
                    // drained long enough (or nobody else's to drain): answer
                    if (!lead || doneAt == 0 || !othersAppended || now - doneAt > patience * STINT
                            || idle >= IDLE_READS) break;
                } else if (now - deadline > 0) {
                    withdraw(chain, mine, pending, out);
                    break;
                }
                if (!lead && tryLead) {
                    tryLead = false;
                    lead = lease(chain, me);
                    leasedAt = System.nanoTime();
                    if (!lead) lastLeaseSeen.put(chain, leasedAt);
                }
                if (lead && System.nanoTime() - leasedAt > LEASE_MS * 500_000L) { // half the lease is gone: renew
                    lead = lease(chain, me);
                    leasedAt = System.nanoTime();
                    known = null;
                }
                if (lead) {
                    Integration done = integrate(chain, known);
                    idle = done.appended() == null && !done.rejected() ? idle + 1 : 0;
                    if (done.appended() != null) {
                        known = done.head();
                        moved = 0;
                        for (Map.Entry<String, Entry> e : done.appended().entrySet()) {
                            Integer i = pending.remove(e.getKey());
                            if (i != null) out[i] = new Result.Committed(e.getValue());
                            else othersAppended = true;
                        }
                        if (pending.isEmpty() && doneAt == 0) doneAt = System.nanoTime();
                        continue;
                    }
                    if (done.rejected()) continue; // a definite answer about one request: go on at once
                    if (pending.isEmpty() && !done.moved() && othersAppended) {
                        // staging is empty: wait a little for more before stepping down (a new holder costs a write)
                        sleep(policy.baseBackoffMs());
                        continue;
                    }
                    known = null;
                    if (pending.isEmpty()) break; // the head moved: someone else appends
                    if (done.moved() && ++moved < 3) continue; // a direct append came between: read the head again
                    // nothing staged that could go (ours appended meanwhile, or not visible), or the store failed
                    settle(chain, mine, pending, out, false);
                    if (!pending.isEmpty()) sleep(policy.baseBackoffMs());
                    continue;
                }
                boolean readLease = polls % LEASE_READ_EVERY == 1;
                sleep(pollMillis(polls++));
                Boolean leased = settle(chain, mine, pending, out, readLease);
                if (Boolean.TRUE.equals(leased)) lastLeaseSeen.put(chain, System.nanoTime());
                // nobody holds the lease (the holder stepped down, or died and it expired): take over
                else if (Boolean.FALSE.equals(leased)) tryLead = true;
            }
        } finally {
            if (lead) {
                try {
                    staging.release(chain, me);
                } catch (StoreException.Unavailable e) {
                    listener.storeUnavailable(chain, e); // it expires
                }
            }
        }
        if (othersAppended) lastContended.put(chain, System.nanoTime());
        if (!lead && doneAt == 0) sawWait(System.nanoTime() - started); // a follower's wait, to pace its next polls
        return java.util.Arrays.asList(out);
    }

    /**
     * A holder whose own requests are in keeps appending others' for up to this many times {@link Policy#maxBackoffMs()}
     * while it finds some, and steps down after {@link #IDLE_READS} reads in a row that found none: a busy chain changes
     * hands less often (each change stood its head still ≈ 50 ms longer than a batch, 2.9 times a second on one chain in
     * {@code bench lambda --instances 64}), a quiet one no later than before.
     */
    public static final int STINT = 3;

    /** See {@link #STINT}. */
    public static final int IDLE_READS = 4;

    /**
     * How long a follower sleeps before its {@code n}-th poll (from 0): the first poll comes after three quarters of the
     * wait this process saw lately (at most 20 poll intervals), later ones every third of it (at most 10), never more
     * often than one interval. Polls cost reads that the leader's writes then queue behind: in the Lambda model
     * ({@code bench lambda --instances 64}) half the wait and then every quarter cost 4.5–4.9 requests per append, this
     * 3.1–3.8, at the same or better latency.
     */
    private long pollMillis(int n) {
        long base = Math.max(1, policy.baseBackoffMs());
        long seen = stagedWaitMillis.get();
        long interval = n == 0 ? Math.max(base, Math.min(seen * 3 / 4, base * 20)) : Math.max(base, Math.min(seen / 3, base * 10));
        return interval;
    }

    /** A moving average of how long this process's staged requests waited to be appended (ms). */
    private final java.util.concurrent.atomic.AtomicLong stagedWaitMillis = new java.util.concurrent.atomic.AtomicLong();

    private void sawWait(long nanos) {
        long ms = nanos / 1_000_000L;
        stagedWaitMillis.getAndUpdate(old -> old == 0 ? ms : (old * 7 + ms) / 8);
    }

    /**
     * A writer of a process that saw a chain's lease held within this long starts as a follower there (no write to
     * claim the lease; its first poll tells whether anyone holds it).
     */
    static final long FOLLOW_MS = 10_000;

    /**
     * A follower reads the chain's lease on its second poll and on every this many after (its other polls read only its
     * own staged items and projections): a dead or departed holder is still noticed within a few polls, while a request
     * appended by its first poll, the common case under load, reads the lease not at all, so the one lease item of a
     * busy chain is not read by every poll.
     */
    static final int LEASE_READ_EVERY = 4;

    /** How long a chain's lease on integrating staged requests lasts unless renewed or released. */
    static final long LEASE_MS = 2_000;

    /** When a writer of this process last found a chain's lease held by another (staged mode). */
    private final ConcurrentHashMap<ChainKey, Long> lastLeaseSeen = new ConcurrentHashMap<>();

    private boolean lease(ChainKey chain, String me) {
        try {
            return staging.lease(chain, me, clock.millis() + LEASE_MS);
        } catch (StoreException.Unavailable e) {
            listener.storeUnavailable(chain, e);
            return false;
        }
    }

    /** Sleeps about {@code ms} (±50 %, so followers do not poll in step). */
    private static void sleep(long ms) {
        if (ms <= 0) return;
        long nanos = ms * 500_000L + ThreadLocalRandom.current().nextLong(ms * 1_000_000L + 1);
        try {
            Thread.sleep(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void stage(ChainKey chain, StagedRequest s) {
        try {
            staging.stage(chain, s);
        } catch (StoreException.Unavailable e) {
            listener.storeUnavailable(chain, e); // unknown outcome: stagedState tells later (Absent → staged again)
        }
    }

    /**
     * Asks the store where this caller's pending requests stand, and answers those that are settled.
     *
     * @return whether another writer holds the chain's lease, as the last pending request's state said (null: none
     *         was seen pending)
     */
    private Boolean settle(ChainKey chain, List<StagedRequest> mine, Map<String, Integer> pending, Result[] out,
                           boolean readLease) {
        Boolean leased = null;
        List<StagedRequest> open = new ArrayList<>(pending.size());
        for (StagedRequest s : mine) if (pending.containsKey(s.stageId())) open.add(s);
        List<StagedState> states;
        try {
            states = staging.stagedStates(chain, open, readLease);
        } catch (StoreException.Unavailable e) {
            listener.storeUnavailable(chain, e);
            return null;
        }
        for (int k = 0; k < open.size(); k++) {
            StagedRequest s = open.get(k);
            Integer i = pending.get(s.stageId());
            StagedState st = states.get(k);
            if (st instanceof StagedState.Pending p) leased = leased == null ? p.leased() : leased || p.leased();
            if (st instanceof StagedState.Integrated in) {
                pending.remove(s.stageId());
                out[i] = new Result.Committed(in.entry());
            } else if (st instanceof StagedState.Rejected r) {
                pending.remove(s.stageId());
                out[i] = new Result.Rejected(r.reason());
                try {
                    staging.withdrawStaged(chain, s);
                } catch (StoreException.Unavailable e) {
                    listener.storeUnavailable(chain, e); // it stays rejected; staging expires it
                }
            } else if (st instanceof StagedState.Absent) {
                stage(chain, s); // the staging write never landed
            }
        }
        return readLease ? leased : null;
    }

    /** Out of time: withdraws what is still pending, so what is answered as failed is never appended later. */
    private void withdraw(ChainKey chain, List<StagedRequest> mine, Map<String, Integer> pending, Result[] out) {
        listener.exhausted(chain, pending.size());
        LedgerException.Unavailable timeout = new LedgerException.Unavailable("conflict_retry_exhausted",
                "The ledger could not append to chain \"" + chain.chainId() + "\" within "
                        + policy.stagedTimeoutMs() + " ms; retry later", 1);
        for (StagedRequest s : mine) {
            Integer i = pending.remove(s.stageId());
            if (i == null) continue;
            StagedState st;
            try {
                st = staging.withdrawStaged(chain, s);
            } catch (StoreException.Unavailable e) {
                listener.storeUnavailable(chain, e);
                out[i] = new Result.Failed(new LedgerException.Unavailable("append_outcome_unknown", "The ledger could"
                        + " not tell whether this entry was appended; retry with the same Idempotency-Key", 1));
                continue;
            }
            if (st instanceof StagedState.Integrated in) out[i] = new Result.Committed(in.entry());
            else if (st instanceof StagedState.Rejected r) out[i] = new Result.Rejected(r.reason());
            else out[i] = new Result.Failed(timeout); // withdrawn, or never staged: it will never be appended
        }
    }

    /** What one integration attempt did: appended these staged requests (stage id → entry), or why not. */
    private record Integration(Map<String, Entry> appended, ChainHead head, boolean rejected, boolean moved) {
        static final Integration NOTHING = new Integration(null, null, false, false);
        static final Integration REJECTED = new Integration(null, null, true, false);
        static final Integration MOVED = new Integration(null, null, false, true);
    }

    /**
     * Appends the oldest staged requests of {@code chain} that fit one write, after the head as read now.
     */
    private Integration integrate(ChainKey chain, ChainHead known) {
        return integrate(chain, known, policy.maxBatchEntries());
    }

    /** As {@link #integrate(ChainKey, ChainHead)}, at most {@code max} staged requests in the write. */
    private Integration integrate(ChainKey chain, ChainHead known, int max) {
        ChainHead head;
        List<StagedRequest> staged;
        try {
            head = known != null ? known : store.readPosition(chain).orElse(null);
            staged = staging.readStaged(chain, max);
        } catch (StoreException.Unavailable e) {
            listener.storeUnavailable(chain, e);
            return Integration.NOTHING;
        }
        if (staged.isEmpty()) return Integration.NOTHING;
        // the others stay staged for a later write
        List<StagedRequest> batch = oneWrite(staged, StagedRequest::request, Integer.MAX_VALUE, head, true);
        List<AppendRequest> requests = new ArrayList<>(batch.size());
        for (StagedRequest s : batch) requests.add(s.request());
        long seq = head == null ? 0 : head.sequence();
        String prev = head == null ? EntryHasher.GENESIS : head.headHash();
        long now = clock.millis();
        if (head != null && head.lastRecordedAt() != null) {
            now = Math.max(now, java.time.Instant.parse(head.lastRecordedAt()).toEpochMilli()); // never before the head
        }
        String at = Times.format(now);
        List<Entry> entries = new ArrayList<>(batch.size());
        for (AppendRequest r : requests) {
            Entry e = Entry.link(chain.chainId(), ++seq, r.type(), r.id(), r.decisionId(), at, r.content(),
                    r.contentHash(), prev, r.contentKey());
            entries.add(e);
            prev = e.chainHash();
        }
        try {
            staging.append(chain, head, entries, requests, counterDeltas(requests, entries), batch);
        } catch (StoreException.HeadMoved e) {
            listener.headMoved(chain);
            return Integration.MOVED;
        } catch (StoreException.Unavailable e) {
            listener.storeUnavailable(chain, e); // whether it landed shows in staging: appended requests are gone
            return Integration.NOTHING;
        } catch (StoreException.WriteRejected e) {
            Integration out = Integration.REJECTED;
            for (var r : e.all().entrySet()) {
                out = reject(chain, batch.get(r.getKey()), r.getValue());
                if (!out.rejected()) break; // the store is unavailable: the rest stay staged, settled next round
            }
            return out;
        } catch (RuntimeException e) {
            // refused outright (a bug, or a request the store cannot write): alone, it is the culprit; in a batch,
            // the oldest goes alone next (and is rejected if refused again) so that one bad request cannot stop the chain
            if (batch.size() == 1) return reject(chain, batch.get(0), StoreException.WriteRejected.Reason.PROJECTION_MOVED);
            return integrate(chain, null, 1);
        }
        listener.committed(chain, entries.size(), 1);
        listener.appended(chain, entries);
        Map<String, Entry> appended = new java.util.HashMap<>();
        for (int i = 0; i < batch.size(); i++) appended.put(batch.get(i).stageId(), entries.get(i));
        Entry last = entries.get(entries.size() - 1);
        // only sequence, hash and time of a known head are used
        return new Integration(appended, new ChainHead(chain.chainId(), last.sequence(), last.chainHash(), null, null,
                last.recordedAt()), false, false);
    }

    private Integration reject(ChainKey chain, StagedRequest s, StoreException.WriteRejected.Reason reason) {
        try {
            staging.rejectStaged(chain, s, reason);
        } catch (StoreException.Unavailable u) {
            listener.storeUnavailable(chain, u);
            return Integration.NOTHING;
        }
        return Integration.REJECTED;
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

    private static final class Pending {
        final AppendRequest request;
        final Thread caller = Thread.currentThread();
        final CompletableFuture<Result> future = new CompletableFuture<>();
        String recordedAt;
        /**
         * Set (shared by the requests of one call) when they may yield: answer {@link #YIELDED} after
         * {@value #ALONE_ATTEMPTS} attempts of the batch, when none of them can land; once one of the call's requests
         * yielded, the rest of the call yields too, so the caller's order is kept (the yielded are staged after).
         */
        java.util.concurrent.atomic.AtomicBoolean callYielded;

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

        /** Takes requests from the backlog in order, as many as one write carries ({@link Ledger#oneWrite}). */
        List<Pending> formBatch() {
            // the others stay in the backlog for the next batch
            List<Pending> batch = oneWrite(backlog, p -> p.request, policy.maxBatchEntries(), headKnown ? head : null,
                    false);
            Set<Pending> taken = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            taken.addAll(batch);
            for (Iterator<Pending> it = backlog.iterator(); it.hasNext() && !taken.isEmpty(); ) {
                if (taken.remove(it.next())) it.remove();
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
                // others write this chain: requests that may go another way (staged) leave the batch
                if ((attempt > ALONE_ATTEMPTS || callYielded(batch)) && !maybeApplied && yieldOthers(batch)) return;
                try {
                    ChainHead base;
                    if (maybeApplied) {
                        ChainHead fresh = store.readPosition(chain).orElse(null);
                        rememberHead(fresh);
                        if (landed(fresh, attemptEntries)) {
                            succeed(batch, attemptEntries, attempt);
                            return;
                        }
                        // the head passed the sequence that attempt expected to follow: its condition can never hold
                        if (fresh != null && fresh.sequence() >= attemptEntries.get(0).sequence()) maybeApplied = false;
                        base = fresh;
                    } else {
                        base = currentHead();
                    }
                    List<Entry> entries = link(batch, base);
                    attemptEntries = entries;
                    List<AppendRequest> requests = new ArrayList<>(batch.size());
                    for (Pending p : batch) requests.add(p.request);
                    boolean alone = false;
                    for (Pending p : batch) alone |= p.callYielded != null;
                    if (alone && staging != null) staging.appendUnlessLeased(chain, base, entries, requests, counterDeltas(requests, entries));
                    else store.append(chain, base, entries, requests, counterDeltas(requests, entries));
                    Entry last = entries.get(entries.size() - 1);
                    // only sequence and hash of the cached head are used; counters are read from the store
                    rememberHead(new ChainHead(chain.chainId(), last.sequence(), last.chainHash(), null, null,
                            last.recordedAt()));
                    succeed(batch, entries, attempt);
                    return;
                } catch (StoreException.Leased e) {
                    // a lease holder appends staged requests: this process's writers stage on this chain for a while
                    lastContended.put(chain, System.nanoTime());
                    if (!maybeApplied) {
                        if (yieldOthers(batch)) return;
                        attempt--; // nothing written, and the rest goes on without the lease's condition
                    }
                } catch (StoreException.HeadMoved e) {
                    listener.headMoved(chain);
                    // Definitely not applied. Only an earlier attempt with an unknown outcome needs settling.
                    if (!maybeApplied && e.current().isPresent()) rememberHead(e.current().get());
                    else headKnown = false;
                    if (e.current().isEmpty() || appendedLately(e.current().get())) {
                        for (Pending p : batch) {
                            if (p.callYielded != null) {
                                // another writer is at work here: this process's next requests stage
                                lastContended.put(chain, System.nanoTime());
                                break;
                            }
                        }
                    }
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
                    // every request named is definitely refused; from the last, so the earlier indexes stay put
                    List<Integer> indexes = new ArrayList<>(e.all().keySet());
                    for (int k = indexes.size() - 1; k >= 0; k--) {
                        Pending rejected = batch.remove((int) indexes.get(k));
                        rejected.future.complete(new Result.Rejected(e.all().get(indexes.get(k))));
                    }
                    attemptEntries = null;
                    attempt--; // a definite answer about some requests is not a failed attempt of the rest
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

        /** Answers the batch's requests that may be staged instead {@link #YIELDED}; true when none is left. */
        private boolean yieldOthers(List<Pending> batch) {
            for (Iterator<Pending> it = batch.iterator(); it.hasNext(); ) {
                Pending p = it.next();
                if (p.callYielded != null) {
                    it.remove();
                    p.callYielded.set(true);
                    p.future.complete(YIELDED);
                }
            }
            return batch.isEmpty();
        }

        /** Whether a request of the batch belongs to a call part of which already yielded. */
        private boolean callYielded(List<Pending> batch) {
            for (Pending p : batch) if (p.callYielded != null && p.callYielded.get()) return true;
            return false;
        }

        /**
         * Whether {@code current} was appended to within the last second: the head moved because another writer is at
         * work now, not because this process's cached head is old news (two writers taking turns, minutes apart).
         */
        private boolean appendedLately(ChainHead current) {
            if (current.lastRecordedAt() == null) return true;
            try {
                return clock.millis() - java.time.Instant.parse(current.lastRecordedAt()).toEpochMilli() < 1_000;
            } catch (java.time.format.DateTimeParseException e) {
                return true;
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
    }
}

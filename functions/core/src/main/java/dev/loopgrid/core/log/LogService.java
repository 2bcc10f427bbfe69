package dev.loopgrid.core.log;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.ChainStore;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.verify.Merkle;
import dev.loopgrid.verify.NoteVerifier;
import dev.loopgrid.verify.Tile;
import dev.loopgrid.verify.TiledHashes;
import dev.loopgrid.verify.TlogProof;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * What the API serves of a tenant's log: receipts (an entry, its inclusion proof and the signed checkpoint it leads
 * to: everything needed to check it offline), the latest checkpoint, consistency proofs, tiles and the verifier key.
 * Proofs are built from tiles and are only as good as the signed checkpoint they are checked against — which is the
 * point: nothing served here needs to be trusted.
 */
public final class LogService {
    /** Longest wait a receipt request may ask for. */
    public static final int MAX_WAIT_SECONDS = 20;

    /** A receipt, or how long until one is likely. */
    public sealed interface ReceiptResult {
        record Ready(ObjectNode receipt) implements ReceiptResult {}

        /** The entry is not yet in a signed checkpoint. */
        record Pending(int retryAfterSeconds) implements ReceiptResult {}
    }

    /** A blocking wait (for the log to move on, or for a short while). */
    @FunctionalInterface
    public interface Idle {
        void run() throws InterruptedException;
    }

    /**
     * How a waiting receipt request runs its waits between looks at the log. The default runs them in place; the
     * local stack's front gives the request's handler slot back while it waits, so requests that only wait do not
     * hold slots others need.
     */
    @FunctionalInterface
    public interface Pause {
        Pause IN_PLACE = Idle::run;

        void idle(Idle wait) throws InterruptedException;
    }

    /** Node hashes of one tree size kept at most (~100 bytes each: ≤ 7 MB); a receipt's proof needs ~20. */
    static final int CACHED_NODES = 65_536;

    /** Tiles kept in memory at most (each ≤ 8 KB: ≤ 16 MB). A tile's bytes never change once written: see {@link #hashes}. */
    static final int CACHED_TILES = 2048;

    private final ChainStore chains;
    private final LogStore log;
    private final TileStore tiles;
    private final SignedCheckpoints checkpoints;
    private final NoteVerifier key;
    private final LogConfig config;
    private final Clock clock;
    private final Pause pause;
    private final RecentEntries recent;

    public LogService(ChainStore chains, LogStore log, TileStore tiles, SignedCheckpoints checkpoints, NoteVerifier key,
                      LogConfig config, Clock clock) {
        this(chains, log, tiles, checkpoints, key, config, clock, Pause.IN_PLACE, null);
    }

    /**
     * @param pause  how a waiting receipt request runs its waits ({@link Pause#IN_PLACE} on Lambda)
     * @param recent the envelopes this process appended lately (null: none; a receipt then reads its entry)
     */
    public LogService(ChainStore chains, LogStore log, TileStore tiles, SignedCheckpoints checkpoints, NoteVerifier key,
                      LogConfig config, Clock clock, Pause pause, RecentEntries recent) {
        this.pause = pause;
        this.recent = recent;
        this.chains = chains;
        this.log = log;
        this.tiles = tiles;
        this.checkpoints = checkpoints;
        this.key = key;
        this.config = config;
        this.clock = clock;
    }

    /** Where the tenant's decision's own entry is, if this process appended it lately (no read). */
    public Optional<RecentEntries.Position> recentDecision(String tenant, String decisionId) {
        return recent == null ? Optional.empty() : recent.decision(tenant, decisionId);
    }

    /** The verifier key of every tenant's log, in C2SP vkey form. */
    public String verifierKey() {
        return key.vkey();
    }

    public String origin(String tenant) {
        return config.origin(tenant);
    }

    /** The latest signed checkpoint of the tenant's log, or empty before the first. */
    public Optional<byte[]> latestCheckpoint(String tenant) {
        LogState s = log.state(tenant);
        if (s.checkpointSize() == 0) return Optional.empty();
        return checkpoints.get(tenant, s.checkpointSize());
    }

    /**
     * The receipt of the entry at {@code sequence} of {@code chainId}, waiting up to {@code waitSeconds} for it to be
     * in a signed checkpoint.
     *
     * @throws LedgerException.NotFound when there is no such entry
     */
    public ReceiptResult receipt(String tenant, String chainId, long sequence, int waitSeconds) {
        ChainKey chain = new ChainKey(tenant, chainId);
        Optional<Entry> known = recent == null ? Optional.empty() : recent.entry(tenant, chainId, sequence);
        Entry entry = known.or(() -> chains.readEntry(chain, sequence)).orElseThrow(() -> new LedgerException.NotFound(
                "entry_not_found", "Chain \"" + abbreviate(chainId) + "\" has no entry " + sequence));
        long deadline = clock.millis() + Math.min(Math.max(waitSeconds, 0), MAX_WAIT_SECONDS) * 1000L;
        long index = -1;
        long lookedUpAt = -1; // the checkpoint size when the entry's leaf was last looked for
        while (true) {
            if (index < 0) {
                // look the leaf up again only once a new checkpoint is out: a receipt needs one anyway, and many
                // waiting requests would otherwise query the log's runs ten times a second each
                long cp = recentState(tenant).checkpointSize();
                if (cp != lookedUpAt) {
                    lookedUpAt = cp;
                    Optional<Run> run = runOf(tenant, entry.chainId(), entry.sequence());
                    if (run.isPresent()) index = run.get().indexOf(entry.sequence());
                }
            }
            Optional<ObjectNode> r = index < 0 ? Optional.empty() : tryReceipt(tenant, entry, index);
            if (r.isPresent()) return new ReceiptResult.Ready(r.get());
            long left = deadline - clock.millis();
            if (left <= 0) return new ReceiptResult.Pending(1 + (int) Math.min(5, config.checkpointInterval() / 1000));
            // wait, without the request's slot, until there is something to do: a checkpoint that covers the leaf, or
            // (leaf not found yet) any new checkpoint, after which the leaf is looked up again
            long seen = lookedUpAt;
            long leaf = index;
            java.util.function.LongPredicate due = leaf >= 0 ? size -> size > leaf : size -> size != seen;
            try {
                pause.idle(() -> awaitCheckpoint(tenant, due, deadline));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new ReceiptResult.Pending(1);
            }
        }
    }

    /**
     * A tenant's log state as read at most {@link #STATE_TTL_NANOS} ago: waiting receipts share one read. Once the copy
     * is stale, one request reads the state again (outside any lock) while the others go on with the copy they have.
     * Where the integrator runs in this process it hands each new checkpoint over ({@link #published}), which wakes
     * the waiting receipts it concerns at once. No lock is held while the store is read, and a checkpoint wakes only
     * the requests it gives something to do: a herd of waiting requests neither queues behind one read nor wakes at
     * once into competing for the tenant.
     */
    private static final class RecentState {
        final java.util.concurrent.atomic.AtomicReference<Snapshot> snapshot = new java.util.concurrent.atomic.AtomicReference<>();
        final java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean();
        final java.util.Set<Waiter> waiters = java.util.concurrent.ConcurrentHashMap.newKeySet();
        /** Held while the tenant's newest checkpoint note is read (once for all the receipts that need it). */
        final Object noteRead = new Object();

        /** Keeps the copy with the larger checkpoint (a read that raced a hand-over must not undo it). */
        void offer(LogState s, long atNanos) {
            snapshot.accumulateAndGet(new Snapshot(s, atNanos), (had, got) -> had == null
                    || got.state().checkpointSize() > had.state().checkpointSize()
                    || (got.state().checkpointSize() == had.state().checkpointSize() && got.atNanos() > had.atNanos())
                    ? got : had);
        }
    }

    private record Snapshot(LogState state, long atNanos) {}

    /** A waiting receipt: its thread, and the checkpoint sizes that give it something to do. */
    private record Waiter(Thread thread, java.util.function.LongPredicate due) {}

    private static final long STATE_TTL_NANOS = 100_000_000L;
    /** Longest a waiting receipt goes without looking at the log's state. */
    static final long POLL_MILLIS = 100;
    private final java.util.concurrent.ConcurrentHashMap<String, RecentState> states = new java.util.concurrent.ConcurrentHashMap<>();

    private RecentState recent(String tenant) {
        return states.computeIfAbsent(tenant, t -> new RecentState());
    }

    private LogState recentState(String tenant) {
        RecentState c = recent(tenant);
        Snapshot s = c.snapshot.get();
        if (s != null && System.nanoTime() - s.atNanos() < STATE_TTL_NANOS) return s.state();
        if (s == null || c.reading.compareAndSet(false, true)) {
            try {
                c.offer(log.state(tenant), System.nanoTime());
            } finally {
                if (s != null) c.reading.set(false);
            }
            return c.snapshot.get().state();
        }
        return s.state(); // another request is reading it: this copy is at most one read behind
    }

    /**
     * Waits until the tenant's checkpoint size satisfies {@code due}, or the clock reaches {@code deadline}: looking
     * at the state every {@link #POLL_MILLIS} at most once a new checkpoint may be out, and at once when a checkpoint
     * that satisfies {@code due} is handed over ({@link #published}). Until then it does not look: the integrator signs
     * at most one checkpoint per {@link LogConfig#checkpointInterval} after the last one's time, so a waiting receipt
     * on Lambda (no hand-over there) reads the state about once per checkpoint instead of ten times a second.
     */
    private void awaitCheckpoint(String tenant, java.util.function.LongPredicate due, long deadline)
            throws InterruptedException {
        RecentState c = recent(tenant);
        Waiter w = new Waiter(Thread.currentThread(), due);
        c.waiters.add(w);
        try {
            while (true) {
                LogState state = recentState(tenant);
                if (due.test(state.checkpointSize())) return;
                long now = clock.millis();
                long left = deadline - now;
                if (left <= 0) return;
                long untilPossible = state.checkpointAt() + config.checkpointInterval() - now; // ≤ 0: may be out now
                long sleep = Math.min(left, Math.max(POLL_MILLIS, untilPossible));
                java.util.concurrent.locks.LockSupport.parkNanos(this, sleep * 1_000_000L);
                if (Thread.interrupted()) throw new InterruptedException();
            }
        } finally {
            c.waiters.remove(w);
        }
    }

    /**
     * The integrator of this process published a checkpoint of {@code tenant}'s log: the receipts waiting for it look
     * at it now instead of at their next poll.
     */
    public void published(String tenant, LogState state) {
        RecentState c = recent(tenant);
        c.offer(state, System.nanoTime());
        long size = c.snapshot.get().state().checkpointSize();
        for (Waiter w : c.waiters) {
            if (w.due().test(size)) java.util.concurrent.locks.LockSupport.unpark(w.thread());
        }
    }

    /**
     * Runs of a chain read recently, per chain (at most {@link #CACHED_RUN_CHAINS} chains, {@link #CACHED_RUNS} runs
     * each). A run's first sequence and first leaf never change once it is in the log, so a run read once answers
     * every later lookup of a sequence it covers: the waiting receipts of one batch share one Query. While a chain's
     * Query is out, its other lookups wait for that answer (not for a lock) and look again.
     */
    static final int CACHED_RUN_CHAINS = 1024;
    static final int CACHED_RUNS = 16;

    private final java.util.LinkedHashMap<String, java.util.TreeMap<Long, Run>> runs =
            new java.util.LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, java.util.TreeMap<Long, Run>> eldest) {
                    return size() > CACHED_RUN_CHAINS;
                }
            };
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.CompletableFuture<Optional<Run>>>
            runQueries = new java.util.concurrent.ConcurrentHashMap<>();

    private Optional<Run> runOf(String tenant, String chainId, long sequence) {
        String k = tenant + '\n' + chainId;
        for (int attempt = 0; ; attempt++) {
            synchronized (runs) {
                java.util.TreeMap<Long, Run> known = runs.get(k);
                var floor = known == null ? null : known.floorEntry(sequence);
                if (floor != null && floor.getValue().toSequence() >= sequence) return Optional.of(floor.getValue());
            }
            java.util.concurrent.CompletableFuture<Optional<Run>> mine = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<Optional<Run>> out = runQueries.putIfAbsent(k, mine);
            if (out != null && attempt == 0) {
                out.exceptionally(e -> Optional.empty()).join(); // someone else's Query: its run may cover this one
                continue;
            }
            try {
                Optional<Run> r = log.runOf(tenant, chainId, sequence);
                r.ifPresent(run -> {
                    synchronized (runs) {
                        java.util.TreeMap<Long, Run> known = runs.computeIfAbsent(k, x -> new java.util.TreeMap<>());
                        known.merge(run.fromSequence(), run, (a, b) -> a.toSequence() >= b.toSequence() ? a : b);
                        while (known.size() > CACHED_RUNS) known.pollFirstEntry();
                    }
                });
                if (out == null) mine.complete(r);
                return r;
            } catch (RuntimeException e) {
                if (out == null) mine.completeExceptionally(e);
                throw e;
            } finally {
                if (out == null) runQueries.remove(k, mine);
            }
        }
    }

    /** The latest checkpoint note read per tenant: a note at a size never changes, and receipts mostly need the latest. */
    private record Note(long size, byte[] bytes) {}

    private final java.util.concurrent.ConcurrentHashMap<String, Note> notes = new java.util.concurrent.ConcurrentHashMap<>();

    private byte[] checkpointNote(String tenant, long size) {
        Note n = notes.get(tenant);
        if (n != null && n.size() == size) return n.bytes();
        synchronized (recent(tenant).noteRead) { // the receipts that need the new note wait for one read of it
            n = notes.get(tenant);
            if (n != null && n.size() == size) return n.bytes();
            byte[] note = checkpoints.get(tenant, size).orElseThrow(() -> new LedgerException.Unavailable(
                    "checkpoint_unavailable", "The log's checkpoint at size " + size + " cannot be read; retry later", 5));
            notes.merge(tenant, new Note(size, note), (had, read) -> had.size() >= read.size() ? had : read);
            return note;
        }
    }

    private Optional<ObjectNode> tryReceipt(String tenant, Entry entry, long index) {
        LogState s = recentState(tenant);
        if (index >= s.checkpointSize()) return Optional.empty();
        long size = s.checkpointSize();
        byte[] note = checkpointNote(tenant, size);
        List<byte[]> proof = Merkle.inclusionProof(hashes(tenant, size), index, size);
        // no extra line: the leaf is the canonical envelope of the entry fields below, which a verifier rebuilds anyway
        // (about 420 bytes less: a receipt at 10^6 leaves stays under 2 KB)
        TlogProof p = new TlogProof(null, index, proof, new String(note, StandardCharsets.UTF_8));
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("format", "loopgrid-receipt/v1");
        r.put("origin", config.origin(tenant));
        ObjectNode e = r.putObject("entry");
        e.put("v", 1);
        e.put("chain_id", entry.chainId());
        e.put("sequence", entry.sequence());
        e.put("type", entry.type() == null ? null : entry.type().wire());
        e.put("id", entry.id());
        e.put("decision_id", entry.decisionId());
        e.put("recorded_at", entry.recordedAt());
        e.put("content_hash", entry.contentHash());
        e.put("previous_hash", entry.previousHash());
        e.put("chain_hash", entry.chainHash());
        r.put("leaf_index", index);
        r.put("tree_size", size);
        r.put("tlog_proof", p.format());
        return Optional.of(r);
    }

    /**
     * A consistency proof between two sizes of the tenant's log, the larger at most its latest checkpoint.
     *
     * @throws LedgerException.Malformed when the sizes are out of order or beyond the latest checkpoint
     */
    public ObjectNode consistency(String tenant, long from, long to) {
        long latest = log.state(tenant).checkpointSize();
        if (from < 1 || to < from) {
            throw new LedgerException.Malformed("invalid_sizes", "from and to must satisfy 1 <= from <= to (got from="
                    + from + ", to=" + to + ")");
        }
        if (to > latest) {
            throw new LedgerException.Malformed("invalid_sizes", "to=" + to + " is beyond the latest checkpoint (size "
                    + latest + ")");
        }
        List<byte[]> proof = Merkle.consistencyProof(hashes(tenant, to), from, to);
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("origin", config.origin(tenant));
        r.put("from", from);
        r.put("to", to);
        ArrayNode a = r.putArray("proof");
        for (byte[] h : proof) a.add(Base64.getEncoder().encodeToString(h));
        return r;
    }

    /**
     * A tile or entry bundle of the tenant's log, by its C2SP path.
     *
     * @throws LedgerException.Malformed when the path is not a C2SP tile path
     */
    public Optional<byte[]> tile(String tenant, String path) {
        try {
            Tile.parsePath(path);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new LedgerException.Malformed("invalid_tile_path", "not a tile path (tile/<L>/<N>[.p/<W>] or"
                    + " tile/entries/<N>[.p/<W>]): " + e.getMessage());
        }
        return tiles.get(tenant, path);
    }

    /**
     * The tree's hashes at {@code size}, read from its tiles through a bounded cache. Every tile path a tree of a
     * checkpointed size reads holds bytes fixed by leaves already in that checkpoint (a partial tile's path names its
     * width), so a cached tile is never stale; a proof built from a tile someone swapped in the bucket would fail
     * against the signed checkpoint anyway.
     */
    private dev.loopgrid.verify.HashSource hashes(String tenant, long size) {
        Tree t = trees.get(tenant);
        if (t != null && t.size() == size) return t.nodes();
        synchronized (trees) { // building one is cheap (tiles are read on demand); receipts of one size share it
            t = trees.get(tenant);
            if (t != null && t.size() == size) return t.nodes();
            return tree(tenant, size);
        }
    }

    private dev.loopgrid.verify.HashSource tree(String tenant, long size) {
        TiledHashes tiled = new TiledHashes(size, path -> {
            String k = tenant + '\n' + path;
            byte[] b;
            synchronized (tileCache) {
                b = tileCache.get(k);
            }
            if (b != null) return b;
            b = tiles.get(tenant, path)
                    .orElseThrow(() -> new IOException("tile " + path + " of tenant " + tenant + " is missing"));
            synchronized (tileCache) {
                tileCache.put(k, b);
            }
            return b;
        });
        // a subtree's hash in a tree of one size never changes: receipts against the same checkpoint share them (an
        // inclusion proof rebuilds up to ~250 node hashes from its tiles otherwise)
        java.util.concurrent.ConcurrentHashMap<Long, byte[]> memo = new java.util.concurrent.ConcurrentHashMap<>();
        dev.loopgrid.verify.HashSource nodes = (level, index) -> {
            Long k = ((long) level << 56) | index;
            byte[] h = memo.get(k);
            if (h != null) return h;
            synchronized (tiled) { // TiledHashes keeps its tiles in a plain map
                h = tiled.hash(level, index);
            }
            if (memo.size() < CACHED_NODES) memo.put(k, h); // proofs of every leaf of a big idle log: bounded
            return h;
        };
        trees.merge(tenant, new Tree(size, nodes), (had, made) -> had.size() >= made.size() ? had : made);
        return nodes;
    }

    /** The node hashes of a tenant's tree at its latest checkpointed size asked for so far. */
    private record Tree(long size, dev.loopgrid.verify.HashSource nodes) {}

    private final java.util.concurrent.ConcurrentHashMap<String, Tree> trees = new java.util.concurrent.ConcurrentHashMap<>();

    private final java.util.LinkedHashMap<String, byte[]> tileCache = new java.util.LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, byte[]> eldest) {
            return size() > CACHED_TILES;
        }
    };

    private static String abbreviate(String s) {
        return s.length() <= 100 ? s : s.substring(0, 100) + "…";
    }
}

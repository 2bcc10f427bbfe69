package dev.loopgrid.core.log;

import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.ChainStore;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.verify.Checkpoint;
import dev.loopgrid.verify.EntryBundle;
import dev.loopgrid.verify.HashSource;
import dev.loopgrid.verify.Merkle;
import dev.loopgrid.verify.NoteSigner;
import dev.loopgrid.verify.Tile;
import dev.loopgrid.verify.TiledHashes;
import dev.loopgrid.verify.VerificationException;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Moves appended entries into the tenant's log, off the append path, in three idempotent steps that any number of
 * integrators may run at once:
 * <ol>
 *   <li><b>Sequence.</b> New entries (offered by the ledger in process, or by the table's stream on AWS; anything
 *       missing is read from the chain) are checked against the chain — each must link to the last integrated entry
 *       of its chain and hash to its own chain hash — and committed as one {@link LogBatch} with the state moved
 *       after it ({@link LogStore#commit}: conditional, so a concurrent integrator's commit makes this one re-read
 *       and retry). The leaf of an entry is its canonical envelope ({@link LogLeaves}).</li>
 *   <li><b>Tile.</b> The C2SP tiles and entry bundles the new leaves change are written from committed batches only,
 *       so every writer writes the same bytes.</li>
 *   <li><b>Publish.</b> At most once per {@link LogConfig#checkpointInterval} per tenant, the tiled size is
 *       checkpointed (C2SP tlog-checkpoint), signed (C2SP signed-note, Ed25519) and kept in
 *       {@link SignedCheckpoints}.</li>
 * </ol>
 * An entry whose link or hash is wrong is not integrated: the chain stops there and the failure is logged (it is
 * what verification reports as tampering).
 */
public final class Integrator {
    private static final System.Logger LOG = System.getLogger(Integrator.class.getName());
    private static final int MAX_COMMIT_ATTEMPTS = 8;

    /** What one pass did. */
    public record Pass(long integrated, long size, long tiledSize, long checkpointSize, boolean checkpointDue) {}

    private final ChainStore chains;
    private final LogStore log;
    private final TileStore tiles;
    private final SignedCheckpoints checkpoints;
    private final NoteSigner signer;
    private final LogConfig config;
    private final Clock clock;
    /** Entries offered since the last pass, per tenant (the in-process fast path: no table read). */
    private final Map<String, ConcurrentLinkedQueue<Entry>> offered = new ConcurrentHashMap<>();
    /** Per chain (tenant, newline, chain id), its head's sequence at this integrator's previous catch-up. */
    private final Map<String, Long> headsAtCatchUp = new ConcurrentHashMap<>();
    /** Leaf data of recently sequenced leaves, so tiling needs no read back; bounded by what one pass sequences. */
    private final Map<String, Map<Long, byte[]>> leafData = new ConcurrentHashMap<>();

    public Integrator(ChainStore chains, LogStore log, TileStore tiles, SignedCheckpoints checkpoints, NoteSigner signer,
                      LogConfig config, Clock clock) {
        this.chains = chains;
        this.log = log;
        this.tiles = tiles;
        this.checkpoints = checkpoints;
        this.signer = signer;
        this.config = config;
        this.clock = clock;
    }

    public LogConfig config() {
        return config;
    }

    /** Hands over entries just committed to {@code chain}; the next {@link #pass} integrates them. Never blocks. */
    public void offer(ChainKey chain, List<Entry> entries) {
        offered.computeIfAbsent(chain.tenant(), t -> new ConcurrentLinkedQueue<>()).addAll(entries);
    }

    /** Tenants with offered entries waiting. */
    public List<String> tenantsWithOffers() {
        List<String> out = new ArrayList<>();
        offered.forEach((t, q) -> {
            if (!q.isEmpty()) out.add(t);
        });
        return out;
    }

    /**
     * One pass over the tenant's log: sequence what was offered (and, with {@code catchUp}, whatever any chain holds
     * beyond its last run — start-up, or after a crash), write the tiles, publish a checkpoint if one is due.
     */
    public Pass pass(String tenant, boolean catchUp) {
        long integrated = sequence(tenant, catchUp);
        LogState s = log.state(tenant);
        // tiles and the checkpoint go together, at most once per interval: sequencing alone runs on every pass
        boolean intervalOver = clock.millis() - s.checkpointAt() >= config.checkpointInterval();
        if (s.tiledSize() < s.size() && intervalOver) {
            writeTiles(tenant, s);
            s = log.state(tenant);
        }
        boolean due = false;
        if (s.tiledSize() > s.checkpointSize() && intervalOver) {
            publish(tenant, s);
            s = log.state(tenant);
            handOver(tenant, s);
        }
        if (s.size() > s.checkpointSize()) due = true; // more to tile or sign once the interval is over
        return new Pass(integrated, s.size(), s.tiledSize(), s.checkpointSize(), due);
    }

    // ---- sequence ------------------------------------------------------------------------------------------

    private long sequence(String tenant, boolean catchUp) {
        Map<String, TreeMap<Long, Entry>> pending = new LinkedHashMap<>();
        ConcurrentLinkedQueue<Entry> q = offered.get(tenant);
        if (q != null) {
            for (Entry e; (e = q.poll()) != null; ) pending.computeIfAbsent(e.chainId(), c -> new TreeMap<>()).put(e.sequence(), e);
        }
        if (catchUp) {
            // the registry only (no heads, no counters): a chain with nothing past its run yields no run below
            for (String chain : chains.listChainIds(tenant)) pending.computeIfAbsent(chain, c -> new TreeMap<>());
        }
        long total = 0;
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            LogState state = log.state(tenant);
            List<Run> runs = new ArrayList<>();
            List<List<Entry>> runEntries = new ArrayList<>();
            long index = state.size();
            int budget = config.maxBatchLeaves();
            for (Iterator<Map.Entry<String, TreeMap<Long, Entry>>> it = pending.entrySet().iterator();
                 it.hasNext() && budget > 0 && runs.size() < LogConfig.MAX_RUNS_PER_BATCH; ) {
                Map.Entry<String, TreeMap<Long, Entry>> p = it.next();
                List<Entry> next = nextRun(tenant, p.getKey(), p.getValue(), budget, catchUp);
                if (next.isEmpty()) {
                    it.remove();
                    continue;
                }
                Entry first = next.get(0);
                Entry last = next.get(next.size() - 1);
                runs.add(new Run(p.getKey(), first.sequence(), last.sequence(), index, last.chainHash()));
                runEntries.add(next);
                index += next.size();
                budget -= next.size();
            }
            if (runs.isEmpty()) break;
            CompactRange range = state.compactRange();
            byte[] hashes = new byte[(int) (index - state.size()) * Merkle.HASH_SIZE];
            Map<Long, byte[]> data = new HashMap<>();
            int k = 0;
            long leaf = state.size();
            for (List<Entry> es : runEntries) {
                for (Entry e : es) {
                    byte[] d = LogLeaves.leafData(e);
                    byte[] h = Merkle.leafHash(d);
                    range.append(h);
                    System.arraycopy(h, 0, hashes, k++ * Merkle.HASH_SIZE, Merkle.HASH_SIZE);
                    data.put(leaf++, d);
                }
            }
            LogBatch batch = new LogBatch(state.size(), runs, hashes);
            LogState next = new LogState(range.size(), range.encode(), state.tiledSize(), state.checkpointSize(),
                    state.checkpointAt());
            try {
                log.commit(tenant, state, batch, next);
            } catch (StoreException.HeadMoved e) {
                // another integrator moved the log or took these entries: re-read cursors and state, and go again
                if (attempt >= MAX_COMMIT_ATTEMPTS) {
                    LOG.log(System.Logger.Level.WARNING, "log of tenant {0}: gave up after {1} conflicting commits; the next"
                            + " pass resumes", tenant, attempt);
                    requeue(tenant, pending);
                    return total;
                }
                continue;
            }
            leafData.computeIfAbsent(tenant, t -> new ConcurrentHashMap<>()).putAll(data);
            total += batch.size();
            for (int r = 0; r < runs.size(); r++) {
                TreeMap<Long, Entry> m = pending.get(runs.get(r).chainId());
                if (m != null) m.headMap(runs.get(r).toSequence(), true).clear();
            }
            attempt = 0;
        }
        return total;
    }

    /**
     * The entries of one chain that come next in the log: from its last run's end on, consecutive, each linking to
     * the one before and hashing to its own chain hash; what was offered first, then (where there is a gap, or in
     * catch-up) read from the chain. Empty when nothing is to integrate.
     */
    private List<Entry> nextRun(String tenant, String chainId, TreeMap<Long, Entry> offeredEntries, int budget,
                                boolean catchUp) {
        Optional<Run> last = log.lastRun(tenant, chainId);
        long cursor = last.map(Run::toSequence).orElse(0L);
        String prev = last.map(Run::lastHash).orElse(EntryHasher.GENESIS);
        offeredEntries.headMap(cursor, true).clear();
        List<Entry> out = new ArrayList<>();
        long want = cursor + 1;
        long catchUpTo = Long.MAX_VALUE - 1;
        if (catchUp && offeredEntries.isEmpty()) {
            // A chain's head moves in the very transaction that writes its entries, so a head at or before the cursor
            // means nothing to catch up: one small read instead of a Query of each entry partition. And entries
            // appended since this integrator's previous catch-up are normally on their way as offers: catch-up reads
            // only up to the head it saw then (its first catch-up, at start-up, up to the head), so it never races a
            // busy chain's offers by re-reading what they are about to bring.
            Optional<ChainHead> head = chains.readPosition(new ChainKey(tenant, chainId));
            long seen = head.map(ChainHead::sequence).orElse(0L);
            Long before = headsAtCatchUp.put(tenant + '\n' + chainId, seen);
            catchUpTo = before == null ? seen : Math.min(before, seen);
            if (catchUpTo < want) return out;
        }
        boolean needRead = catchUp || (!offeredEntries.isEmpty() && offeredEntries.firstKey() > want);
        Iterator<Entry> read = needRead
                ? chains.readEntries(new ChainKey(tenant, chainId), want, offeredEntries.isEmpty() || catchUp
                        ? catchUpTo : offeredEntries.firstKey() - 1)
                : List.<Entry>of().iterator();
        while (out.size() < budget) {
            Entry e = offeredEntries.get(want);
            if (e == null && read.hasNext()) {
                e = read.next();
                if (e.sequence() != want) e = null; // a hole, or an entry stored out of place: stop here
            }
            if (e == null) break;
            if (!prev.equals(e.previousHash()) || !EntryHasher.chainHash(e).equals(e.chainHash())
                    || !chainId.equals(e.chainId())) {
                LOG.log(System.Logger.Level.ERROR, "log of tenant {0}: entry {1} of chain \"{2}\" does not link to the"
                        + " integrated chain or does not hash to its chain_hash; it is not integrated"
                        + " (GET /v1/integrity/verify names the damage)", tenant, want, chainId);
                break;
            }
            out.add(e);
            prev = e.chainHash();
            want++;
        }
        return out;
    }

    private void requeue(String tenant, Map<String, TreeMap<Long, Entry>> pending) {
        ConcurrentLinkedQueue<Entry> q = offered.computeIfAbsent(tenant, t -> new ConcurrentLinkedQueue<>());
        pending.values().forEach(m -> q.addAll(m.values()));
    }

    // ---- tile ----------------------------------------------------------------------------------------------

    /** Writes every tile and entry bundle that differs between the tiled size and the sequenced size. */
    void writeTiles(String tenant, LogState s) {
        long from = s.tiledSize();
        long to = s.size();
        Map<Long, byte[]> newLeaves = new HashMap<>(); // leaf index → leaf hash, for [from, to)
        Map<Long, byte[]> newData = new HashMap<>();   // leaf index → leaf data, for [from, to)
        Map<Long, byte[]> cached = leafData.getOrDefault(tenant, Map.of());
        for (Iterator<LogBatch> it = log.batches(tenant, from); it.hasNext(); ) {
            LogBatch b = it.next();
            if (b.fromIndex() >= to) break;
            for (long i = Math.max(from, b.fromIndex()); i < Math.min(to, b.endIndex()); i++) {
                newLeaves.put(i, b.leafHash(i));
                byte[] d = cached.get(i);
                if (d != null) newData.put(i, d);
            }
            if (newData.size() < newLeaves.size()) readLeafData(tenant, b, from, to, newData);
        }
        TiledHashes old = new TiledHashes(from, path -> tiles.get(tenant, path)
                .orElseThrow(() -> new IOException("tile " + path + " of tenant " + tenant + " is missing")));
        HashSource source = new Extended(old, from, newLeaves);
        for (int level = 0; level < 64; level++) {
            long perHash = 1L << (8 * level);
            if (perHash <= 0 || to / perHash == 0) break;
            long completeOld = from / perHash;
            long completeNew = to / perHash;
            if (completeNew == completeOld) continue;
            for (long t = completeOld / Tile.WIDTH; t <= (completeNew - 1) / Tile.WIDTH; t++) {
                Tile tile = Tile.of(level, t, to);
                tiles.put(tenant, tile.path(), tile.content(source));
                if (level == 0) tiles.put(tenant, tile.entriesPath(), bundle(tenant, tile, from, newData));
            }
        }
        log.markTiled(tenant, to);
        Map<Long, byte[]> c = leafData.get(tenant);
        if (c != null) c.keySet().removeIf(i -> i < to);
    }

    /** The entry bundle of a level-0 tile: leaves before {@code from} from the old partial bundle, the rest new. */
    private byte[] bundle(String tenant, Tile tile, long from, Map<Long, byte[]> newData) {
        long start = tile.index() * Tile.WIDTH;
        List<byte[]> entries = new ArrayList<>(tile.width());
        if (start < from) {
            Tile oldTile = Tile.of(0, tile.index(), from);
            byte[] old = tiles.get(tenant, oldTile.entriesPath()).orElseThrow(() -> new IllegalStateException(
                    "entry bundle " + oldTile.entriesPath() + " of tenant " + tenant + " is missing"));
            try {
                entries.addAll(EntryBundle.decode(old));
            } catch (VerificationException e) {
                throw new IllegalStateException("entry bundle " + oldTile.entriesPath() + " is malformed", e);
            }
        }
        for (long i = start + entries.size(); i < start + tile.width(); i++) {
            byte[] d = newData.get(i);
            if (d == null) throw new IllegalStateException("leaf " + i + " of tenant " + tenant + " has no data");
            entries.add(d);
        }
        return EntryBundle.encode(entries);
    }

    /** Leaf data of a batch's leaves in [from, to) read back from the chains (after a restart: nothing cached). */
    private void readLeafData(String tenant, LogBatch b, long from, long to, Map<Long, byte[]> out) {
        for (Run r : b.runs()) {
            long lo = Math.max(from, r.fromIndex());
            long hi = Math.min(to, r.fromIndex() + r.count());
            if (lo >= hi) continue;
            long seq = r.fromSequence() + (lo - r.fromIndex());
            for (Iterator<Entry> it = chains.readEntries(new ChainKey(tenant, r.chainId()), seq, seq + (hi - lo) - 1);
                 it.hasNext(); ) {
                Entry e = it.next();
                out.put(r.fromIndex() + (e.sequence() - r.fromSequence()), LogLeaves.leafData(e));
            }
        }
    }

    /** Hashes of a tree of {@code from} leaves (from its tiles) extended by new leaf hashes. */
    private static final class Extended implements HashSource {
        private final HashSource old;
        private final long from;
        private final Map<Long, byte[]> leaves;
        private final Map<Long, byte[]> memo = new HashMap<>();

        Extended(HashSource old, long from, Map<Long, byte[]> leaves) {
            this.old = old;
            this.from = from;
            this.leaves = leaves;
        }

        @Override
        public byte[] hash(int level, long index) {
            long end = (index + 1) << level;
            if (end <= from) return old.hash(level, index);
            if (level == 0) {
                byte[] h = leaves.get(index);
                if (h == null) throw new IllegalArgumentException("leaf " + index + " not sequenced");
                return h;
            }
            long key = ((long) level << 56) ^ index;
            byte[] h = memo.get(key);
            if (h == null) {
                h = Merkle.nodeHash(hash(level - 1, 2 * index), hash(level - 1, 2 * index + 1));
                memo.put(key, h);
            }
            return h;
        }
    }

    // ---- publish -------------------------------------------------------------------------------------------

    private void publish(String tenant, LogState s) {
        long size = s.tiledSize();
        byte[] root = size == s.size() ? s.compactRange().root()
                : Merkle.root(new TiledHashes(size, path -> tiles.get(tenant, path)
                        .orElseThrow(() -> new IOException("tile " + path + " missing"))), size);
        String note;
        try {
            note = new Checkpoint(config.origin(tenant), size, root).sign(signer).format();
        } catch (VerificationException e) {
            throw new IllegalStateException("could not sign the checkpoint of tenant " + tenant, e);
        }
        checkpoints.put(tenant, size, note.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        log.markCheckpointed(tenant, size, clock.millis());
    }

    /** Tells the listener ({@link #onPublished}) of a checkpoint just published, with the state the pass read after it. */
    private void handOver(String tenant, LogState after) {
        java.util.function.BiConsumer<String, LogState> l = onPublished;
        if (l == null) return;
        try {
            l.accept(tenant, after);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "log of tenant {0}: a checkpoint listener failed: {1}", tenant, e);
        }
    }

    private volatile java.util.function.BiConsumer<String, LogState> onPublished;

    /**
     * Tells {@code listener} of every checkpoint this integrator publishes, with the log's state after it (in process:
     * waiting receipts wake at once, {@link LogService#published}). One listener; a later call replaces it.
     */
    public void onPublished(java.util.function.BiConsumer<String, LogState> listener) {
        this.onPublished = listener;
    }
}

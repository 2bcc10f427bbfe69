package dev.loopgrid.core.log;

import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.ChainStore;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.verify.Checkpoint;
import dev.loopgrid.verify.HashSource;
import dev.loopgrid.verify.Merkle;
import dev.loopgrid.verify.NoteVerifier;
import dev.loopgrid.verify.TiledHashes;
import dev.loopgrid.verify.VerificationException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Checks the table against what cannot be rewritten: every signed checkpoint of the tenant's log (verified with the
 * log's public key) must have, as its root, the root of the tree recomputed from the entries <i>as the table holds
 * them now</i>, leaf by leaf in log order. An insider who rewrites an entry and re-hashes every later entry, the
 * chain's head and even the log's own items in the table still changes that entry's leaf, so the recomputed root
 * disagrees with the first checkpoint signed after the entry was integrated; tiles (outside the table) then name the
 * first leaf that differs. Entries deleted from the table, a log shorter than its latest checkpoint, a checkpoint
 * object replaced or forged: each is a failure with its reason.
 *
 * <p>Cost: one signature check per kept checkpoint and one read of every integrated entry — a full verification.
 */
public final class LogVerifier {

    /** Why the table disagrees with the signed log. */
    public enum Kind {
        /** A kept checkpoint does not verify with the log's key, or is not the checkpoint its name says. */
        CHECKPOINT_FORGED("checkpoint not signed by the log's key"),
        /** An integrated entry is no longer in the table. */
        ENTRY_MISSING("entry missing"),
        /** An integrated entry's leaf differs from the one the signed log holds: it was changed after integration. */
        ENTRY_CHANGED("entry changed after it was signed into the log"),
        /** The recomputed root differs from a signed root (the changed leaf could not be named from the tiles). */
        ROOT_MISMATCH("table disagrees with a signed checkpoint"),
        /** The table's log holds fewer leaves than a signed checkpoint covers: entries or log items were deleted. */
        LOG_TRUNCATED("log shorter than a signed checkpoint");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * @param leafIndex      the failing leaf, or -1
     * @param checkpointSize the size of the signed checkpoint the table disagrees with, or -1
     */
    public record Failure(Kind kind, String chainId, long sequence, String entryId, long leafIndex, long checkpointSize,
                          String message) {}

    /**
     * @param leaves         leaves recomputed from the table
     * @param checkpoints    signed checkpoints checked
     * @param verifiedSize   the largest signed size the table was found to match
     * @param latest         the latest signed checkpoint (the note as kept), or null when there is none yet
     */
    public record Result(boolean valid, long leaves, int checkpoints, long verifiedSize, String latest, Failure failure,
                         byte[] verifiedRange, String verifierKey) {}

    private final ChainStore chains;
    private final LogStore log;
    private final TileStore tiles;
    private final SignedCheckpoints checkpoints;
    private final NoteVerifier key;
    private final LogConfig config;

    public LogVerifier(ChainStore chains, LogStore log, TileStore tiles, SignedCheckpoints checkpoints, NoteVerifier key,
                       LogConfig config) {
        this.chains = chains;
        this.log = log;
        this.tiles = tiles;
        this.checkpoints = checkpoints;
        this.key = key;
        this.config = config;
    }

    private record Signed(long size, byte[] root, String note) {}

    /** Everything from the first leaf, against every signed checkpoint. */
    public Result verify(String tenant) {
        return verify(tenant, 0, CompactRange.empty());
    }

    /**
     * From a point verified before ({@code fromSize} leaves whose compact range is {@code fromRange}) on, against the
     * checkpoints signed beyond it: the cost of what was added since. Entries before the point changed since are the
     * chain verification's to find (its anchors change with any re-hash).
     */
    public Result verify(String tenant, long fromSize, CompactRange fromRange) {
        // 1. the signed checkpoints: the only thing trusted, through the key
        List<Signed> signed = new ArrayList<>();
        for (long size : checkpoints.sizes(tenant, Math.max(1, fromSize))) {
            byte[] note = checkpoints.get(tenant, size).orElse(null);
            if (note == null) continue; // listed then gone: Object Lock makes this impossible in AWS
            String text = new String(note, java.nio.charset.StandardCharsets.UTF_8);
            try {
                Checkpoint cp = Checkpoint.open(text, config.origin(tenant), key);
                if (cp.size() != size) {
                    return fail(signed, 0, new Failure(Kind.CHECKPOINT_FORGED, null, 0, null, -1, size, "the checkpoint"
                            + " kept as size " + size + " is signed for size " + cp.size()));
                }
                signed.add(new Signed(size, cp.rootHash(), text));
            } catch (VerificationException e) {
                return fail(signed, 0, new Failure(Kind.CHECKPOINT_FORGED, null, 0, null, -1, size,
                        "the checkpoint kept at size " + size + " does not verify with the log's key ("
                                + e.reason() + ": " + e.getMessage() + ")"));
            }
        }
        // 2. the tree recomputed from the entries as the table holds them, compared at every signed size
        CompactRange range = fromRange.copy();
        int next = 0;
        long verified = fromSize;
        byte[] verifiedRange = fromRange.encode();
        while (next < signed.size() && signed.get(next).size() <= fromSize) {
            if (signed.get(next).size() == fromSize && fromSize > 0 && !Arrays.equals(range.root(), signed.get(next).root())) {
                return fail(signed, 0, new Failure(Kind.ROOT_MISMATCH, null, 0, null, -1, fromSize, "the point verified"
                        + " before (size " + fromSize + ") disagrees with the checkpoint signed at that size"));
            }
            next++;
        }
        for (Iterator<LogBatch> it = log.batches(tenant, fromSize); it.hasNext() && next < signed.size(); ) {
            LogBatch b = it.next();
            if (b.fromIndex() > range.size()) break; // a gap in the log's items: the size check below reports it
            for (Run r : b.runs()) {
                if (r.fromIndex() + r.count() <= range.size()) continue; // before the point
                long firstSeq = r.fromSequence() + Math.max(0, range.size() - r.fromIndex());
                Iterator<Entry> es = chains.readEntries(new ChainKey(tenant, r.chainId()), firstSeq, r.toSequence());
                for (long seq = firstSeq; seq <= r.toSequence() && next < signed.size(); seq++) {
                    long index = range.size();
                    Entry e = es.hasNext() ? es.next() : null;
                    if (e == null || e.sequence() != seq) {
                        return fail(signed, verified, new Failure(Kind.ENTRY_MISSING, r.chainId(), seq, null, index,
                                signed.get(next).size(), "entry " + seq + " of chain \"" + r.chainId() + "\" (leaf "
                                + index + " of the signed log) is not in the table"));
                    }
                    range.append(LogLeaves.leafHash(e));
                    if (range.size() == signed.get(next).size()) {
                        Signed s = signed.get(next);
                        if (!Arrays.equals(range.root(), s.root())) {
                            return fail(signed, verified, name(tenant, s, verified, e));
                        }
                        verified = s.size();
                        verifiedRange = range.encode();
                        next++;
                    }
                }
            }
        }
        if (next < signed.size()) {
            Signed s = signed.get(next);
            return fail(signed, verified, new Failure(Kind.LOG_TRUNCATED, null, 0, null, range.size(), s.size(),
                    "a checkpoint signed at size " + s.size() + " covers leaves the table's log no longer holds (it"
                            + " holds " + range.size() + "): entries or the log's items were deleted"));
        }
        return new Result(true, range.size(), signed.size(), verified, signed.isEmpty() ? null : signed.get(signed.size() - 1).note(),
                null, verifiedRange, key.vkey());
    }

    /**
     * The first leaf, between the last matching checkpoint and {@code s}, whose table entry differs from the signed
     * log: read from the tiles, once the tiles are shown to hold exactly the signed tree of {@code s}.
     */
    private Failure name(String tenant, Signed s, long verifiedSize, Entry last) {
        HashSource signedTree = new TiledHashes(s.size(), path -> tiles.get(tenant, path)
                .orElseThrow(() -> new IOException("tile " + path + " missing")));
        try {
            if (Arrays.equals(Merkle.root(signedTree, s.size()), s.root())) {
                long index = verifiedSize;
                for (Iterator<LogBatch> it = log.batches(tenant, verifiedSize); it.hasNext(); ) {
                    LogBatch b = it.next();
                    for (Run r : b.runs()) {
                        if (r.fromIndex() + r.count() <= verifiedSize) continue;
                        long firstSeq = r.fromSequence() + Math.max(0, verifiedSize - r.fromIndex());
                        Iterator<Entry> es = chains.readEntries(new ChainKey(tenant, r.chainId()), firstSeq, r.toSequence());
                        for (long seq = firstSeq; seq <= r.toSequence() && index < s.size(); seq++, index++) {
                            Entry e = es.hasNext() ? es.next() : null;
                            if (e == null || !Arrays.equals(LogLeaves.leafHash(e), signedTree.hash(0, index))) {
                                return new Failure(Kind.ENTRY_CHANGED, r.chainId(), seq, e == null ? null : e.id(), index,
                                        s.size(), "entry " + seq + " of chain \"" + r.chainId() + "\"" + (e == null ? ""
                                        : " (" + e.id() + ")") + " is not the entry signed into the log as leaf " + index
                                        + " (checkpoint of size " + s.size() + "): it was changed after it was recorded");
                            }
                        }
                    }
                    if (index >= s.size()) break;
                }
            }
        } catch (UncheckedIOException | IllegalArgumentException e) {
            // tiles missing or altered as well: the checkpoint's range is all that can be said
        }
        return new Failure(Kind.ROOT_MISMATCH, last.chainId(), last.sequence(), last.id(), s.size() - 1, s.size(),
                "the entries in the table do not add up to the checkpoint signed at size " + s.size()
                        + ": an entry among leaves " + verifiedSize + ".." + (s.size() - 1) + " was changed");
    }

    private Result fail(List<Signed> signed, long verified, Failure f) {
        return new Result(false, -1, signed.size(), verified, signed.isEmpty() ? null : signed.get(signed.size() - 1).note(), f,
                null, key.vkey());
    }
}

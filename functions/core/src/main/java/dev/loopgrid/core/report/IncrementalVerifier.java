package dev.loopgrid.core.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.ChainVerifier;
import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.IntegrityService;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.ChainStore;
import dev.loopgrid.core.decision.ContentResolver;
import dev.loopgrid.core.log.CompactRange;
import dev.loopgrid.core.log.LogVerifier;
import dev.loopgrid.core.ledger.Times;
import dev.loopgrid.core.ledger.Verification;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Verification that costs what was appended since the last one, not what the ledger holds. Each chain remembers
 * (in a {@link CheckpointStore}) the sequence and chain hash up to which it was verified; a run re-checks that
 * anchor entry (its content and envelope still hash to the remembered chain hash), verifies only the entries
 * after it with {@link ChainVerifier#verifyFrom}, checks the head names the last one and that nothing stands
 * beyond the head, and then moves the checkpoint to the head. A chain that fails keeps its checkpoint, so the
 * failure is found again by every later run.
 *
 * <p>What this does not see: an entry before the anchor that was altered after it had been verified. Full
 * verification ({@code GET /v1/integrity/verify}, or {@code full = true} here) walks every entry again.
 */
public final class IncrementalVerifier {

    /**
     * What one run found for one chain.
     *
     * @param verifiedFrom the sequence verification resumed after (0: from the first entry)
     * @param newlyVerified entries checked in this run (beyond the anchor)
     * @param failure      null when the chain verified
     */
    public record ChainResult(String chainId, long headSequence, String headHash, long decisions, long verifiedFrom,
                              long newlyVerified, String verifiedAt, Verification.Failure failure) {
        public boolean valid() { return failure == null; }
    }

    /**
     * The result over the chains of a report.
     *
     * @param entries   entries the report attests (the heads' sequences, summed)
     * @param headHash  as {@code GET /v1/integrity/verify} computes it: one chain's head hash, or SHA-256 of the JCS
     *                  object {@code {chain_id: head_hash, …}}; null without chains
     * @param failure   the first failure, or null
     * @param full      whether every entry was walked (no checkpoint used)
     */
    public record Result(boolean valid, long entries, long decisions, int chains, String headHash,
                         Verification.Failure failure, long newlyVerified, boolean full, List<ChainResult> chainResults,
                         LogVerifier.Result log) {

        public Result(boolean valid, long entries, long decisions, int chains, String headHash,
                      Verification.Failure failure, long newlyVerified, boolean full, List<ChainResult> chainResults) {
            this(valid, entries, decisions, chains, headHash, failure, newlyVerified, full, chainResults, null);
        }

        public String message() {
            if (failure != null) {
                return "Integrity check failed at " + failure.brokenAt() + " in chain \"" + failure.chainId() + "\" — "
                        + failure.message();
            }
            if (entries == 0) return "No entries recorded yet — nothing to verify";
            return "All " + entries + " entries verified — ledger integrity confirmed ("
                    + (full ? "full verification" : newlyVerified + " new since the last verification") + ")";
        }
    }

    private final ChainStore store;
    private final ContentResolver contents;
    private final java.util.function.Supplier<LogVerifier> log;
    private final CheckpointStore checkpoints;
    private final Clock clock;

    /** @param contents reads content stored outside the ledger items, for re-hashing */
    public IncrementalVerifier(ChainStore store, ContentResolver contents, CheckpointStore checkpoints, Clock clock) {
        this(store, contents, checkpoints, clock, () -> null);
    }

    /** @param log checks the table against the signed log (null where no log is configured) */
    public IncrementalVerifier(ChainStore store, ContentResolver contents, CheckpointStore checkpoints, Clock clock,
                               java.util.function.Supplier<LogVerifier> log) {
        this.log = log;
        this.contents = contents;
        this.store = store;
        this.checkpoints = checkpoints;
        this.clock = clock;
    }

    /** The chain heads a report over {@code serviceName} (null: every chain of the tenant) covers. */
    public List<ChainHead> heads(String tenant, String serviceName) {
        if (serviceName == null) return store.listChains(tenant);
        return store.readHead(new ChainKey(tenant, serviceName)).map(List::of).orElse(List.of());
    }

    /** Verifies the given heads' chains; {@code full} ignores the checkpoints (and then moves them). */
    public Result verify(String tenant, List<ChainHead> heads, boolean full) {
        Map<String, VerificationCheckpoint> cps = full || heads.isEmpty() ? Map.of()
                : checkpoints.read(tenant, heads.stream().map(ChainHead::chainId).toList());
        List<ChainResult> results = new ArrayList<>(heads.size());
        Verification.Failure first = null;
        long entries = 0;
        long decisions = 0;
        long fresh = 0;
        ObjectNode headsJson = Json.object();
        for (ChainHead head : heads) {
            ChainResult r = verifyChain(new ChainKey(tenant, head.chainId()), head, cps.get(head.chainId()));
            results.add(r);
            entries += Math.max(0, r.headSequence());
            decisions += r.decisions();
            fresh += r.newlyVerified();
            if (first == null && r.failure() != null) first = r.failure();
            headsJson.put(head.chainId(), head.headHash());
        }
        String headHash = first != null || heads.isEmpty() ? null
                : heads.size() == 1 ? heads.get(0).headHash()
                : Canonical.sha256Hex(Canonical.canonicalize(headsJson));
        LogVerifier.Result logResult = null;
        LogVerifier lv = log.get();
        if (first == null && lv != null) {
            logResult = verifyLog(lv, tenant, full);
            if (!logResult.valid()) {
                first = IntegrityService.asChainFailure(logResult.failure());
                headHash = null;
            }
        }
        return new Result(first == null, entries, decisions, heads.size(), headHash, first, fresh, full, results, logResult);
    }

    /**
     * The tenant's signed log from the point verified last time (or all of it: {@code full}, or no point yet), the
     * point moved on when it verifies. The point is kept with the chains' checkpoints under {@link #LOG_POINT}.
     */
    private LogVerifier.Result verifyLog(LogVerifier lv, String tenant, boolean full) {
        VerificationCheckpoint saved = full ? null : checkpoints.read(tenant, List.of(LOG_POINT)).get(LOG_POINT);
        LogVerifier.Result r;
        if (saved == null) {
            r = lv.verify(tenant);
        } else {
            CompactRange range;
            try {
                range = CompactRange.decode(saved.sequence(), java.util.HexFormat.of().parseHex(saved.chainHash()));
            } catch (IllegalArgumentException e) {
                range = null; // an unreadable point: verify it all
            }
            r = range == null ? lv.verify(tenant) : lv.verify(tenant, saved.sequence(), range);
        }
        if (r.valid() && r.verifiedSize() > (saved == null ? 0 : saved.sequence())) {
            try {
                checkpoints.advance(new ChainKey(tenant, LOG_POINT), new VerificationCheckpoint(LOG_POINT, r.verifiedSize(),
                        java.util.HexFormat.of().formatHex(r.verifiedRange()), Times.format(clock.millis())));
            } catch (dev.loopgrid.core.ledger.StoreException.Unavailable e) {
                // the next run starts from the older point
            }
        }
        return r;
    }

    /** Where the log's verified point is kept among the chains' checkpoints: no service can have this name. */
    static final String LOG_POINT = "\u0001log";

    private ChainResult verifyChain(ChainKey chain, ChainHead head, VerificationCheckpoint cp) {
        String now = Times.format(clock.millis());
        long decisions = head.counter(Counters.DECISIONS);
        if (head.headHash() == null) { // a registered chain whose head item is gone
            if (cp != null) {
                return failed(chain, head, decisions, cp.sequence(), 0, new Verification.Failure(
                        Verification.Kind.HEAD_MISMATCH, chain.chainId(), cp.sequence(), null, null,
                        "chain \"" + chain.chainId() + "\" was verified up to sequence " + cp.sequence()
                                + " but its head is missing"));
            }
            Verification v = ChainVerifier.verify(chain.chainId(), contents.resolveAll(store.readEntries(chain, 1, Long.MAX_VALUE - 1)), null);
            return new ChainResult(chain.chainId(), v.lastSequence(), null, decisions, 0, v.entries(), null, v.failure());
        }
        long from = 0;
        String fromHash = EntryHasher.GENESIS;
        if (cp != null) {
            Verification.Failure anchor = checkAnchor(chain, head, cp);
            if (anchor != null) return failed(chain, head, decisions, cp.sequence(), 0, anchor);
            from = cp.sequence();
            fromHash = cp.chainHash();
        }
        Verification v = ChainVerifier.verifyFrom(chain.chainId(), from, fromHash,
                from >= head.sequence() ? java.util.Collections.emptyIterator()
                        : contents.resolveAll(store.readEntries(chain, from + 1, head.sequence())), head);
        if (v.valid()) v = IntegrityService.beyondHead(store, chain, head, v);
        if (!v.valid()) return failed(chain, head, decisions, from, v.entries(), v.failure());
        if (cp == null || head.sequence() > cp.sequence()) {
            try {
                checkpoints.advance(chain, new VerificationCheckpoint(chain.chainId(), head.sequence(), head.headHash(), now));
            } catch (dev.loopgrid.core.ledger.StoreException.Unavailable e) {
                // the verification stands; the next run simply starts from the older checkpoint
            }
        }
        return new ChainResult(chain.chainId(), head.sequence(), head.headHash(), decisions, from, v.entries(), now, null);
    }

    /** The remembered entry is still there, unchanged, and the head has not gone back behind it. */
    private Verification.Failure checkAnchor(ChainKey chain, ChainHead head, VerificationCheckpoint cp) {
        String id = chain.chainId();
        if (head.sequence() < cp.sequence()) {
            return new Verification.Failure(Verification.Kind.HEAD_MISMATCH, id, head.sequence(), null, null,
                    "chain \"" + id + "\" is truncated: its head is at sequence " + head.sequence()
                            + " but entries up to sequence " + cp.sequence() + " were verified before");
        }
        Optional<Entry> stored = store.readEntry(chain, cp.sequence());
        if (stored.isEmpty()) {
            return new Verification.Failure(Verification.Kind.SEQUENCE_GAP, id, cp.sequence(), null, null,
                    Verification.Kind.SEQUENCE_GAP.label() + ": the verified entry at sequence " + cp.sequence()
                            + " of chain \"" + id + "\" is gone");
        }
        Entry e = stored.get();
        if (e.content() == null || e.contentHash() == null || !EntryHasher.contentHash(e.content()).equals(e.contentHash())) {
            return new Verification.Failure(Verification.Kind.CONTENT_CHANGED, id, e.sequence(), e.id(), e.decisionId(),
                    Verification.Kind.CONTENT_CHANGED.label() + ": " + ChainVerifier.contentProblem(e));
        }
        if (e.type() == null || e.id() == null || e.decisionId() == null || e.recordedAt() == null
                || e.previousHash() == null || e.sequence() != cp.sequence()
                || !EntryHasher.chainHash(e).equals(cp.chainHash()) || !cp.chainHash().equals(e.chainHash())) {
            return new Verification.Failure(Verification.Kind.ENVELOPE_CHANGED, id, cp.sequence(), e.id(), e.decisionId(),
                    Verification.Kind.ENVELOPE_CHANGED.label() + ": entry " + e.id() + " (sequence " + cp.sequence()
                            + ") no longer hashes to the chain hash verified before");
        }
        return null;
    }

    private static ChainResult failed(ChainKey chain, ChainHead head, long decisions, long from, long checked,
                                      Verification.Failure f) {
        return new ChainResult(chain.chainId(), head.sequence(), head.headHash(), decisions, from, checked, null, f);
    }
}

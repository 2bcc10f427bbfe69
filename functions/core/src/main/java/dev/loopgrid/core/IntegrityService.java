package dev.loopgrid.core;

import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.ChainVerifier;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.ChainStore;
import dev.loopgrid.core.decision.ContentResolver;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.ledger.Times;
import dev.loopgrid.core.log.LogVerifier;
import dev.loopgrid.core.ledger.Verification;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/** Full verification of one chain or of every chain of a tenant. */
public final class IntegrityService {

    /**
     * The result over several chains.
     *
     * @param failure  the first failure found, or null
     * @param headHash the single chain's head hash; over several chains, SHA-256 of the JCS object
     *                 {@code {chain_id: head_hash, …}}; null when there is no chain
     */
    public record Report(boolean valid, long entries, long decisions, int chains, String headHash,
                         Verification.Failure failure, LogVerifier.Result log) {

        public Report(boolean valid, long entries, long decisions, int chains, String headHash,
                      Verification.Failure failure) {
            this(valid, entries, decisions, chains, headHash, failure, null);
        }

        public String message() {
            if (failure != null) {
                return "Integrity check failed at " + failure.brokenAt() + " in chain \"" + failure.chainId() + "\" — "
                        + failure.message();
            }
            if (entries == 0) return "No entries recorded yet — nothing to verify";
            return "All " + entries + " entries verified — ledger integrity confirmed";
        }
    }

    private final ChainStore store;
    private final ContentResolver contents;
    private final java.util.function.Supplier<LogVerifier> log;
    private final dev.loopgrid.core.decision.DecisionIndex index;
    private final dev.loopgrid.core.report.CheckpointStore checkpoints;
    private final java.time.Clock clock;

    /** @param contents reads content stored outside the ledger items, for re-hashing */
    public IntegrityService(ChainStore store, ContentResolver contents) {
        this(store, contents, null, null, () -> null);
    }

    /**
     * @param contents    reads content stored outside the ledger items, for re-hashing
     * @param checkpoints where a chain that verified in full is remembered as verified up to its head (the reports'
     *                    incremental verification starts there), or null to remember nothing
     * @param log         checks the table against the signed log (null where no log is configured)
     */
    public IntegrityService(ChainStore store, ContentResolver contents, dev.loopgrid.core.report.CheckpointStore checkpoints,
                            java.time.Clock clock, java.util.function.Supplier<LogVerifier> log) {
        this(store, contents, checkpoints, clock, log, null);
    }

    /**
     * @param index the decisions' read model as stored, checked against the entries; null to check the chains only
     */
    public IntegrityService(ChainStore store, ContentResolver contents, dev.loopgrid.core.report.CheckpointStore checkpoints,
                            java.time.Clock clock, java.util.function.Supplier<LogVerifier> log,
                            dev.loopgrid.core.decision.DecisionIndex index) {
        this.index = index;
        this.store = store;
        this.contents = contents;
        this.checkpoints = checkpoints;
        this.clock = clock == null ? java.time.Clock.systemUTC() : clock;
        this.log = log;
    }

    /** Verifies the chain of {@code serviceName}, or every chain of the tenant when it is null. */
    public Report verify(String tenant, String serviceName) {
        List<ChainHead> heads;
        if (serviceName != null) {
            Optional<ChainHead> h = store.readHead(new ChainKey(tenant, serviceName));
            if (h.isEmpty()) { // nothing recorded yet, or the head item was deleted: the entries tell which
                Verification v = verifyHeadless(new ChainKey(tenant, serviceName));
                return v.valid() ? new Report(true, 0, 0, 0, null, null)
                        : new Report(false, v.entries(), v.decisions(), 1, null, v.failure());
            }
            heads = List.of(h.get());
        } else {
            heads = store.listChains(tenant);
        }
        long entries = 0;
        long decisions = 0;
        ObjectNode headsJson = Json.object();
        for (ChainHead head : heads) {
            Verification v = head.headHash() == null ? verifyHeadless(new ChainKey(tenant, head.chainId()))
                    : verifyChain(new ChainKey(tenant, head.chainId()), head);
            entries += v.entries();
            decisions += v.decisions();
            if (!v.valid()) {
                return new Report(false, entries, decisions, heads.size(), null, v.failure());
            }
            headsJson.put(head.chainId(), v.lastHash());
            remember(new ChainKey(tenant, head.chainId()), head, v);
        }
        String headHash = heads.isEmpty() ? null
                : heads.size() == 1 ? headsJson.get(heads.get(0).chainId()).textValue()
                : Canonical.sha256Hex(Canonical.canonicalize(headsJson));
        return withLog(tenant, new Report(true, entries, decisions, heads.size(), headHash, null));
    }

    /**
     * {@code chains}, a valid verification of the chains, checked further against the signed log: the tenant's whole
     * log (whatever service was asked for), since the log is one tree per tenant.
     */
    private Report withLog(String tenant, Report chains) {
        LogVerifier verifier = log.get();
        if (verifier == null) return chains;
        LogVerifier.Result r = verifier.verify(tenant);
        if (r.valid()) {
            return new Report(true, chains.entries(), chains.decisions(), chains.chains(), chains.headHash(), null, r);
        }
        return new Report(false, chains.entries(), chains.decisions(), chains.chains(), null, asChainFailure(r.failure()), r);
    }

    /** A failure of the signed log, as verification answers report failures. */
    public static Verification.Failure asChainFailure(LogVerifier.Failure f) {
        Verification.Kind kind = switch (f.kind()) {
            case CHECKPOINT_FORGED -> Verification.Kind.CHECKPOINT_FORGED;
            case ENTRY_MISSING -> Verification.Kind.SIGNED_ENTRY_MISSING;
            case ENTRY_CHANGED -> Verification.Kind.CHANGED_AFTER_SIGNING;
            case ROOT_MISMATCH -> Verification.Kind.SIGNED_ROOT_MISMATCH;
            case LOG_TRUNCATED -> Verification.Kind.LOG_TRUNCATED;
        };
        String chain = f.chainId() == null ? "log" : f.chainId();
        return new Verification.Failure(kind, chain, f.sequence(), f.entryId(), null, kind.label() + ": " + f.message());
    }

    /** A chain that verified up to its head moves its checkpoint there (never back); a store failure loses nothing. */
    private void remember(ChainKey chain, ChainHead head, Verification v) {
        if (checkpoints == null || head.headHash() == null || v.lastSequence() != head.sequence() || v.lastHash() == null) return;
        try {
            checkpoints.advance(chain, new dev.loopgrid.core.report.VerificationCheckpoint(chain.chainId(), head.sequence(),
                    v.lastHash(), Times.format(clock.millis())));
        } catch (dev.loopgrid.core.ledger.StoreException.Unavailable e) {
            // the verification stands; the next report starts from the older checkpoint
        }
    }

    /**
     * Verifies one chain against its head. Entries appended after the head was read would look like
     * entries beyond the head, so entries are read only up to the head's sequence, and one entry past
     * it is then looked for: if one exists and a fresh head does not cover it, it was inserted.
     */
    public Verification verifyChain(ChainKey chain, ChainHead head) {
        Verification v = ChainVerifier.verify(chain.chainId(), contents.resolveAll(store.readEntries(chain, 1, head.sequence())), head);
        if (!v.valid()) return v;
        v = beyondHead(store, chain, head, v);
        if (!v.valid()) return v;
        Verification checked = readModel(chain, head, v);
        // a verdict appended while this ran moves a projection past the head read: check again at the new head
        for (int attempt = 0; !checked.valid() && attempt < 3; attempt++) {
            ChainHead fresh = store.readHead(chain).orElse(head);
            if (fresh.sequence() == head.sequence()) break;
            head = fresh;
            Verification again = ChainVerifier.verify(chain.chainId(), contents.resolveAll(store.readEntries(chain, 1,
                    head.sequence())), head);
            if (!again.valid()) return again;
            v = again;
            checked = readModel(chain, head, v);
        }
        return checked;
    }

    /**
     * {@code v}, a valid verification of {@code chain}, unless what reads and lists serve disagrees with the entries:
     * every decision entry's projection must exist and carry the entry's sequence, hashes and (inline) content, and
     * the status its latest verdict entry implies; the head's entry, decision and status counters must be what the
     * entries add up to. Two more walks of the chain (verdicts first, then decisions) and one read per decision;
     * memory grows with the verdicts, not the decisions.
     */
    private Verification readModel(ChainKey chain, ChainHead head, Verification v) {
        if (index == null) return v;
        java.util.Map<String, DecisionStatus> verdicts = new java.util.HashMap<>();
        for (java.util.Iterator<Entry> it = store.readEntries(chain, 1, head.sequence()); it.hasNext(); ) {
            Entry e = it.next();
            DecisionStatus s = e.type() == null ? null : switch (e.type()) {
                case FLAG -> DecisionStatus.INCORRECT;
                case CORRECTION -> DecisionStatus.CORRECTED;
                case CONFIRMATION -> DecisionStatus.CONFIRMED;
                default -> null;
            };
            if (s != null) verdicts.put(e.decisionId(), s);
        }
        java.util.Map<DecisionStatus, Long> statuses = new java.util.EnumMap<>(DecisionStatus.class);
        long decisions = 0;
        for (java.util.Iterator<Entry> it = store.readEntries(chain, 1, head.sequence()); it.hasNext(); ) {
            Entry e = it.next();
            if (e.type() == null || !e.type().isDecision()) continue;
            decisions++;
            DecisionStatus expected = verdicts.getOrDefault(e.decisionId(), DecisionStatus.RECORDED);
            statuses.merge(expected, 1L, Long::sum);
            Optional<DecisionRecord> p = index.findProjection(chain.tenant(), e.decisionId());
            String problem = null;
            if (p.isEmpty()) {
                return failed(v, Verification.Kind.PROJECTION_MISSING, e, "decision " + e.decisionId()
                        + " has no projection: reads answer 404 for a decision the chain holds");
            }
            DecisionRecord d = p.get();
            if (d.sequence() != e.sequence()) problem = "its sequence is " + d.sequence() + ", the entry's " + e.sequence();
            else if (!e.contentHash().equals(d.contentHash())) problem = "its content_hash differs from the entry's";
            else if (!e.chainHash().equals(d.chainHash())) problem = "its chain_hash differs from the entry's";
            else if (d.contentKey() == null && d.content() != null
                    && !Canonical.sha256Hex(d.content().getBytes(java.nio.charset.StandardCharsets.UTF_8)).equals(e.contentHash())) {
                problem = "its content does not hash to the entry's content_hash";
            } else if (d.status() != expected) {
                problem = "its status is " + d.status().wire() + ", its verdict entries say " + expected.wire();
            }
            if (problem != null) {
                return failed(v, Verification.Kind.PROJECTION_CHANGED, e, "the projection of decision " + e.decisionId()
                        + " (what reads serve) disagrees with its entries: " + problem);
            }
        }
        String counters = null;
        if (head.counter(ChainHead.ENTRIES) != v.entries()) {
            counters = "entries " + head.counter(ChainHead.ENTRIES) + ", the chain holds " + v.entries();
        } else if (head.counter(Counters.DECISIONS) != decisions) {
            counters = "decisions " + head.counter(Counters.DECISIONS) + ", the chain holds " + decisions;
        } else {
            for (DecisionStatus s : DecisionStatus.values()) {
                long want = statuses.getOrDefault(s, 0L);
                if (head.counter(Counters.status(s)) != want) {
                    counters = s.wire() + " " + head.counter(Counters.status(s)) + ", the verdicts say " + want;
                    break;
                }
            }
        }
        if (counters != null) {
            return new Verification(chain.chainId(), v.entries(), v.decisions(), v.lastSequence(), v.lastHash(),
                    new Verification.Failure(Verification.Kind.COUNTERS_CHANGED, chain.chainId(), head.sequence(), null,
                            null, Verification.Kind.COUNTERS_CHANGED.label() + ": the head of chain \"" + chain.chainId()
                            + "\" counts " + counters));
        }
        return v;
    }

    private static Verification failed(Verification v, Verification.Kind kind, Entry e, String message) {
        return new Verification(v.chainId(), v.entries(), v.decisions(), v.lastSequence(), v.lastHash(),
                new Verification.Failure(kind, e.chainId(), e.sequence(), e.id(), e.decisionId(), kind.label() + ": " + message));
    }

    /**
     * {@code v}, a valid verification of {@code chain} up to {@code head}, unless an entry stands one past the head
     * and a fresh head does not cover it: then that entry was inserted, and the verification fails on it.
     */
    public static Verification beyondHead(ChainStore store, ChainKey chain, ChainHead head, Verification v) {
        Optional<Entry> beyond = store.readEntry(chain, head.sequence() + 1);
        if (beyond.isEmpty()) return v;
        ChainHead fresh = store.readHead(chain).orElse(head);
        if (fresh.sequence() >= head.sequence() + 1) return v;
        Entry e = beyond.get();
        return new Verification(chain.chainId(), v.entries(), v.decisions(), v.lastSequence(), v.lastHash(),
                new Verification.Failure(Verification.Kind.INSERTED, chain.chainId(), e.sequence(), e.id(),
                        e.decisionId(), Verification.Kind.INSERTED.label() + ": entry " + e.id()
                        + " stands beyond the head of chain \"" + chain.chainId() + "\" (head at sequence "
                        + fresh.sequence() + ")"));
    }

    /** A chain whose head item is missing: any entry found is a failure (the head disagrees). */
    private Verification verifyHeadless(ChainKey chain) {
        return ChainVerifier.verify(chain.chainId(), contents.resolveAll(store.readEntries(chain, 1, Long.MAX_VALUE - 1)), null);
    }
}

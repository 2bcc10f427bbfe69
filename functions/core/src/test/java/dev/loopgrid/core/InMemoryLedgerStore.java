package dev.loopgrid.core;

import dev.loopgrid.core.decision.CounterGroups;
import dev.loopgrid.core.decision.DecisionPage;
import dev.loopgrid.core.decision.DecisionQuery;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.ledger.AppendRequest;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.ledger.IdempotencyRecord;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.decision.NewDecision;
import dev.loopgrid.core.decision.StatusChange;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.StagedRequest;
import dev.loopgrid.core.ledger.StagedState;
import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.ledger.Times;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link LedgerStore} in memory with the DynamoDB adapter's semantics (test scope): an append is all or
 * nothing; a head that is not at {@code expected} or an entry slot already taken is {@link StoreException.HeadMoved}
 * (and wins over item conditions); a projection or idempotency condition that fails is
 * {@link StoreException.WriteRejected} naming every failing request, as DynamoDB's cancellation reasons do.
 *
 * <p>Like the adapter, it keeps an entry appended with a content key as the key without its content (and the
 * decision's projection likewise), and cuts list pages by {@link DecisionQuery#PAGE_BYTES}.
 *
 * <p>It can be scripted to fail appends the ways a remote store does: {@link Fault#UNAVAILABLE_BEFORE_APPLY}
 * (nothing written, caller told "unknown"), {@link Fault#UNAVAILABLE_AFTER_APPLY} (written, caller told
 * "unknown"), {@link Fault#UNEXPECTED} (a runtime failure that is no store outcome), and to let
 * "another process" append first ({@link #appendForeign}). It counts calls so tests can see batching.
 */
public final class InMemoryLedgerStore implements StagingLedgerStore {

    enum Fault {
        /** no fault (a placeholder in a script) */
        NONE,
        /** nothing written; the caller is told the outcome is unknown */
        UNAVAILABLE_BEFORE_APPLY,
        /** written; the caller is told the outcome is unknown (a connection reset after the commit) */
        UNAVAILABLE_AFTER_APPLY,
        /** nothing written; a runtime failure that is none of the port's outcomes (a bug, a refused request) */
        UNEXPECTED
    }

    private static final class Chain {
        final TreeMap<Long, Entry> entries = new TreeMap<>();
        ChainHead head; // position only: no counters
        /** Staged requests by stage id: pending ones, and rejected ones until their writer withdraws them. */
        final TreeMap<String, StagedRequest> staged = new TreeMap<>();
        final Map<String, StoreException.WriteRejected.Reason> rejected = new HashMap<>();
        /** What became of appended staged requests, by stage id. */
        final Map<String, Entry> integrated = new HashMap<>();
        final Map<String, Long> counters = new TreeMap<>();
        final Map<CounterGroups.Family, Set<String>> admitted = new java.util.EnumMap<>(CounterGroups.Family.class);

        ChainHead withCounters() {
            return head == null ? null : new ChainHead(head.chainId(), head.sequence(), head.headHash(), counters,
                    head.firstRecordedAt(), head.lastRecordedAt());
        }
    }

    private final Clock clock;
    private final int maxNames;
    private final Map<ChainKey, Chain> chains = new HashMap<>();
    private final Map<String, DecisionRecord> decisions = new HashMap<>(); // tenant#id
    private final Map<String, Long> contentBytes = new HashMap<>(); // tenant#id → UTF-8 bytes of the decision's content
    private final Map<String, IdempotencyRecord> idempotency = new HashMap<>(); // tenant#key
    private final Deque<Fault> appendFaults = new ArrayDeque<>();
    private final Deque<Runnable> beforeAppends = new ArrayDeque<>();
    private final Deque<Runnable> afterAppliedAppends = new ArrayDeque<>();
    private Fault everyAppendFault;
    private Runnable beforeEveryAppend;
    private int readHeadFailures;
    private volatile CountDownLatch gate;
    private volatile CountDownLatch gateEntered;

    final AtomicInteger appendCalls = new AtomicInteger();
    final AtomicInteger readHeadCalls = new AtomicInteger();
    final AtomicInteger readEntryCalls = new AtomicInteger();
    /** Number of entries of each append call, in call order. */
    final List<Integer> batchSizes = java.util.Collections.synchronizedList(new ArrayList<>());

    private dev.loopgrid.core.lifecycle.InMemoryLifecycle lifecycle;

    /** Applies lifecycle changes to {@code l} (with their conditions) in appends from now on. */
    public InMemoryLedgerStore withLifecycle(dev.loopgrid.core.lifecycle.InMemoryLifecycle l) {
        this.lifecycle = l;
        return this;
    }

    public InMemoryLedgerStore(Clock clock) {
        this(clock, CounterGroups.MAX_NAMES);
    }

    /** @param maxNames distinct types, and model labels, a chain counts under their own name ({@link CounterGroups}) */
    public InMemoryLedgerStore(Clock clock, int maxNames) {
        this.clock = clock;
        this.maxNames = maxNames;
    }

    // ---- scripting ---------------------------------------------------------------------------------------

    /** Replaces the stored entry at {@code sequence} of {@code chain} (an insider's write; the head stays). */
    public synchronized void tamper(ChainKey chain, long sequence, java.util.function.UnaryOperator<Entry> change) {
        Chain c = chains.get(chain);
        c.entries.put(sequence, change.apply(c.entries.get(sequence)));
    }

    /** Deletes the chain's entries after {@code toSequence} and rolls its head back to that entry (a "consistent" truncation). */
    public synchronized void truncate(ChainKey chain, long toSequence) {
        Chain c = chains.get(chain);
        c.entries.tailMap(toSequence, false).clear();
        Entry last = c.entries.get(toSequence);
        c.head = new ChainHead(chain.chainId(), toSequence, last.chainHash(), null, c.head.firstRecordedAt(),
                last.recordedAt());
    }

    /** Replaces (or, with a null result, deletes) a decision's projection (an insider's write). */
    public synchronized void tamperDecision(String tenant, String decisionId, java.util.function.UnaryOperator<DecisionRecord> change) {
        DecisionRecord d = change.apply(decisions.get(tenant + "#" + decisionId));
        if (d == null) decisions.remove(tenant + "#" + decisionId);
        else decisions.put(tenant + "#" + decisionId, d);
    }

    /** Replaces the chain's head (an insider's write). */
    public synchronized void setHead(ChainKey chain, ChainHead head) {
        Chain c = chains.get(chain);
        c.head = head == null ? null : new ChainHead(head.chainId(), head.sequence(), head.headHash(), null,
                head.firstRecordedAt(), head.lastRecordedAt());
        if (head != null) {
            c.counters.clear();
            c.counters.putAll(head.counters());
        }
    }

    /** The next appends fail as given, one fault per call, in order. */
    synchronized void failNextAppends(Fault... faults) {
        appendFaults.addAll(List.of(faults));
    }

    /** Every append fails so (null: stop). */
    synchronized void failEveryAppend(Fault fault) {
        everyAppendFault = fault;
    }

    /** Runs {@code action} (e.g. {@link #appendForeign}) at the start of the next append call. */
    synchronized void beforeNextAppend(Runnable action) {
        beforeAppends.add(action);
    }

    /** Runs {@code action} right after the next append that is applied (before any scripted fault is thrown). */
    synchronized void afterNextAppliedAppend(Runnable action) {
        afterAppliedAppends.add(action);
    }

    /** Runs {@code action} at the start of every append call (null: stop). */
    synchronized void beforeEveryAppend(Runnable action) {
        beforeEveryAppend = action;
    }

    /** The next {@code n} head reads fail with {@link StoreException.Unavailable}. */
    synchronized void failNextReadHeads(int n) {
        readHeadFailures = n;
    }

    /**
     * Holds every append call at its start until the returned latch is counted down. {@link #awaitHeldAppend}
     * waits until a caller is held.
     */
    CountDownLatch holdAppends() {
        gateEntered = new CountDownLatch(1);
        CountDownLatch g = new CountDownLatch(1);
        gate = g;
        return g;
    }

    void awaitHeldAppend() throws InterruptedException {
        if (!gateEntered.await(5, TimeUnit.SECONDS)) throw new AssertionError("no append reached the store");
    }

    /**
     * Another process appends a decision to {@code chain} (validly linked to the current head).
     *
     * @return the foreign entry
     */
    synchronized Entry appendForeign(ChainKey chain, String decisionId) {
        Chain c = chain(chain);
        long seq = c.head == null ? 1 : c.head.sequence() + 1;
        String prev = c.head == null ? EntryHasher.GENESIS : c.head.headHash();
        String content = "{\"foreign\":\"" + decisionId + "\"}";
        Entry e = Entry.link(chain.chainId(), seq, EntryType.DECISION, decisionId, decisionId,
                Times.format(clock.millis()), content, EntryHasher.contentHash(content), prev);
        AppendRequest r = new AppendRequest(EntryType.DECISION, decisionId, decisionId, content, e.contentHash(),
                new NewDecision(decisionId, "foreign", null), null);
        apply(chain, c, List.of(e), List.of(r), Ledger.counterDeltas(List.of(r), List.of(e)));
        return e;
    }

    // ---- the port ----------------------------------------------------------------------------------------

    @Override
    public Optional<ChainHead> readHead(ChainKey chain) {
        readHeadCalls.incrementAndGet();
        synchronized (this) {
            if (readHeadFailures > 0) {
                readHeadFailures--;
                throw new StoreException.Unavailable("scripted: head read failed", null);
            }
            return Optional.ofNullable(chain(chain).withCounters());
        }
    }

    /** Counted and failed like {@link #readHead}. */
    @Override
    public Optional<ChainHead> readPosition(ChainKey chain) {
        readHeadCalls.incrementAndGet();
        chaos("readPosition");
        synchronized (this) {
            if (readHeadFailures > 0) {
                readHeadFailures--;
                throw new StoreException.Unavailable("scripted: head read failed", null);
            }
            return Optional.ofNullable(chain(chain).head);
        }
    }

    @Override
    public synchronized OptionalLong readCounter(ChainKey chain, String counter) {
        Chain c = chain(chain);
        CounterGroups.Slot slot = CounterGroups.slot(counter);
        String group = CounterGroups.groupName(slot.group());
        if (slot.family().capped() && !group.equals(CounterGroups.OTHER)
                && !c.admitted.getOrDefault(slot.family(), Set.of()).contains(group)
                && c.admitted.getOrDefault(slot.family(), Set.of()).size() >= maxNames) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(c.counters.getOrDefault(CounterGroups.counter(slot.family(), group, slot.field()), 0L));
    }

    @Override
    public void append(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                       Map<String, Long> counterDeltas) {
        append(chain, expected, entries, requests, counterDeltas, java.util.Collections.nCopies(entries.size(), null));
    }

    /** Like DynamoDB's adapter: inline content and a new decision (or nothing) outside the chain. */
    @Override
    public boolean canStage(AppendRequest request) {
        return request.contentKey() == null && (request.projection() == null || request.projection() instanceof NewDecision);
    }

    /**
     * The share of staged-mode calls (stage, readStaged, stagedState, reject, withdraw, lease, release, readPosition,
     * and staged appends) that fail with {@link StoreException.Unavailable}: before applying, or, for writes, half of
     * them after applying (the answer lost). 0 = none.
     */
    volatile double chaos;
    private final java.util.Random chaosRandom = new java.util.Random(7);

    private void chaos(String op) {
        if (chaos > 0 && chaosDraw()) throw new StoreException.Unavailable("scripted chaos: " + op + " failed", null);
    }

    private boolean chaosDraw() {
        synchronized (chaosRandom) {
            return chaosRandom.nextDouble() < chaos;
        }
    }

    /** Staging writes that fail as scripted (before anything is stored), one per call. */
    final java.util.concurrent.atomic.AtomicInteger stageFailures = new java.util.concurrent.atomic.AtomicInteger();
    final AtomicInteger stageCalls = new AtomicInteger();

    @Override
    public void stage(ChainKey chain, StagedRequest staged) {
        stageCalls.incrementAndGet();
        if (stageFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new StoreException.Unavailable("scripted: staging failed", null);
        }
        chaos("stage");
        synchronized (this) {
            Chain c = chain(chain);
            if (!c.integrated.containsKey(staged.stageId())) c.staged.putIfAbsent(staged.stageId(), staged);
        }
        chaos("stage (applied)");
    }

    final AtomicInteger readStagedCalls = new AtomicInteger();

    @Override
    public synchronized List<StagedRequest> readStaged(ChainKey chain, int limit) {
        readStagedCalls.incrementAndGet();
        chaos("readStaged");
        Chain c = chain(chain);
        return c.staged.values().stream().filter(s -> !c.rejected.containsKey(s.stageId())).limit(limit).toList();
    }

    @Override
    public synchronized StagedState stagedState(ChainKey chain,
                                                                      StagedRequest staged) {
        chaos("stagedState");
        Chain c = chain(chain);
        Entry e = c.integrated.get(staged.stageId());
        if (e != null) return new StagedState.Integrated(e);
        StoreException.WriteRejected.Reason r = c.rejected.get(staged.stageId());
        if (r != null) return new StagedState.Rejected(r);
        if (c.staged.containsKey(staged.stageId()) && decisions.containsKey(chain.tenant() + "#" + staged.request().decisionId())) {
            // like the adapter: another request's decision holds this id, so this one can never be appended
            return new StagedState.Rejected(StoreException.WriteRejected.Reason.PROJECTION_MOVED);
        }
        Map.Entry<String, Long> lease = leases.get(chain);
        return c.staged.containsKey(staged.stageId()) ? new StagedState.Pending(lease != null && lease.getValue() >= clock.millis())
                : new StagedState.Absent();
    }

    /** Polls ({@link #stagedStates} calls), and those of them that read the lease. */
    final AtomicInteger stateReads = new AtomicInteger();
    final AtomicInteger leaseReads = new AtomicInteger();

    /** Like DynamoDB's adapter: without the lease read, a pending request reads as leased. */
    @Override
    public List<StagedState> stagedStates(ChainKey chain, List<StagedRequest> staged, boolean withLease) {
        stateReads.incrementAndGet();
        if (withLease) leaseReads.incrementAndGet();
        List<StagedState> out = new ArrayList<>(staged.size());
        for (StagedRequest s : staged) {
            StagedState st = stagedState(chain, s);
            out.add(!withLease && st instanceof StagedState.Pending ? new StagedState.Pending(true) : st);
        }
        return out;
    }

    @Override
    public synchronized void rejectStaged(ChainKey chain, StagedRequest staged,
                                          StoreException.WriteRejected.Reason reason) {
        chaos("rejectStaged");
        Chain c = chain(chain);
        if (c.staged.containsKey(staged.stageId())) c.rejected.putIfAbsent(staged.stageId(), reason);
        chaos("rejectStaged (applied)");
    }

    @Override
    public synchronized StagedState withdrawStaged(ChainKey chain,
                                                                        StagedRequest staged) {
        chaos("withdrawStaged");
        double was = chaos;
        chaos = 0;
        StagedState st;
        try {
            st = stagedState(chain, staged);
        } finally {
            chaos = was;
        }
        Chain c = chain(chain);
        c.staged.remove(staged.stageId());
        c.rejected.remove(staged.stageId());
        chaos("withdrawStaged (applied)");
        return st instanceof StagedState.Pending ? new StagedState.Absent() : st;
    }

    private final Map<ChainKey, Map.Entry<String, Long>> leases = new HashMap<>();
    final AtomicInteger leaseCalls = new AtomicInteger();

    @Override
    public synchronized boolean lease(ChainKey chain, String writer, long untilEpochMillis) {
        leaseCalls.incrementAndGet();
        chaos("lease");
        Map.Entry<String, Long> held = leases.get(chain);
        if (held != null && !held.getKey().equals(writer) && held.getValue() >= clock.millis()) return false;
        leases.put(chain, Map.entry(writer, untilEpochMillis));
        return true;
    }

    @Override
    public synchronized void release(ChainKey chain, String writer) {
        chaos("release");
        Map.Entry<String, Long> held = leases.get(chain);
        if (held != null && held.getKey().equals(writer)) leases.remove(chain);
    }

    /** The writer holding the chain's lease, or null (expired leases included). */
    public synchronized String leaseHolder(ChainKey chain) {
        Map.Entry<String, Long> held = leases.get(chain);
        return held == null ? null : held.getKey();
    }

    /** Requests staged and not yet appended or withdrawn (pending or rejected), on every chain. */
    public synchronized int stagedCount() {
        return chains.values().stream().mapToInt(c -> c.staged.size()).sum();
    }

    final AtomicInteger appendsUnlessLeased = new AtomicInteger();

    @Override
    public void appendUnlessLeased(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                                   Map<String, Long> counterDeltas) {
        appendsUnlessLeased.incrementAndGet();
        append(chain, expected, entries, requests, counterDeltas,
                java.util.Collections.nCopies(entries.size(), (StagedRequest) null), true);
    }

    @Override
    public void append(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                       Map<String, Long> counterDeltas, List<StagedRequest> staged) {
        append(chain, expected, entries, requests, counterDeltas, staged, false);
    }

    private void append(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                        Map<String, Long> counterDeltas, List<StagedRequest> staged, boolean unlessLeased) {
        appendCalls.incrementAndGet();
        batchSizes.add(entries.size());
        CountDownLatch g = gate;
        if (g != null) {
            gateEntered.countDown();
            try {
                if (!g.await(10, TimeUnit.SECONDS)) throw new AssertionError("held append was never released");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException.Unavailable("interrupted", e);
            }
        }
        synchronized (this) {
            Runnable before = beforeAppends.poll();
            if (before != null) before.run();
            if (beforeEveryAppend != null) beforeEveryAppend.run();
            Fault fault = appendFaults.poll();
            if (fault == null) fault = everyAppendFault;
            if (fault == Fault.UNAVAILABLE_BEFORE_APPLY) {
                throw new StoreException.Unavailable("scripted: failed before applying", null);
            }
            if (fault == Fault.UNEXPECTED) {
                throw new IllegalStateException("scripted: the store refused the request outright");
            }
            boolean stagedAppend = staged.stream().anyMatch(java.util.Objects::nonNull);
            if (stagedAppend) chaos("append");
            Chain c = chain(chain);
            if (unlessLeased) {
                Map.Entry<String, Long> held = leases.get(chain);
                if (held != null && held.getValue() >= clock.millis()) {
                    throw new StoreException.Leased("scripted store: " + held.getKey() + " holds the lease");
                }
            }
            check(chain, c, expected, entries, requests);
            for (StagedRequest st : staged) {
                if (st != null && (!c.staged.containsKey(st.stageId()) || c.rejected.containsKey(st.stageId()))) {
                    throw new StoreException.HeadMoved("staged request " + st.stageId() + " is no longer pending", null);
                }
            }
            apply(chain, c, entries, requests, counterDeltas);
            for (int i = 0; i < staged.size(); i++) {
                StagedRequest st = staged.get(i);
                if (st == null) continue;
                c.staged.remove(st.stageId());
                Entry e = entries.get(i);
                c.integrated.put(st.stageId(), e.contentKey() == null ? e : e.withContent(null));
            }
            Runnable after = afterAppliedAppends.poll();
            if (after != null) after.run();
            if (stagedAppend) chaos("append (applied)");
            if (fault == Fault.UNAVAILABLE_AFTER_APPLY) {
                throw new StoreException.Unavailable("scripted: applied, then the connection was reset", null);
            }
        }
    }

    /** The transaction's conditions, in the adapter's order of precedence. */
    private void check(ChainKey chain, Chain c, ChainHead expected, List<Entry> entries, List<AppendRequest> requests) {
        if (expected == null ? c.head != null : c.head == null || c.head.sequence() != expected.sequence()) {
            throw new StoreException.HeadMoved("head of " + chain.chainId() + " moved", c.head);
        }
        for (Entry e : entries) {
            if (c.entries.containsKey(e.sequence())) throw new StoreException.HeadMoved("entry slot taken", null);
        }
        long now = clock.instant().getEpochSecond();
        java.util.SortedMap<Integer, StoreException.WriteRejected.Reason> rejected = new java.util.TreeMap<>();
        for (int i = 0; i < requests.size(); i++) {
            AppendRequest r = requests.get(i);
            DecisionRecord d = decisions.get(chain.tenant() + "#" + r.decisionId());
            if (r.projection() instanceof NewDecision && d != null
                    || r.projection() instanceof StatusChange sc
                       && (d == null || d.status() != sc.expected())) {
                rejected.putIfAbsent(i, StoreException.WriteRejected.Reason.PROJECTION_MOVED);
            }
            if (lifecycle != null && r.projection() instanceof dev.loopgrid.core.lifecycle.LifecycleChange lc
                    && lifecycle.rejects(chain.tenant(), lc)) {
                rejected.putIfAbsent(i, StoreException.WriteRejected.Reason.PROJECTION_MOVED);
            }
            if (r.idempotency() != null) {
                IdempotencyRecord taken = idempotency.get(chain.tenant() + "#" + r.idempotency().key());
                if (taken != null && taken.expiresAtEpochSecond() >= now) {
                    rejected.putIfAbsent(i, StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN);
                }
            }
        }
        if (!rejected.isEmpty()) throw new StoreException.WriteRejected(rejected, "scripted store: conditions failed: " + rejected);
    }

    private void apply(ChainKey chain, Chain c, List<Entry> entries, List<AppendRequest> requests,
                       Map<String, Long> deltas) {
        CounterGroups.Folded folded = CounterGroups.fold(deltas, c.admitted, maxNames);
        folded.admit().forEach((f, names) -> c.admitted.computeIfAbsent(f, k -> new java.util.HashSet<>()).addAll(names));
        folded.deltas().forEach((k, v) -> c.counters.merge(k, v, Long::sum));
        Entry last = entries.get(entries.size() - 1);
        String firstAt = c.head == null ? entries.get(0).recordedAt() : c.head.firstRecordedAt();
        c.head = new ChainHead(chain.chainId(), last.sequence(), last.chainHash(), null, firstAt, last.recordedAt());
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            AppendRequest r = requests.get(i);
            Entry stored = e.contentKey() == null ? e : e.withContent(null); // the key, not the content
            c.entries.put(e.sequence(), stored);
            String dk = chain.tenant() + "#" + e.decisionId();
            if (r.projection() instanceof NewDecision nd) {
                decisions.put(dk, DecisionRecord.of(stored, nd));
                contentBytes.put(dk, Canonical.utf8Length(e.content()));
            } else if (r.projection() instanceof StatusChange sc) {
                decisions.put(dk, decisions.get(dk).apply(sc, e));
            } else if (lifecycle != null && r.projection() instanceof dev.loopgrid.core.lifecycle.LifecycleChange lc) {
                lifecycle.apply(chain.tenant(), e, lc);
            }
            if (r.idempotency() != null) {
                AppendRequest.IdempotencyClaim claim = r.idempotency();
                idempotency.put(chain.tenant() + "#" + claim.key(), new IdempotencyRecord(claim.key(), e.decisionId(),
                        claim.contentHash(), claim.expiresAtEpochSecond()));
            }
        }
    }

    @Override
    public Optional<Entry> readEntry(ChainKey chain, long sequence) {
        readEntryCalls.incrementAndGet();
        synchronized (this) {
            return Optional.ofNullable(chain(chain).entries.get(sequence));
        }
    }

    @Override
    public synchronized Iterator<Entry> readEntries(ChainKey chain, long fromSequence, long toSequence) {
        return new ArrayList<>(chain(chain).entries.subMap(fromSequence, true, toSequence, true).values()).iterator();
    }

    @Override
    public synchronized List<ChainHead> listChains(String tenant) {
        return chains.entrySet().stream()
                .filter(e -> e.getKey().tenant().equals(tenant) && e.getValue().head != null)
                .map(e -> e.getValue().withCounters())
                .sorted(Comparator.comparing(ChainHead::chainId))
                .toList();
    }

    @Override
    public synchronized Optional<DecisionRecord> findDecision(String tenant, String decisionId) {
        return Optional.ofNullable(decisions.get(tenant + "#" + decisionId));
    }

    @Override
    public synchronized Optional<IdempotencyRecord> findIdempotency(String tenant, String key) {
        IdempotencyRecord r = idempotency.get(tenant + "#" + key);
        return r == null || r.expiresAtEpochSecond() < clock.instant().getEpochSecond() ? Optional.empty() : Optional.of(r);
    }

    @Override
    public synchronized DecisionPage listDecisions(String tenant, DecisionQuery q) {
        List<DecisionRecord> all = decisions.entrySet().stream()
                .filter(e -> e.getKey().startsWith(tenant + "#"))
                .map(Map.Entry::getValue)
                .filter(d -> q.serviceName() == null || q.serviceName().equals(d.chainId()))
                .filter(d -> q.decisionType() == null || q.decisionType().equals(d.decisionType()))
                .filter(d -> q.status() == null || q.status() == d.status())
                .filter(d -> q.since() == null || d.createdAt().compareTo(q.since()) >= 0)
                .filter(d -> q.until() == null || d.createdAt().compareTo(q.until()) <= 0)
                .sorted(Comparator.comparing((DecisionRecord d) -> d.createdAt() + "#" + d.decisionId()).reversed())
                .toList();
        int from;
        if (q.cursor() != null) {
            try {
                from = Integer.parseInt(new String(Base64.getUrlDecoder().decode(q.cursor()), StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                throw new LedgerException.Malformed("invalid_cursor", "cursor is not valid");
            }
        } else {
            // page=N: skip the pages before it, with the boundaries the cursor walk has
            from = 0;
            for (int p = 1; p < q.page() && from < all.size(); p++) {
                int count = 0;
                long bytes = 0;
                while (from < all.size()) {
                    long size = servedBytes(tenant, all.get(from));
                    if (DecisionQuery.pageEndsBefore(count, bytes, size, q.pageSize())) break;
                    bytes += size;
                    count++;
                    from++;
                }
            }
        }
        List<DecisionRecord> page = new ArrayList<>();
        long bytes = 0;
        int to = Math.max(from, 0);
        while (to < all.size() && page.size() < q.pageSize()) {
            DecisionRecord d = all.get(to);
            long size = servedBytes(tenant, d);
            if (DecisionQuery.pageEndsBefore(page.size(), bytes, size, q.pageSize())) break;
            page.add(d);
            bytes += size;
            to++;
        }
        boolean more = to < all.size();
        String next = more ? Base64.getUrlEncoder().withoutPadding()
                .encodeToString(Integer.toString(to).getBytes(StandardCharsets.UTF_8)) : null;
        return new DecisionPage(List.copyOf(page), all.size(), more, next);
    }

    private long servedBytes(String tenant, DecisionRecord d) {
        return DecisionQuery.servedBytes(contentBytes.getOrDefault(tenant + "#" + d.decisionId(), 0L),
                d.correction(), d.incorrectReason(), d.correctionNotes());
    }

    private Chain chain(ChainKey key) {
        return chains.computeIfAbsent(key, k -> new Chain());
    }
}

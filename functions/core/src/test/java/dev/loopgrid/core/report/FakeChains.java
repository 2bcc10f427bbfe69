package dev.loopgrid.core.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.decision.DecisionPage;
import dev.loopgrid.core.decision.DecisionQuery;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.ledger.IdempotencyRecord;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.LedgerStore;
import dev.loopgrid.core.ledger.Times;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A read-side {@link LedgerStore} over honest chains built here (real hashes and links), which tests can
 * tamper with, and which counts the entries it hands out. Appends go through {@link #record}, not the port.
 */
final class FakeChains implements LedgerStore {
    static final String TENANT = "t";
    private static final long T0 = 1_795_000_000_000L; // 2026-11-18

    private final Map<String, TreeMap<Long, Entry>> entries = new TreeMap<>();
    private final Map<String, ChainHead> heads = new TreeMap<>();
    private final Map<String, DecisionRecord> decisions = new TreeMap<>();
    final AtomicLong entriesRead = new AtomicLong();
    private long clock = T0;

    /** Appends a decision to {@code service}'s chain and counts it as the ledger would. */
    DecisionRecord record(String service, String type, String provider, String model, ObjectNode output) {
        ObjectNode c = Json.object();
        c.put("service_name", service);
        c.put("decision_type", type);
        c.putObject("input").put("message", "hello");
        c.putObject("model").put("provider", provider).put("name", model);
        c.set("output", output == null ? Json.object().put("response", "ok") : output);
        c.putNull("prompt");
        c.putNull("tool_calls");
        c.putNull("metadata");
        String id = "dec_" + service.hashCode() + "_" + (entries.containsKey(service) ? entries.get(service).size() + 1 : 1);
        Entry e = append(service, EntryType.DECISION, id, id, Canonical.canonicalize(c));
        DecisionRecord d = DecisionRecord.of(e, new dev.loopgrid.core.decision.NewDecision(id, type, provider + "/" + model));
        decisions.put(id, d);
        count(service, Map.of(Counters.DECISIONS, 1L, Counters.status(DecisionStatus.RECORDED), 1L, Counters.type(type), 1L,
                Counters.typeStatus(type, DecisionStatus.RECORDED), 1L,
                Counters.model(provider + "/" + model), 1L, Counters.modelStatus(provider + "/" + model, DecisionStatus.RECORDED), 1L,
                Counters.week(Counters.isoWeek(e.recordedAt())), 1L,
                Counters.weekStatus(Counters.isoWeek(e.recordedAt()), DecisionStatus.RECORDED), 1L));
        return d;
    }

    /** Flags ({@code INCORRECT}) or corrects a decision, with an entry and the counter moves. */
    DecisionRecord verdict(String decisionId, DecisionStatus next, String reason, ObjectNode correction, String by) {
        DecisionRecord d = decisions.get(decisionId);
        ObjectNode c = Json.object();
        c.put("decision_id", decisionId);
        EntryType type = next == DecisionStatus.INCORRECT ? EntryType.FLAG : EntryType.CORRECTION;
        if (type == EntryType.FLAG) c.put("reason", reason);
        else {
            c.set("correction", correction);
            c.put("corrected_by", by);
            c.putNull("notes");
        }
        Entry e = append(d.chainId(), type, (type == EntryType.FLAG ? "flg_" : "cor_") + e(d.chainId()), decisionId,
                Canonical.canonicalize(c));
        String model = dev.loopgrid.core.decision.Counters.modelLabel(Json.parseStored(d.content()).get("model"));
        var change = new dev.loopgrid.core.decision.StatusChange(decisionId, d.decisionType(), d.status(), next, reason,
                correction == null ? null : Canonical.canonicalize(correction), by, null, model, d.createdAt());
        DecisionRecord updated = d.apply(change, e);
        decisions.put(decisionId, updated);
        String w = Counters.isoWeek(d.createdAt());
        count(d.chainId(), Map.of(Counters.status(d.status()), -1L, Counters.status(next), 1L,
                Counters.typeStatus(d.decisionType(), d.status()), -1L, Counters.typeStatus(d.decisionType(), next), 1L,
                Counters.modelStatus(model, d.status()), -1L, Counters.modelStatus(model, next), 1L,
                Counters.weekStatus(w, d.status()), -1L, Counters.weekStatus(w, next), 1L));
        return updated;
    }

    private String e(String chain) {
        return Long.toString(entries.get(chain).size() + 1);
    }

    private Entry append(String chain, EntryType type, String id, String decisionId, String content) {
        TreeMap<Long, Entry> es = entries.computeIfAbsent(chain, k -> new TreeMap<>());
        ChainHead h = heads.get(chain);
        long seq = h == null ? 1 : h.sequence() + 1;
        clock += 3_600_000L * 7; // 7 h apart: the entries spread over weeks
        Entry e = Entry.link(chain, seq, type, id, decisionId, Times.format(clock), content,
                EntryHasher.contentHash(content), h == null ? EntryHasher.GENESIS : h.headHash());
        es.put(seq, e);
        heads.put(chain, new ChainHead(chain, seq, e.chainHash(), h == null ? Map.of() : h.counters(),
                h == null ? e.recordedAt() : h.firstRecordedAt(), e.recordedAt()));
        return e;
    }

    private void count(String chain, Map<String, Long> deltas) {
        ChainHead h = heads.get(chain);
        Map<String, Long> c = new TreeMap<>(h.counters());
        deltas.forEach((k, v) -> c.merge(k, v, Long::sum));
        heads.put(chain, new ChainHead(chain, h.sequence(), h.headHash(), c, h.firstRecordedAt(), h.lastRecordedAt()));
    }

    // ---- tampering

    /** Replaces the stored entry at {@code seq} (the head stays). */
    void replace(String chain, long seq, java.util.function.UnaryOperator<Entry> change) {
        entries.get(chain).put(seq, change.apply(entries.get(chain).get(seq)));
    }

    /** Drops the newest entries and moves the head back, as a truncation would. */
    void truncate(String chain, long toSequence) {
        TreeMap<Long, Entry> es = entries.get(chain);
        es.tailMap(toSequence, false).clear();
        ChainHead h = heads.get(chain);
        Entry last = es.get(toSequence);
        heads.put(chain, new ChainHead(chain, toSequence, last.chainHash(), h.counters(), h.firstRecordedAt(), last.recordedAt()));
    }

    static Entry withContent(Entry e, String content) {
        return new Entry(e.chainId(), e.sequence(), e.type(), e.id(), e.decisionId(), e.recordedAt(), content,
                e.contentHash(), e.previousHash(), e.chainHash(), null);
    }

    // ---- the port (reads)

    @Override
    public Optional<ChainHead> readHead(ChainKey chain) {
        return Optional.ofNullable(heads.get(chain.chainId()));
    }

    @Override
    public void append(ChainKey chain, ChainHead expected, List<Entry> es, List<dev.loopgrid.core.ledger.AppendRequest> requests,
                       Map<String, Long> counterDeltas) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Entry> readEntry(ChainKey chain, long sequence) {
        TreeMap<Long, Entry> es = entries.get(chain.chainId());
        Entry e = es == null ? null : es.get(sequence);
        if (e != null) entriesRead.incrementAndGet();
        return Optional.ofNullable(e);
    }

    @Override
    public Iterator<Entry> readEntries(ChainKey chain, long from, long to) {
        TreeMap<Long, Entry> es = entries.get(chain.chainId());
        List<Entry> out = es == null ? List.of() : new ArrayList<>(es.subMap(from, true, to, true).values());
        entriesRead.addAndGet(out.size());
        return out.iterator();
    }

    @Override
    public List<ChainHead> listChains(String tenant) {
        return List.copyOf(heads.values());
    }

    @Override
    public Optional<DecisionRecord> findDecision(String tenant, String decisionId) {
        return Optional.ofNullable(decisions.get(decisionId));
    }

    @Override
    public Optional<IdempotencyRecord> findIdempotency(String tenant, String key) {
        return Optional.empty();
    }

    @Override
    public DecisionPage listDecisions(String tenant, DecisionQuery q) {
        List<DecisionRecord> all = decisions.values().stream()
                .filter(d -> q.serviceName() == null || q.serviceName().equals(d.chainId()))
                .filter(d -> q.status() == null || q.status() == d.status())
                .sorted(Comparator.comparing(DecisionRecord::createdAt).reversed())
                .toList();
        int from = q.cursor() == null ? 0 : Integer.parseInt(q.cursor());
        int to = Math.min(all.size(), from + q.pageSize());
        boolean more = to < all.size();
        return new DecisionPage(all.subList(Math.min(from, all.size()), to), all.size(), more, more ? Integer.toString(to) : null);
    }
}

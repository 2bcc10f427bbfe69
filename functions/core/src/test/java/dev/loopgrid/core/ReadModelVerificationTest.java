package dev.loopgrid.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.decision.ContentResolver;
import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.Verification;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Verification checks what reads and lists serve — each decision's projection and the head's counters — against the
 * entries, so an edited projection or counter is named, not served as the record.
 */
class ReadModelVerificationTest {
    private static final String TENANT = "t1";
    private static final ChainKey SVC = new ChainKey(TENANT, "svc");
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-04T10:00:00Z"), ZoneOffset.UTC);
    private InMemoryLedgerStore store;
    private DecisionService decisions;
    private IntegrityService integrity;
    private final List<DecisionRecord> recorded = new ArrayList<>();

    @BeforeEach
    void setUp() {
        store = new InMemoryLedgerStore(clock);
        decisions = new DecisionService(store, store, new Ledger(store, clock, Ledger.Policy.defaults(), null), clock,
                180_000, null, 180_000);
        integrity = new IntegrityService(store, new ContentResolver(null), null, clock, () -> null, store);
        for (int i = 0; i < 4; i++) {
            ObjectNode b = Json.object();
            b.put("service_name", "svc");
            b.put("decision_type", "refund");
            b.putObject("input").put("n", i);
            b.putObject("model").put("provider", "openai").put("name", "gpt-4");
            b.putObject("output").put("answer", "refund denied");
            recorded.add(decisions.record(TENANT, b, null).decision());
        }
        decisions.markIncorrect(TENANT, recorded.get(1).decisionId(), null);
        decisions.confirm(TENANT, recorded.get(2).decisionId(), Json.object().put("confirmed_by", "qa@example.com"));
    }

    @Test
    void anHonestReadModel_verifies() {
        assertTrue(integrity.verify(TENANT, null).valid(), integrity.verify(TENANT, null).message());
    }

    @Test
    void aVerdictAppendedWhileVerifying_isNoFalseAlarm() {
        // given the chain's heads as read at the start of a verification, then a flag appended meanwhile
        List<ChainHead> before = store.listChains(TENANT);
        decisions.markIncorrect(TENANT, recorded.get(3).decisionId(), null);
        LedgerStore stale = LedgerStore.of(new dev.loopgrid.core.ledger.ChainStore() {
            @Override public java.util.Optional<ChainHead> readHead(ChainKey c) { return store.readHead(c); }
            @Override public void append(ChainKey c, ChainHead e, List<dev.loopgrid.core.ledger.Entry> es,
                                         List<dev.loopgrid.core.ledger.AppendRequest> r, Map<String, Long> d) { store.append(c, e, es, r, d); }
            @Override public java.util.Optional<dev.loopgrid.core.ledger.Entry> readEntry(ChainKey c, long q) { return store.readEntry(c, q); }
            @Override public java.util.Iterator<dev.loopgrid.core.ledger.Entry> readEntries(ChainKey c, long f, long t) { return store.readEntries(c, f, t); }
            @Override public List<ChainHead> listChains(String t) { return before; }
            @Override public java.util.Optional<dev.loopgrid.core.ledger.IdempotencyRecord> findIdempotency(String t, String k) { return store.findIdempotency(t, k); }
        }, store);
        IntegrityService racing = new IntegrityService(stale, new ContentResolver(null), null, clock, () -> null, stale);

        // when it checks the projections (the flagged one is past the head it read), then it checks again at the new head
        IntegrityService.Report r = racing.verify(TENANT, null);

        assertTrue(r.valid(), r.message());
    }

    @Test
    void aProjectionWhoseStatusWasEdited_isNamed() {
        store.tamperDecision(TENANT, recorded.get(1).decisionId(), d -> new DecisionRecord(d.decisionId(), d.chainId(),
                d.decisionType(), d.sequence(), d.createdAt(), d.content(), d.contentHash(), d.chainHash(), d.previousHash(),
                DecisionStatus.RECORDED, null, null, null, null, null, null, 0, null, null, null, d.model(), null, null, null, null, null, null));

        IntegrityService.Report r = integrity.verify(TENANT, null);

        assertFalse(r.valid());
        assertEquals(Verification.Kind.PROJECTION_CHANGED, r.failure().kind());
        assertEquals(recorded.get(1).decisionId(), r.failure().decisionId());
        assertTrue(r.message().contains("its status is recorded, its verdict entries say incorrect"), r.message());
    }

    @Test
    void aProjectionWhoseContentWasEdited_orThatIsGone_isNamed() {
        store.tamperDecision(TENANT, recorded.get(0).decisionId(), d -> d.withContent(d.content().replace("denied", "approved"), null));
        IntegrityService.Report r = integrity.verify(TENANT, null);
        assertEquals(Verification.Kind.PROJECTION_CHANGED, r.failure().kind(), r.message());

        store.tamperDecision(TENANT, recorded.get(0).decisionId(), d -> null);
        assertEquals(Verification.Kind.PROJECTION_MISSING, integrity.verify(TENANT, null).failure().kind());
    }

    @Test
    void editedCounters_areNamed() {
        ChainHead h = store.readHead(SVC).orElseThrow();
        Map<String, Long> counters = new HashMap<>(h.counters());
        counters.put(Counters.DECISIONS, 1000L);
        store.setHead(SVC, new ChainHead(h.chainId(), h.sequence(), h.headHash(), counters, h.firstRecordedAt(), h.lastRecordedAt()));

        IntegrityService.Report r = integrity.verify(TENANT, null);

        assertFalse(r.valid());
        assertEquals(Verification.Kind.COUNTERS_CHANGED, r.failure().kind());
        assertTrue(r.message().contains("decisions 1000, the chain holds 4"), r.message());
    }
}

package dev.loopgrid.core.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.InMemoryLedgerStore;
import dev.loopgrid.core.IntegrityService;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.decision.ContentResolver;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.decision.DecisionView;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.subject.SubjectKeys;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Erasure, holds and the retention floor over the in-memory ledger (the same conditions the DynamoDB writers put). */
class LifecycleServiceTest {
    private static final String T = "acme";
    private static final String MARKER = "MARKER-core-4711";

    private static final class MovableClock extends Clock {
        private Instant now = Instant.parse("2026-12-04T10:00:00Z");

        @Override
        public ZoneId getZone() { return ZoneOffset.UTC; }

        @Override
        public Clock withZone(ZoneId zone) { return this; }

        @Override
        public Instant instant() { return now; }

        void advance(Duration d) { now = now.plus(d); }
    }

    private final MovableClock clock = new MovableClock();
    private final InMemoryLifecycle lc = new InMemoryLifecycle();
    private final InMemoryLedgerStore store = new InMemoryLedgerStore(clock).withLifecycle(lc);
    private final Ledger ledger = new Ledger(store, clock, Ledger.Policy.defaults(), null);
    private final SubjectKeys keys = new SubjectKeys(lc, InMemoryLifecycle.WRAPPER, clock);
    private final DecisionService decisions = new DecisionService(store, store, ledger, clock, 180_000, null, 180_000, keys);
    private final LifecycleService life = new LifecycleService(lc, keys, decisions, ledger, clock,
            LifecycleService.Settings.defaults());

    private static JsonNode body(String service, String subject, String text) {
        return Json.parseStored("{\"service_name\":\"" + service + "\",\"decision_type\":\"refund\","
                + (subject == null ? "" : "\"subject_id\":\"" + subject + "\",")
                + "\"input\":{\"q\":\"" + text + "\"},\"model\":{\"provider\":\"openai\",\"name\":\"gpt-4\"},"
                + "\"output\":{\"a\":\"" + text + "\"},\"metadata\":{\"latency_ms\":12}}");
    }

    private String record(String service, String subject, String text) {
        return decisions.record(T, body(service, subject, text), null).decision().decisionId();
    }

    private static JsonNode json(String s) {
        return Json.parseStored(s);
    }

    private boolean storedAnywhere(String marker) {
        for (var h : store.listChains(T)) {
            for (var it = store.readEntries(new ChainKey(T, h.chainId()), 1, h.sequence()); it.hasNext(); ) {
                Entry e = it.next();
                if (e.content() != null && e.content().contains(marker)) return true;
            }
        }
        for (var d : store.listDecisions(T, new dev.loopgrid.core.decision.DecisionQuery(null, null, null, null, null,
                1, 1000, null)).decisions()) {
            if (String.valueOf(d.content()).contains(marker) || String.valueOf(d.correction()).contains(marker)) return true;
        }
        return false;
    }

    private boolean valid() {
        return new IntegrityService(store, new ContentResolver(null)).verify(T, null).valid();
    }

    @Test
    void aSubjectsDecision_isSealedAtRest_readsBackAsRecorded_andVerifies() {
        String id = record("support", "user-1", MARKER);
        String plain = record("support", null, "in the clear");
        assertFalse(storedAnywhere(MARKER), "the plaintext is stored");
        DecisionRecord d = decisions.get(T, id);
        ObjectNode view = DecisionView.toJson(d);
        assertEquals(MARKER, view.at("/input/q").asText());
        assertEquals("user-1", view.get("subject_id").asText());
        assertEquals(EntryType.SEALED_DECISION, store.readEntry(new ChainKey(T, "support"), 1).orElseThrow().type());
        assertEquals(EntryType.DECISION, store.readEntry(new ChainKey(T, "support"), 2).orElseThrow().type());
        assertEquals("in the clear", DecisionView.toJson(decisions.get(T, plain)).at("/input/q").asText());
        assertTrue(valid());
    }

    @Test
    void aSealedRequestsIdempotencyKey_recognisesTheRetry_andRefusesAnotherBody() {
        var first = decisions.record(T, body("support", "user-2", "hello"), "k1");
        var again = decisions.record(T, body("support", "user-2", "hello"), "k1");
        assertFalse(again.created());
        assertEquals(first.decision().decisionId(), again.decision().decisionId());
        LedgerException.Conflict c = assertThrows(LedgerException.Conflict.class,
                () -> decisions.record(T, body("support", "user-2", "other"), "k1"));
        assertEquals("idempotency_key_reused", c.code());
    }

    @Test
    void badSubjectIds_andReservedServiceNames_areRefused() {
        assertThrows(LedgerException.Invalid.class, () -> record("support", "has space", "x"));
        assertThrows(LedgerException.Invalid.class, () -> record("loopgrid:lifecycle", null, "x"));
        DecisionService without = new DecisionService(store, store, ledger, clock, 180_000, null, 180_000);
        LedgerException.Invalid e = assertThrows(LedgerException.Invalid.class,
                () -> without.record(T, body("support", "user-1", "x"), null));
        assertTrue(e.errors().get(0).message().contains("no data-subject keys"), e.errors().toString());
        assertThrows(LedgerException.Malformed.class, () -> life.erasureStatus(T, "bad id"));
    }

    @Test
    void theFloorSchedules_aHoldBlocks_aLegalBasisOverrides_andTheErasureHoldsEverywhere() {
        String id = record("support", "user-3", MARKER);
        decisions.attachCorrection(T, id, json("{\"correction\":{\"a\":\"" + MARKER + " right\"},\"corrected_by\":\"rev\","
                + "\"notes\":\"" + MARKER + " note\"}"));
        assertFalse(storedAnywhere(MARKER), "the correction is stored in the clear");
        DecisionRecord corrected = decisions.get(T, id);
        assertTrue(corrected.correction().contains(MARKER + " right"));
        assertEquals(MARKER + " note", corrected.correctionNotes());

        LifecycleService.ErasureAnswer scheduled = life.erase(T, "user-3", json("{\"reason\":\"GDPR\"}"), "key:a");
        assertTrue(scheduled.scheduled());
        String runAt = scheduled.body().get("run_at").asText();
        assertTrue(runAt.startsWith("2027-06-02"), runAt); // 180 days and the touch margin after the last use
        assertEquals("scheduled", life.erasureStatus(T, "user-3").get("status").asText());
        // asking again does not schedule twice
        life.erase(T, "user-3", json("{\"reason\":\"GDPR\"}"), "key:a");

        Hold hold = life.placeHold(T, json("{\"scope\":\"decision\",\"target\":\"" + id + "\",\"reason\":\"dispute\"}"), "key:a");
        assertEquals("user-3", hold.subjectId());
        ObjectNode override = (ObjectNode) json("{\"reason\":\"GDPR\",\"legal_basis\":\"DPO\"}");
        LedgerException.Conflict held = assertThrows(LedgerException.Conflict.class, () -> life.erase(T, "user-3", override, "key:a"));
        assertEquals("legal_hold", held.code());
        assertTrue(held.detail().contains(hold.holdId()), held.detail());
        // a hold also stops the scheduled run
        clock.advance(Duration.ofDays(200));
        assertEquals(0, life.runDue(10));
        life.releaseHold(T, hold.holdId(), "settled", "key:a");
        assertThrows(LedgerException.NotFound.class, () -> life.releaseHold(T, hold.holdId(), null, "key:a"));

        // once released, the due erasure runs from the sweep
        assertEquals(1, life.runDue(10));
        ObjectNode status = life.erasureStatus(T, "user-3");
        assertEquals("erased", status.get("status").asText());
        assertFalse(status.get("complete").asBoolean());
        clock.advance(Duration.ofDays(36));
        assertTrue(life.erasureStatus(T, "user-3").get("complete").asBoolean(), "the backup window has passed");

        DecisionRecord erased = decisions.get(T, id);
        assertTrue(erased.erased());
        ObjectNode view = DecisionView.toJson(erased);
        assertTrue(view.get("erased").asBoolean());
        assertFalse(view.has("input"));
        assertTrue(view.at("/correction/output").isNull());
        assertNull(erased.correctionNotes());
        assertFalse(view.toString().contains(MARKER));
        assertEquals("decision_erased", assertThrows(LedgerException.Conflict.class, () -> decisions.attachCorrection(T, id,
                json("{\"correction\":{\"a\":1},\"corrected_by\":\"r\"}"))).code());
        assertEquals("subject_erased", assertThrows(LedgerException.Conflict.class,
                () -> record("support", "user-3", "again")).code());
        assertTrue(valid(), "the chain verifies after the erasure");
        // the lifecycle chain holds the story
        List<String> types = new ArrayList<>();
        var head = store.readHead(new ChainKey(T, LifecycleService.CHAIN)).orElseThrow();
        store.readEntries(new ChainKey(T, LifecycleService.CHAIN), 1, head.sequence()).forEachRemaining(e -> types.add(e.type().wire()));
        assertEquals(List.of("erasure_scheduled", "hold", "hold_release", "erasure"), types);
    }

    @Test
    void serviceHoldsBlockOnlySubjectsWithDecisionsThere_andBadHoldsAreRefused() {
        record("claims", "user-4", "x");
        record("billing", "user-5", "y");
        life.setRetention(T, json("{\"floor_days\":0}"), "key:a");
        assertEquals(0, life.retention(T).get("floor_days").asInt());
        Hold svc = life.placeHold(T, json("{\"scope\":\"service\",\"target\":\"claims\",\"reason\":\"audit\",\"case_ref\":\"C-1\"}"), "key:a");
        assertEquals("legal_hold", assertThrows(LedgerException.Conflict.class,
                () -> life.erase(T, "user-4", json("{\"request_ref\":\"DSR-1\"}"), "key:a")).code());
        assertEquals("erased", life.erase(T, "user-5", json("{\"request_ref\":\"DSR-2\"}"), "key:a").body().get("status").asText());
        assertEquals(1, life.holds(T).size());
        assertEquals("C-1", LifecycleService.holdJson(life.holds(T).get(0)).get("case_ref").asText());
        life.releaseHold(T, svc.holdId(), null, "key:a");

        assertThrows(LedgerException.Invalid.class, () -> life.placeHold(T, json("{\"scope\":\"planet\",\"target\":\"x\",\"reason\":\"r\"}"), "a"));
        assertThrows(LedgerException.Invalid.class, () -> life.placeHold(T, json("{\"scope\":\"subject\",\"target\":\"bad id\",\"reason\":\"r\"}"), "a"));
        assertThrows(LedgerException.Invalid.class, () -> life.placeHold(T, json("{\"target\":\"x\"}"), "a"));
        assertThrows(LedgerException.NotFound.class, () -> life.placeHold(T, json("{\"scope\":\"decision\",\"target\":\"dec_none\",\"reason\":\"r\"}"), "a"));
        assertThrows(LedgerException.Invalid.class, () -> life.erase(T, "user-4", json("{}"), "a"));
        assertThrows(LedgerException.Invalid.class, () -> life.erase(T, "user-4", json("{\"reason\":42}"), "a"));
        assertThrows(LedgerException.NotFound.class, () -> life.erase(T, "nobody", json("{\"reason\":\"r\"}"), "a"));
        assertThrows(LedgerException.Invalid.class, () -> life.setRetention(T, json("{\"floor_days\":-1}"), "a"));
        assertThrows(LedgerException.Invalid.class, () -> life.setRetention(T, json("{\"floor_days\":1.5}"), "a"));
        assertEquals("none", life.erasureStatus(T, "user-4").get("status").asText());
    }

    @Test
    void aHoldPlacedWhileAnErasureChecks_wins() {
        record("support", "user-6", "z");
        // a store whose first hold read misses a hold placed right then (the race the hold version closes)
        LifecycleService[] placing = new LifecycleService[1];
        LifecycleStore racing = new LifecycleStore() {
            private boolean raced;

            @Override
            public TenantState state(String tenant) { return lc.state(tenant); }

            @Override
            public List<Hold> holds(String tenant) {
                List<Hold> seen = lc.holds(tenant);
                if (!raced) {
                    raced = true;
                    placing[0].placeHold(tenant, json("{\"scope\":\"subject\",\"target\":\"user-6\",\"reason\":\"race\"}"), "b");
                }
                return seen;
            }

            @Override
            public List<ScheduledErasure> due(String now, int limit) { return lc.due(now, limit); }

            @Override
            public Optional<ScheduledErasure> scheduled(String tenant, String subjectId) { return lc.scheduled(tenant, subjectId); }
        };
        placing[0] = life;
        LifecycleService erasing = new LifecycleService(racing, keys, decisions, ledger, clock,
                LifecycleService.Settings.defaults());
        LedgerException.Conflict c = assertThrows(LedgerException.Conflict.class, () -> erasing.erase(T, "user-6",
                json("{\"reason\":\"r\",\"legal_basis\":\"b\"}"), "a"));
        assertEquals("legal_hold", c.code());
        assertFalse(lc.find(T, "user-6").orElseThrow().erased());
    }
}

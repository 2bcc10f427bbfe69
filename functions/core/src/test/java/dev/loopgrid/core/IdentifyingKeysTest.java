package dev.loopgrid.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.decision.DecisionService.BatchItem;
import dev.loopgrid.core.decision.DecisionService.Keys;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.LedgerException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Batch items whose idempotency key identifies the decision for good ({@link Keys#IDENTIFYING}, as OTLP spans are
 * recorded): the id derives from tenant and key, no claim is written, and a key never records twice, however late it
 * comes again; against {@link Keys#CLAIMED}, whose claim expires after a day.
 */
class IdentifyingKeysTest {
    private static final String TENANT = "t1";

    /** A clock the test moves. */
    private static final class MovableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-12-05T08:00:00Z");

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
        void advance(Duration d) { now = now.plus(d); }
    }

    private MovableClock clock;
    private InMemoryLedgerStore store;
    private DecisionService decisions;

    @BeforeEach
    void setUp() {
        clock = new MovableClock();
        store = new InMemoryLedgerStore(clock);
        decisions = new DecisionService(store, store, new Ledger(store, clock, Ledger.Policy.defaults(), null), clock,
                DecisionService.DEFAULT_MAX_CONTENT_BYTES, null, DecisionService.DEFAULT_MAX_CONTENT_BYTES);
    }

    static ObjectNode decision(String key, String answer) {
        ObjectNode d = Json.object().put("service_name", "svc").put("decision_type", "chat");
        d.putObject("input").put("question", "where is my order?");
        d.putObject("model").put("provider", "openai").put("name", "gpt-4o-mini");
        d.putObject("output").put("answer", answer);
        if (key != null) d.put("idempotency_key", key);
        return d;
    }

    static ObjectNode batch(ObjectNode... items) {
        ObjectNode b = Json.object();
        var list = b.putArray("decisions");
        for (ObjectNode i : items) list.add(i);
        return b;
    }

    private BatchItem one(ObjectNode item, Keys keys) {
        List<BatchItem> r = decisions.recordBatch(TENANT, batch(item), keys);
        assertEquals(1, r.size());
        return r.get(0);
    }

    @Test
    void theIdDerivesFromTenantAndKey_andNoClaimIsWritten() {
        BatchItem first = one(decision("otel-a-1", "shipped"), Keys.IDENTIFYING);
        assertNull(first.error());
        assertTrue(first.recorded().created());
        assertEquals(Ids.decision(TENANT, "otel-a-1"), first.recorded().decision().decisionId());
        assertTrue(store.findIdempotency(TENANT, "otel-a-1").isEmpty(), "no claim item");
        assertNotEquals(Ids.decision("t2", "otel-a-1"), Ids.decision(TENANT, "otel-a-1"), "tenants do not share ids");
        assertNotEquals(Ids.decision(TENANT, "otel-a-2"), Ids.decision(TENANT, "otel-a-1"));
        // length-prefixed: moving a character from tenant to key gives another id
        assertNotEquals(Ids.decision("t1o", "tel-a-1"), Ids.decision(TENANT, "otel-a-1"));
        assertTrue(first.recorded().decision().decisionId().matches("dec_[A-Za-z0-9_-]{22}"));
    }

    /**
     * The derivation is pinned (computed independently: Python's hashlib over the same bytes): were it to change, every
     * span recorded before would be recorded again when redelivered.
     */
    @Test
    void theDerivation_isPinned() {
        assertEquals("dec_OUuqQ92vNe8luHDFcZ2Qmg",
                Ids.decision("t1", "otel-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"));
    }

    @Test
    void aKeySentAgain_evenAMonthLater_isTheOriginal_whileAClaimedKeyExpiresAfterADay() {
        String id = one(decision("otel-b-1", "shipped"), Keys.IDENTIFYING).recorded().decision().decisionId();
        BatchItem claimed = one(decision("rest-b-1", "shipped"), Keys.CLAIMED);
        assertTrue(store.findIdempotency(TENANT, "rest-b-1").isPresent());

        clock.advance(Duration.ofDays(30));
        BatchItem again = one(decision("otel-b-1", "shipped"), Keys.IDENTIFYING);
        assertNull(again.error());
        assertFalse(again.recorded().created());
        assertEquals(id, again.recorded().decision().decisionId());
        assertTrue(again.recorded().decision().content().contains("shipped"));

        BatchItem claimedAgain = one(decision("rest-b-1", "shipped"), Keys.CLAIMED);
        assertTrue(claimedAgain.recorded().created(), "the REST contract: a claim lasts a day");
        assertNotEquals(claimed.recorded().decision().decisionId(), claimedAgain.recorded().decision().decisionId());
        assertEquals(3, decisions.list(TENANT, new dev.loopgrid.core.decision.DecisionQuery("svc", null, null, null, null, 1, 20, null)).total());
    }

    @Test
    void aKeySentAgainWithOtherContent_isAConflict_andTheOriginalStays() {
        String id = one(decision("otel-c-1", "shipped"), Keys.IDENTIFYING).recorded().decision().decisionId();
        BatchItem other = one(decision("otel-c-1", "refunded"), Keys.IDENTIFYING);
        assertNull(other.recorded());
        LedgerException.Conflict c = (LedgerException.Conflict) other.error();
        assertEquals("idempotency_key_reused", c.code());
        assertTrue(c.detail().contains(id), c.detail());
        assertTrue(store.findDecision(TENANT, id).orElseThrow().content().contains("shipped"));
    }

    @Test
    void oneKeyTwiceInOneBatch_recordsOnce_andAnswersBoth() {
        List<BatchItem> r = decisions.recordBatch(TENANT, batch(decision("otel-d-1", "shipped"),
                decision("otel-d-2", "shipped"), decision("otel-d-1", "shipped")), Keys.IDENTIFYING);
        assertTrue(r.get(0).recorded().created());
        assertTrue(r.get(1).recorded().created());
        assertFalse(r.get(2).recorded().created());
        assertEquals(r.get(0).recorded().decision().decisionId(), r.get(2).recorded().decision().decisionId());
        assertEquals(2, store.readHead(new dev.loopgrid.core.ledger.ChainKey(TENANT, "svc")).orElseThrow().sequence());
    }
}

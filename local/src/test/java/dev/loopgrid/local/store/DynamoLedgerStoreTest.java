package dev.loopgrid.local.store;

import dev.loopgrid.local.TestApps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.decision.DecisionPage;
import dev.loopgrid.core.decision.DecisionQuery;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.IntegrityService;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.Times;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * {@code DecisionService} + {@code Ledger} + {@code DynamoLedgerStore} against DynamoDB Local through the real
 * AWS SDK: record/get/flag/correct, lists with every filter and cursor paging, counters on the head,
 * idempotency, the content limit, and the exact requests (conditions, and how many) an append sends.
 */
class DynamoLedgerStoreTest extends StoreTestSupport {
    private static final Instant T0 = Instant.parse("2026-03-02T09:00:00.000Z");
    private static final String ENTRY_1 = "E#00000000000000000001";

    private String table;
    private MutableClock clock;
    private RequestLog log;
    private DynamoDbClient client;
    private App app;

    @BeforeEach
    void setUp() {
        table = freshTable();
        clock = new MutableClock(T0);
        log = new RequestLog();
        client = client(16, c -> c.addExecutionInterceptor(log));
        app = TestApps.create(client, config(table), clock);
    }

    @AfterEach
    void tearDown() {
        client.close();
    }

    // ---- record / get ----------------------------------------------------------------------------------

    /**
     * An exporter's retry of a whole batch whose ids its keys fix (OTLP): DynamoDB names every item whose condition
     * failed, so the batch is settled by one cancelled transaction per write it would have taken (not one per
     * decision, as when only the first refusal was used), and each decision is answered with its original.
     */
    @Test
    void aRedeliveredBatchOfIdentifiedDecisions_isSettledByOneCancelledTransactionPerWrite() {
        ObjectNode batch = Json.object();
        var items = batch.putArray("decisions");
        for (int i = 0; i < 40; i++) items.add(body("spans", "chat", "span " + i).put("idempotency_key", "otel-t-" + i));
        List<DecisionService.BatchItem> first = app.decisions.recordBatch(TENANT, batch, DecisionService.Keys.IDENTIFYING);
        long firstWrites = log.count("TransactWriteItems");
        log.clear();

        List<DecisionService.BatchItem> again = app.decisions.recordBatch(TENANT, batch, DecisionService.Keys.IDENTIFYING);
        for (int i = 0; i < 40; i++) {
            assertNull(again.get(i).error(), String.valueOf(again.get(i).error()));
            assertTrue(first.get(i).recorded().created());
            assertFalse(again.get(i).recorded().created());
            assertEquals(first.get(i).recorded().decision().decisionId(), again.get(i).recorded().decision().decisionId());
        }
        assertTrue(log.count("TransactWriteItems") <= firstWrites,
                "cancelled transactions " + log.count("TransactWriteItems") + ", writes of the first delivery " + firstWrites);
        assertEquals(40, app.decisions.list(TENANT, new dev.loopgrid.core.decision.DecisionQuery("spans", null, null,
                null, null, 1, 100, null)).total());
    }

    @Test
    void record_thenGet_returnsTheDecisionWithHashesRecomputableFromItsFields() {
        // given
        ObjectNode body = body("support", "refund", "a");

        // when
        DecisionService.Recorded r = app.decisions.record(TENANT, body, null);
        DecisionRecord got = app.decisions.get(TENANT, r.decision().decisionId());

        // then
        assertTrue(r.created());
        assertEquals(r.decision(), got);
        String id = got.decisionId();
        assertEquals("support", got.chainId());
        assertEquals("refund", got.decisionType());
        assertEquals(DecisionStatus.RECORDED, got.status());
        assertEquals(1, got.sequence());
        assertEquals(Times.format(T0), got.createdAt());
        assertEquals(EntryHasher.GENESIS, got.previousHash());
        JsonNode content = Json.parseStored(got.content());
        assertEquals(Canonical.canonicalize(body.get("input")), Canonical.canonicalize(content.get("input")));
        assertEquals(Canonical.canonicalize(body.get("output")), Canonical.canonicalize(content.get("output")));
        assertTrue(content.get("prompt").isNull(), "absent optional members are hashed as null");
        assertTrue(content.get("tool_calls").isNull());
        assertEquals(got.content(), Canonical.canonicalize(content), "stored as its canonical text");
        assertEquals(EntryHasher.contentHash(got.content()), got.contentHash());
        assertEquals(EntryHasher.chainHash("support", 1, "decision", id, id, got.createdAt(), got.contentHash(),
                EntryHasher.GENESIS), got.chainHash());
    }

    @Test
    void record_linksTheSecondDecisionToTheFirst() {
        // given
        DecisionRecord first = app.decisions.record(TENANT, body("support", "refund", "a"), null).decision();
        clock.advance(Duration.ofMillis(1));

        // when
        DecisionRecord second = app.decisions.record(TENANT, body("support", "refund", "b"), null).decision();

        // then
        assertEquals(2, second.sequence());
        assertEquals(first.chainHash(), second.previousHash());
        assertLinearChain(table, new ChainKey(TENANT, "support"), 2);
    }

    @Test
    void get_throwsNotFound_forAnUnknownDecision() {
        LedgerException.NotFound e = assertThrows(LedgerException.NotFound.class,
                () -> app.decisions.get(TENANT, "dec_doesNotExist0000000"));
        assertEquals("decision_not_found", e.code());
    }

    @Test
    void get_throwsNotFound_forADecisionOfAnotherTenant() {
        // given
        String id = app.decisions.record(TENANT, body("support", "refund", "a"), null).decision().decisionId();

        // when / then
        assertThrows(LedgerException.NotFound.class, () -> app.decisions.get("other-tenant", id));
    }

    // ---- flag / correct ----------------------------------------------------------------------------------

    @Test
    void flagThenCorrect_movesTheStatus_appendsTwoEntries_andMovesTheCounters() {
        // given
        String id = app.decisions.record(TENANT, body("support", "refund", "a"), null).decision().decisionId();

        // when
        clock.advance(Duration.ofSeconds(1));
        DecisionRecord flagged = app.decisions.markIncorrect(TENANT, id, Json.parse("{\"reason\":\"wrong amount\"}"));
        DecisionRecord flaggedRead = app.decisions.get(TENANT, id);
        clock.advance(Duration.ofSeconds(1));
        DecisionRecord corrected = app.decisions.attachCorrection(TENANT, id, Json.parse(
                "{\"correction\":{\"answer\":\"deny\",\"amount\":12.5},\"corrected_by\":\"alice\",\"notes\":\"policy 7\"}"));

        // then the projection
        assertEquals(DecisionStatus.INCORRECT, flagged.status());
        assertEquals("wrong amount", flagged.incorrectReason());
        assertEquals(Times.format(T0.plusSeconds(1)), flagged.incorrectAt());
        assertEquals(flagged, flaggedRead);
        assertEquals(DecisionStatus.CORRECTED, corrected.status());
        assertEquals("{\"amount\":12.5,\"answer\":\"deny\"}", corrected.correction());
        assertEquals("alice", corrected.correctedBy());
        assertEquals("policy 7", corrected.correctionNotes());
        assertEquals(Times.format(T0.plusSeconds(2)), corrected.correctedAt());
        assertEquals("wrong amount", corrected.incorrectReason(), "the flag stays visible after the correction");
        assertEquals(corrected, app.decisions.get(TENANT, id));

        // and the chain
        ChainKey chain = new ChainKey(TENANT, "support");
        List<Entry> entries = assertLinearChain(table, chain, 3);
        assertEquals(List.of(EntryType.DECISION, EntryType.FLAG, EntryType.CORRECTION),
                entries.stream().map(Entry::type).toList());
        assertTrue(entries.stream().allMatch(e -> e.decisionId().equals(id)));
        assertEquals("{\"decision_id\":\"" + id + "\",\"reason\":\"wrong amount\"}", entries.get(1).content());
        assertEquals(Times.format(T0.plusSeconds(2)), entries.get(2).recordedAt());

        // and the counters
        ChainHead head = cleanStore(table).readHead(chain).orElseThrow();
        assertEquals(3, head.counter(Counters.ENTRIES));
        assertEquals(1, head.counter(Counters.DECISIONS));
        assertEquals(1, head.counter(Counters.entriesOfType(EntryType.FLAG)));
        assertEquals(1, head.counter(Counters.entriesOfType(EntryType.CORRECTION)));
        assertEquals(0, head.counter(Counters.status(DecisionStatus.RECORDED)));
        assertEquals(0, head.counter(Counters.status(DecisionStatus.INCORRECT)));
        assertEquals(1, head.counter(Counters.status(DecisionStatus.CORRECTED)));
        assertEquals(1, head.counter(Counters.type("refund")));
        assertEquals(1, head.counter(Counters.typeStatus("refund", DecisionStatus.CORRECTED)));
        assertEquals(Times.format(T0), head.firstRecordedAt());
        assertEquals(Times.format(T0.plusSeconds(2)), head.lastRecordedAt());
    }

    @Test
    void markIncorrect_throwsNotFound_andAppendsNothing_forAnUnknownDecision() {
        // given
        app.decisions.record(TENANT, body("support", "refund", "a"), null);

        // when
        assertThrows(LedgerException.NotFound.class,
                () -> app.decisions.markIncorrect(TENANT, "dec_doesNotExist0000000", null));

        // then
        assertLinearChain(table, new ChainKey(TENANT, "support"), 1);
    }

    // ---- idempotency -----------------------------------------------------------------------------------

    @Test
    void record_withTheSameKeyAndBody_returnsTheOriginal_andAppendsNothing() {
        // given
        DecisionService.Recorded first = app.decisions.record(TENANT, body("support", "refund", "a"), "key-1");
        clock.advance(Duration.ofSeconds(5));

        // when the client retries, with the same members in another order
        ObjectNode reordered = Json.object();
        ObjectNode original = body("support", "refund", "a");
        List<String> names = new ArrayList<>();
        original.fieldNames().forEachRemaining(names::add);
        for (int i = names.size() - 1; i >= 0; i--) reordered.set(names.get(i), original.get(names.get(i)));
        DecisionService.Recorded again = app.decisions.record(TENANT, reordered, "key-1");

        // then
        assertTrue(first.created());
        assertFalse(again.created());
        assertEquals(first.decision(), again.decision());
        ChainKey chain = new ChainKey(TENANT, "support");
        assertLinearChain(table, chain, 1);
        assertEquals(1, cleanStore(table).readHead(chain).orElseThrow().counter(Counters.DECISIONS));
    }

    @Test
    void record_withTheSameKeyAndAnotherBody_throwsConflict_andAppendsNothing() {
        // given
        DecisionRecord first = app.decisions.record(TENANT, body("support", "refund", "a"), "key-1").decision();

        // when
        LedgerException.Conflict e = assertThrows(LedgerException.Conflict.class,
                () -> app.decisions.record(TENANT, body("support", "refund", "b"), "key-1"));

        // then
        assertEquals("idempotency_key_reused", e.code());
        assertTrue(e.detail().contains(first.decisionId()), e.detail());
        assertLinearChain(table, new ChainKey(TENANT, "support"), 1);
    }

    @Test
    void record_withTheSameKeyFromAnotherProcess_returnsTheOriginal() {
        // given a decision recorded by one process
        DecisionRecord first = app.decisions.record(TENANT, body("support", "refund", "a"), "key-1").decision();
        App other = TestApps.create(dynamo.client(), config(table), clock);

        // when another process (its own ledger, cold head) receives the retry
        DecisionService.Recorded again = other.decisions.record(TENANT, body("support", "refund", "a"), "key-1");

        // then
        assertFalse(again.created());
        assertEquals(first, again.decision());
        assertLinearChain(table, new ChainKey(TENANT, "support"), 1);
    }

    @Test
    void record_concurrentRetriesWithOneKey_storeOneDecision_andAllGetIt() throws Exception {
        // given eight copies of one request (same Idempotency-Key, same body) arriving at once in one process
        int copies = 8;
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<DecisionService.Recorded>> results = new ArrayList<>();
        for (int i = 0; i < copies; i++) {
            CompletableFuture<DecisionService.Recorded> f = new CompletableFuture<>();
            results.add(f);
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    f.complete(app.decisions.record(TENANT, body("support", "refund", "a"), "key-1"));
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
            t.setDaemon(true);
            t.start();
        }

        // when
        start.countDown();

        // then exactly one created it, and everyone got that one decision
        Set<String> ids = new LinkedHashSet<>();
        int created = 0;
        for (var f : results) {
            DecisionService.Recorded r = f.get(30, TimeUnit.SECONDS);
            ids.add(r.decision().decisionId());
            if (r.created()) created++;
        }
        assertEquals(1, ids.size(), "one decision for one key");
        assertEquals(1, created);
        assertLinearChain(table, new ChainKey(TENANT, "support"), 1);
    }

    // ---- content limit ---------------------------------------------------------------------------------

    @Test
    void record_throwsTooLarge_andSendsNothing_whenContentExceedsTheLimit() {
        // given
        ObjectNode body = body("support", "refund", "a");
        ((ObjectNode) body.get("input")).put("text", "x".repeat(DecisionService.DEFAULT_MAX_CONTENT_BYTES));

        // when
        LedgerException.TooLarge e = assertThrows(LedgerException.TooLarge.class,
                () -> app.decisions.record(TENANT, body, null));

        // then
        assertEquals("payload_too_large", e.code());
        assertEquals(0, log.size(), "rejected before any DynamoDB request");
        assertTrue(cleanStore(table).readHead(new ChainKey(TENANT, "support")).isEmpty());
    }

    @Test
    void record_acceptsContentOfExactlyTheLimit_andRejectsOneByteMore() {
        // given a process with a 2,000-byte limit and a body whose canonical content is exactly 2,000 bytes
        int limit = 2_000;
        App small = TestApps.create(client, new App.Config(table, TENANT, limit), clock);
        ObjectNode atLimit = body("support", "refund", "a");
        int size = canonicalContentBytes(atLimit);
        ((ObjectNode) atLimit.get("input")).put("pad", "y".repeat(limit - size - ",\"pad\":\"\"".length()));
        assertEquals(limit, canonicalContentBytes(atLimit), "fixture");
        ObjectNode overLimit = atLimit.deepCopy();
        ((ObjectNode) overLimit.get("input")).put("pad", atLimit.get("input").get("pad").textValue() + "y");

        // when / then
        assertTrue(small.decisions.record(TENANT, atLimit, null).created());
        assertThrows(LedgerException.TooLarge.class, () -> small.decisions.record(TENANT, overLimit, null));
        assertLinearChain(table, new ChainKey(TENANT, "support"), 1);
    }

    @Test
    void attachCorrection_thatWouldOverflowDynamoDbsItemLimit_isRefusedAtOnce_notRetriedInto503() {
        // given a decision near the content limit, flagged with a long non-ASCII reason
        ObjectNode big = body("support", "refund", "a");
        ((ObjectNode) big.get("input")).put("text", "x".repeat(179_000));
        String id = app.decisions.record(TENANT, big, null).decision().decisionId();
        app.decisions.markIncorrect(TENANT, id, Json.object().put("reason", "\u20ac".repeat(DecisionService.MAX_TEXT_LENGTH)));
        // and a correction that is within every single limit, but together with the projection's content, reason
        // and notes makes the projection item larger than DynamoDB's 400 KB
        ObjectNode correction = Json.object();
        correction.putObject("correction").put("text", "y".repeat(179_900));
        correction.put("corrected_by", "alice");
        correction.put("notes", "\u20ac".repeat(DecisionService.MAX_TEXT_LENGTH));
        log.clear();

        // when
        LedgerException.TooLarge e = assertThrows(LedgerException.TooLarge.class,
                () -> app.decisions.attachCorrection(TENANT, id, correction));

        // then it is refused as too large (413) before anything is sent: no "retry later" for a request that
        // can never succeed, and no write amplification
        assertTrue(e.detail().contains("must fit in"), e.detail());
        assertEquals(0, log.count("TransactWriteItems"), log.operations().toString());
        assertEquals(DecisionStatus.INCORRECT, app.decisions.get(TENANT, id).status());
        assertLinearChain(table, new ChainKey(TENANT, "support"), 2);
    }

    /** UTF-8 bytes of the canonical decision content that {@code body} yields (all eight members, absent as null). */
    private static int canonicalContentBytes(ObjectNode body) {
        ObjectNode c = Json.object();
        for (String f : new String[] {"service_name", "decision_type", "input", "model", "output", "prompt",
                                      "tool_calls", "metadata"}) {
            c.set(f, body.has(f) ? body.get(f) : c.nullNode());
        }
        return Canonical.canonicalize(c).getBytes(StandardCharsets.UTF_8).length;
    }

    // ---- the requests an append sends -----------------------------------------------------------------

    @Test
    void append_sendsOneConditionedTransaction_oneRequestWithWarmHead_twoCold() {
        ChainKey chain = new ChainKey(TENANT, "support");
        String pk = "CHAIN#" + TENANT + "#support";

        // when the chain's first decision is recorded (cold: the ledger has not read the head)
        DecisionRecord first = app.decisions.record(TENANT, body("support", "refund", "a"), null).decision();

        // then one head read, one read of each admitted-names item (the process's first admission on the chain), and
        // one transaction: create the head and the entry only if absent
        assertEquals(List.of("GetItem", "GetItem", "GetItem", "TransactWriteItems"), log.operations());
        List<TransactWriteItem> items = log.requests(TransactWriteItemsRequest.class).get(0).transactItems();
        assertEquals(10, items.size(), "head, chain registry, entry, projection, 4 counter items, 2 admissions");
        Put headPut = items.get(0).put();
        assertEquals(s(pk), headPut.item().get("pk"));
        assertEquals(s("HEAD"), headPut.item().get("sk"));
        assertEquals("attribute_not_exists(pk)", headPut.conditionExpression());
        assertEquals(ReturnValuesOnConditionCheckFailure.ALL_OLD, headPut.returnValuesOnConditionCheckFailure());
        assertEquals(s("TENANT#" + TENANT), items.get(1).put().item().get("pk"));
        assertEquals("attribute_not_exists(pk)", items.get(1).put().conditionExpression());
        assertEntryPut(items.get(2), pk + "#01", ENTRY_1); // entry n in partition n mod 16
        assertEquals(s("DEC#" + TENANT + "#" + first.decisionId()), items.get(3).put().item().get("pk"));
        assertEquals("attribute_not_exists(pk)", items.get(3).put().conditionExpression());
        // the counter items: ADD only, no condition, one per group the decision touches, sorted by sort key
        String cnt = "CNT#" + TENANT + "#support";
        List<String> counterSks = new ArrayList<>();
        for (TransactWriteItem w : items.subList(4, 8)) {
            // the totals under the chain's counter key, each other family under a key of its own
            String sk = w.update().key().get("sk").s();
            String family = sk.equals("TOTAL") ? null : sk.substring(0, sk.indexOf('#'));
            assertEquals(s(family == null ? cnt : "CNT#" + family + "#" + TENANT + "#support"), w.update().key().get("pk"));
            assertTrue(w.update().updateExpression().startsWith("ADD #c0 :c0"), w.update().updateExpression());
            assertNull(w.update().conditionExpression());
            counterSks.add(w.update().key().get("sk").s());
        }
        assertEquals(List.of("MODEL#openai/gpt-4o-mini", "TOTAL", "TYPE#refund",
                "WEEK#" + dev.loopgrid.core.decision.Counters.isoWeek(first.createdAt())), counterSks);
        // the admissions: the new names added to the sets on condition that no name is admitted yet
        Update types = items.get(8).update();
        assertEquals(Map.of("pk", s(cnt), "sk", s("NAMES#type")), types.key());
        assertEquals("ADD #names :new", types.updateExpression());
        assertEquals("attribute_not_exists(#names)", types.conditionExpression());
        assertEquals(Map.of("#names", "names"), types.expressionAttributeNames());
        assertEquals(AttributeValue.fromSs(List.of("refund")), types.expressionAttributeValues().get(":new"));
        assertEquals(ReturnValuesOnConditionCheckFailure.ALL_OLD, types.returnValuesOnConditionCheckFailure());
        assertEquals(s("NAMES#model"), items.get(9).update().key().get("sk"));
        assertEquals(AttributeValue.fromSs(List.of("openai/gpt-4o-mini")),
                items.get(9).update().expressionAttributeValues().get(":new"));

        // when a second decision is recorded (warm head)
        log.clear();
        clock.advance(Duration.ofMillis(1));
        app.decisions.record(TENANT, body("support", "refund", "b"), null);

        // then exactly one request: the head update conditioned on the sequence it follows
        assertEquals(List.of("TransactWriteItems"), log.operations());
        items = log.requests(TransactWriteItemsRequest.class).get(0).transactItems();
        assertEquals(7, items.size(), "head, entry, projection, 4 counter items (no admission: names known)");
        Update head = items.get(0).update();
        assertEquals(Map.of("pk", s(pk), "sk", s("HEAD")), head.key());
        assertEquals("#seq = :expected", head.conditionExpression());
        assertEquals("seq", head.expressionAttributeNames().get("#seq"));
        assertEquals(n(1), head.expressionAttributeValues().get(":expected"));
        assertEquals(n(2), head.expressionAttributeValues().get(":seq"));
        assertEquals(ReturnValuesOnConditionCheckFailure.ALL_OLD, head.returnValuesOnConditionCheckFailure());
        assertEquals("SET #seq = :seq, head_hash = :hash, last_at = :last", head.updateExpression(),
                "the head holds the position only");
        assertEntryPut(items.get(1), pk + "#02", "E#00000000000000000002");
        assertEquals("attribute_not_exists(pk)", items.get(2).put().conditionExpression());
        // one copy of the content, in the entry: the projection has its size and hash only
        Map<String, AttributeValue> entryItem = items.get(1).put().item();
        Map<String, AttributeValue> projectionItem = items.get(2).put().item();
        assertTrue(entryItem.get("content").s().length() > 20, entryItem.toString());
        assertNull(projectionItem.get("content"), projectionItem.toString());
        assertEquals(n(entryItem.get("content").s().getBytes(java.nio.charset.StandardCharsets.UTF_8).length),
                projectionItem.get("content_bytes"));
        assertEquals(entryItem.get("content_hash"), projectionItem.get("content_hash"));

        // when a decision with an Idempotency-Key is recorded
        log.clear();
        app.decisions.record(TENANT, body("support", "refund", "c"), "key-1");

        // then the claim is in the same transaction, conditioned on the key being free or expired
        assertEquals(List.of("TransactWriteItems"), log.operations());
        items = log.requests(TransactWriteItemsRequest.class).get(0).transactItems();
        assertEquals(8, items.size(), "head, entry, projection, idempotency claim, 4 counter items");
        assertEquals(n(2), items.get(0).update().expressionAttributeValues().get(":expected"));
        Put claim = items.get(3).put();
        assertEquals(s("IDEM#" + TENANT + "#key-1"), claim.item().get("pk"));
        assertEquals("attribute_not_exists(pk) OR expires_at < :now", claim.conditionExpression());
        assertEquals(n(clock.instant().getEpochSecond()), claim.expressionAttributeValues().get(":now"));

        // when the first decision is flagged
        log.clear();
        app.decisions.markIncorrect(TENANT, first.decisionId(), null);

        // then a projection read, the content from its entry (the answer shows the decision), and one transaction
        // whose projection update is conditioned on the status read
        assertEquals(List.of("GetItem", "BatchGetItem", "TransactWriteItems"), log.operations());
        items = log.requests(TransactWriteItemsRequest.class).get(0).transactItems();
        assertEquals(7, items.size(), "head, entry, projection, 4 counter items");
        assertEquals(n(3), items.get(0).update().expressionAttributeValues().get(":expected"));
        assertEntryPut(items.get(1), pk + "#04", "E#00000000000000000004");
        Update projection = items.get(2).update();
        assertEquals(s("DEC#" + TENANT + "#" + first.decisionId()), projection.key().get("pk"));
        assertEquals("#status = :expected_status", projection.conditionExpression());
        assertEquals("status", projection.expressionAttributeNames().get("#status"));
        assertEquals(s("recorded"), projection.expressionAttributeValues().get(":expected_status"));

        // when another process appends to the existing chain for the first time (cold)
        App second = TestApps.create(client, config(table), clock);
        log.clear();
        second.decisions.record(TENANT, body("support", "refund", "d"), null);

        // then the head read, one read of each admitted-names item (once per process and chain), one transaction
        assertEquals(List.of("GetItem", "GetItem", "GetItem", "TransactWriteItems"), log.operations());
        assertEquals(7, log.requests(TransactWriteItemsRequest.class).get(0).transactItems().size(),
                "no admission: the names read are admitted already");
        assertLinearChain(table, chain, 5);
    }

    @Test
    void append_afterLosingARaceToAnotherProcess_retriesOnTheHeadTheFailedConditionReturned() {
        // given process A (logged) and process B on one chain; A's cached head goes stale when B appends
        ChainKey chain = new ChainKey(TENANT, "support");
        app.decisions.record(TENANT, body("support", "refund", "a"), null);
        App b = TestApps.create(dynamo.client(), config(table), clock);
        b.decisions.record(TENANT, body("support", "refund", "b"), null);
        log.clear();

        // when A appends again
        DecisionRecord r = app.decisions.record(TENANT, body("support", "refund", "c"), null).decision();

        // then the cancelled transaction carried the current head (ALL_OLD), so the retry needed no read
        assertEquals(3, r.sequence());
        assertEquals(List.of("TransactWriteItems", "TransactWriteItems"), log.operations());
        List<TransactWriteItemsRequest> sent = log.requests(TransactWriteItemsRequest.class);
        assertEquals(n(1), sent.get(0).transactItems().get(0).update().expressionAttributeValues().get(":expected"));
        assertEquals(n(2), sent.get(1).transactItems().get(0).update().expressionAttributeValues().get(":expected"));
        assertLinearChain(table, chain, 3);
    }

    private static void assertEntryPut(TransactWriteItem item, String pk, String sk) {
        Put put = item.put();
        assertNotNull(put, "entry is a put");
        assertEquals(s(pk), put.item().get("pk"));
        assertEquals(s(sk), put.item().get("sk"));
        assertEquals("attribute_not_exists(pk)", put.conditionExpression());
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }

    // ---- lists ---------------------------------------------------------------------------------------------

    /** What the test knows about a decision it recorded. */
    private record Known(String id, String service, String type, DecisionStatus status, String createdAt) {
        String sortKey() {
            return createdAt + "#" + id;
        }
    }

    private static final String[] SERVICES = {"svc-a", "svc-b", "svc-c"};
    private static final String[] TYPES = {"refund", "route"};

    /**
     * 18 decisions over 3 services and 2 types, one second apart, some flagged and some corrected; then every
     * filter and combination is listed page by page (page size 4) through cursors and compared with what was
     * recorded: exact total on every page, newest first, every decision exactly once.
     */
    @TestFactory
    Stream<DynamicTest> list_filtersAndPagesExactly() {
        // given
        Map<String, Known> known = new TreeMap<>();
        for (int i = 0; i < 18; i++) {
            clock.set(T0.plusSeconds(i));
            String service = SERVICES[i % 3];
            String type = TYPES[(i / 3) % 2];
            DecisionRecord d = app.decisions.record(TENANT, body(service, type, "d" + i), null).decision();
            known.put(d.decisionId(), new Known(d.decisionId(), service, type, DecisionStatus.RECORDED, d.createdAt()));
        }
        List<Known> byTime = known.values().stream().sorted(Comparator.comparing(Known::createdAt)).toList();
        clock.set(T0.plusSeconds(100));
        for (int i = 0; i < byTime.size(); i++) {
            Known k = byTime.get(i);
            DecisionStatus status = k.status();
            if (i % 4 == 1) {
                app.decisions.markIncorrect(TENANT, k.id(), Json.parse("{\"reason\":\"r" + i + "\"}"));
                status = DecisionStatus.INCORRECT;
            }
            if (i % 5 == 2) {
                app.decisions.attachCorrection(TENANT, k.id(),
                        Json.parse("{\"correction\":{\"answer\":\"deny\"},\"corrected_by\":\"bob\"}"));
                status = DecisionStatus.CORRECTED;
            }
            known.put(k.id(), new Known(k.id(), k.service(), k.type(), status, k.createdAt()));
        }
        String since = Times.format(T0.plusSeconds(5));
        String until = Times.format(T0.plusSeconds(12));

        List<DynamicTest> tests = new ArrayList<>();
        for (String service : new String[] {null, "svc-b"}) {
            for (String type : new String[] {null, "route"}) {
                for (DecisionStatus status : new DecisionStatus[] {null, DecisionStatus.RECORDED, DecisionStatus.INCORRECT}) {
                    for (String[] range : new String[][] {{null, null}, {since, null}, {null, until}, {since, until}}) {
                        tests.add(listCase(known, service, type, status, range[0], range[1]));
                    }
                }
            }
        }
        tests.add(listCase(known, null, null, DecisionStatus.CORRECTED, null, null));
        tests.add(listCase(known, "svc-a", "refund", DecisionStatus.CORRECTED, null, null));
        tests.add(listCase(known, "no-such-service", null, null, null, null));
        tests.add(dynamicTest("page numbers give the same pages as cursors", () -> {
            DecisionQuery q1 = new DecisionQuery("svc-a", null, null, null, null, 1, 2, null);
            DecisionPage p1 = app.decisions.list(TENANT, q1);
            DecisionPage viaCursor = app.decisions.list(TENANT,
                    new DecisionQuery("svc-a", null, null, null, null, 1, 2, p1.nextCursor()));
            DecisionPage viaPage = app.decisions.list(TENANT, new DecisionQuery("svc-a", null, null, null, null, 2, 2, null));
            assertEquals(ids(viaCursor), ids(viaPage));
            assertEquals(viaCursor.total(), viaPage.total());
            assertEquals(2, ids(viaPage).size());
        }));
        tests.add(dynamicTest("a cursor of other filters is refused as invalid_cursor", () -> {
            DecisionPage p = app.decisions.list(TENANT, new DecisionQuery("svc-a", null, null, null, null, 1, 2, null));
            LedgerException.Malformed e = assertThrows(LedgerException.Malformed.class, () -> app.decisions.list(TENANT,
                    new DecisionQuery("svc-b", null, null, null, null, 1, 2, p.nextCursor())));
            assertEquals("invalid_cursor", e.code());
        }));
        tests.add(dynamicTest("counters on each head match what was recorded", () -> {
            for (String service : SERVICES) {
                ChainHead head = cleanStore(table).readHead(new ChainKey(TENANT, service)).orElseThrow();
                List<Known> mine = known.values().stream().filter(k -> k.service().equals(service)).toList();
                assertEquals(mine.size(), head.counter(Counters.DECISIONS), service);
                for (DecisionStatus s : DecisionStatus.values()) {
                    assertEquals(mine.stream().filter(k -> k.status() == s).count(), head.counter(Counters.status(s)),
                            service + " " + s);
                    for (String type : TYPES) {
                        assertEquals(mine.stream().filter(k -> k.status() == s && k.type().equals(type)).count(),
                                head.counter(Counters.typeStatus(type, s)), service + " " + type + " " + s);
                    }
                }
                for (String type : TYPES) {
                    assertEquals(mine.stream().filter(k -> k.type().equals(type)).count(), head.counter(Counters.type(type)));
                }
                assertEquals(head.sequence(), head.counter(Counters.ENTRIES), service);
                assertTrue(new IntegrityService(cleanStore(table), new dev.loopgrid.core.decision.ContentResolver(null)).verify(TENANT, service).valid());
            }
        }));
        return tests.stream();
    }

    private DynamicTest listCase(Map<String, Known> known, String service, String type, DecisionStatus status,
                                 String since, String until) {
        String name = "list service=" + service + " type=" + type + " status=" + (status == null ? null : status.wire())
                + " since=" + since + " until=" + until;
        return dynamicTest(name, () -> {
            Predicate<Known> match = k -> (service == null || k.service().equals(service))
                    && (type == null || k.type().equals(type))
                    && (status == null || k.status() == status)
                    && (since == null || k.createdAt().compareTo(since) >= 0)
                    && (until == null || k.createdAt().compareTo(until) <= 0);
            List<String> expected = known.values().stream().filter(match)
                    .sorted(Comparator.comparing(Known::sortKey).reversed()).map(Known::id).toList();
            int pageSize = 4;
            List<String> seen = new ArrayList<>();
            String cursor = null;
            for (int page = 1; ; page++) {
                assertTrue(page <= expected.size() / pageSize + 2, "paging does not end");
                DecisionPage p = app.decisions.list(TENANT,
                        new DecisionQuery(service, type, status, since, until, 1, pageSize, cursor));
                assertEquals(expected.size(), p.total(), "total on page " + page);
                for (DecisionRecord d : p.decisions()) {
                    Known k = known.get(d.decisionId());
                    assertNotNull(k, "unknown decision listed");
                    assertEquals(k.status(), d.status(), "status of " + d.decisionId());
                    seen.add(d.decisionId());
                }
                if (!p.hasMore()) {
                    assertNull(p.nextCursor());
                    break;
                }
                assertEquals(pageSize, p.decisions().size(), "a page before the last is full");
                assertNotNull(p.nextCursor());
                cursor = p.nextCursor();
            }
            Set<String> distinct = new LinkedHashSet<>(seen);
            assertEquals(seen.size(), distinct.size(), "a decision was listed twice: " + seen);
            assertEquals(expected, seen, "every matching decision exactly once, newest first");
        });
    }

    private static List<String> ids(DecisionPage p) {
        return p.decisions().stream().map(DecisionRecord::decisionId).toList();
    }
}

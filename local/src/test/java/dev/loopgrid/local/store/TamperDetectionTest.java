package dev.loopgrid.local.store;

import dev.loopgrid.local.TestApps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.App;
import dev.loopgrid.aws.store.LedgerKeys;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.IntegrityService;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.Times;
import dev.loopgrid.core.ledger.Verification;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Tampering done directly on the table through the SDK, one fixture per kind (named like {@code content@5}),
 * each of which verification must report as the right kind at the right entry.
 *
 * <p>The chain of service {@code audit} (14 entries):
 * <pre>
 *  1 d0   2 d1   3 d2   4 flag d1   5 d3   6 d4   7 correction d1
 *  8 d5   9 d6  10 flag d5  11 d7  12 d8  13 correction d3  14 d9
 * </pre>
 * plus a chain {@code other} of two decisions, so that verifying all chains is covered too.
 */
class TamperDetectionTest extends StoreTestSupport {
    private static final String SERVICE = "audit";
    private static final ChainKey CHAIN = new ChainKey(TENANT, SERVICE);
    private static final int LAST = 14;

    private String table;
    private DynamoDbClient raw;

    @BeforeEach
    void recordChain() {
        table = freshTable();
        raw = dynamo.client();
        MutableClock clock = new MutableClock(Instant.parse("2026-03-03T12:00:00.000Z"));
        App app = TestApps.create(raw, config(table), clock);
        String[] d = new String[10];
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(1));
            d[i] = app.decisions.record(TENANT, body(SERVICE, i % 2 == 0 ? "refund" : "route", "d" + i), null)
                    .decision().decisionId();
            clock.advance(Duration.ofSeconds(1));
            switch (i) {
                case 2 -> app.decisions.markIncorrect(TENANT, d[1], Json.parse("{\"reason\":\"wrong\"}"));
                case 4 -> app.decisions.attachCorrection(TENANT, d[1],
                        Json.parse("{\"correction\":{\"answer\":\"deny\"},\"corrected_by\":\"alice\"}"));
                case 6 -> app.decisions.markIncorrect(TENANT, d[5], null);
                case 8 -> app.decisions.attachCorrection(TENANT, d[3],
                        Json.parse("{\"correction\":{\"answer\":\"escalate\"},\"corrected_by\":\"bob\",\"notes\":\"n\"}"));
                default -> { }
            }
        }
        app.decisions.record(TENANT, body("other", "refund", "o1"), null);
        app.decisions.record(TENANT, body("other", "refund", "o2"), null);
        // the fixture as described above, and valid before any tampering
        assertEquals(List.of(EntryType.DECISION, EntryType.DECISION, EntryType.DECISION, EntryType.FLAG,
                        EntryType.DECISION, EntryType.DECISION, EntryType.CORRECTION, EntryType.DECISION,
                        EntryType.DECISION, EntryType.FLAG, EntryType.DECISION, EntryType.DECISION,
                        EntryType.CORRECTION, EntryType.DECISION),
                entries(table, CHAIN).stream().map(Entry::type).toList());
        assertTrue(verify().valid(), "the untampered fixture must verify");
    }

    @Test
    void untampered_verifiesEveryEntryOfEveryChain() {
        IntegrityService.Report chain = verify();
        IntegrityService.Report all = new IntegrityService(cleanStore(table), new dev.loopgrid.core.decision.ContentResolver(null)).verify(TENANT, null);

        assertTrue(chain.valid());
        assertEquals(LAST, chain.entries());
        assertEquals(10, chain.decisions());
        assertEquals(entry(LAST).chainHash(), chain.headHash());
        assertTrue(all.valid());
        assertEquals(LAST + 2, all.entries());
        assertEquals(2, all.chains());
    }

    @Test
    void content_at5_isContentChanged_at5() {
        // given the decision's stored output was edited
        Entry e = entry(5);
        set(5, "content", e.content().replace("\"approve\"", "\"deny\""));

        // when
        IntegrityService.Report r = verify();

        // then
        assertBroken(r, Verification.Kind.CONTENT_CHANGED, 5, e.id());
        assertEquals(e.id(), r.failure().brokenAt());
        assertTrue(r.message().contains(e.id()), r.message());
        // and verifying all chains names the same entry
        IntegrityService.Report all = new IntegrityService(cleanStore(table), new dev.loopgrid.core.decision.ContentResolver(null)).verify(TENANT, null);
        assertBroken(all, Verification.Kind.CONTENT_CHANGED, 5, e.id());
    }

    @Test
    void contentWithRecomputedContentHash_at5_isEnvelopeChanged_at5() {
        // given the content was edited and its content_hash recomputed, but not the chain hash
        Entry e = entry(5);
        String forged = e.content().replace("\"approve\"", "\"deny\"");
        set(5, "content", forged);
        set(5, "content_hash", EntryHasher.contentHash(forged));

        // then
        assertBroken(verify(), Verification.Kind.ENVELOPE_CHANGED, 5, e.id());
    }

    @Test
    void recordedAt_at8_isEnvelopeChanged_at8() {
        // given the time of entry 8 was moved by one millisecond
        Entry e = entry(8);
        set(8, "recorded_at", Times.format(Instant.parse(e.recordedAt()).plusMillis(1)));

        // then
        assertBroken(verify(), Verification.Kind.ENVELOPE_CHANGED, 8, e.id());
    }

    @Test
    void entryType_at4_isEnvelopeChanged_at4() {
        // given the flag at 4 was relabelled a correction
        Entry e = entry(4);
        set(4, "type", "correction");

        // then
        assertBroken(verify(), Verification.Kind.ENVELOPE_CHANGED, 4, e.id());
    }

    @Test
    void brokenLink_at6_rehashedOntoAnotherPredecessor_isLinkBroken_at6() {
        // given entry 6 was re-pointed at entry 4 (skipping 5) and its chain hash recomputed
        Entry e = entry(6);
        Entry relinked = Entry.link(e.chainId(), e.sequence(), e.type(), e.id(), e.decisionId(), e.recordedAt(),
                e.content(), e.contentHash(), entry(4).chainHash());
        set(6, "previous_hash", relinked.previousHash());
        set(6, "chain_hash", relinked.chainHash());

        // then
        assertBroken(verify(), Verification.Kind.LINK_BROKEN, 6, e.id());
    }

    @Test
    void rewrittenAndFullyRehashed_at6_isLinkBroken_at7() {
        // given entry 6 was rewritten with consistent hashes: it checks out on its own, its successor does not
        Entry e = entry(6);
        String forged = e.content().replace("\"approve\"", "\"deny\"");
        Entry rewritten = Entry.link(e.chainId(), e.sequence(), e.type(), e.id(), e.decisionId(), e.recordedAt(),
                forged, EntryHasher.contentHash(forged), e.previousHash());
        set(6, "content", rewritten.content());
        set(6, "content_hash", rewritten.contentHash());
        set(6, "chain_hash", rewritten.chainHash());

        // then the correction at 7 names the break
        Entry next = entry(7);
        IntegrityService.Report r = verify();
        assertBroken(r, Verification.Kind.LINK_BROKEN, 7, next.id());
        assertEquals(next.id(), r.failure().brokenAt(), "a correction entry is named by its own id");
    }

    @Test
    void missingEntry_at7_isSequenceGap_at8() {
        // given entry 7 was deleted
        delete(7);

        // then the entry after the gap is named, and the message says which sequence is missing
        Entry after = entry(8);
        IntegrityService.Report r = verify();
        assertBroken(r, Verification.Kind.SEQUENCE_GAP, 8, after.id());
        assertTrue(r.failure().message().contains("sequence 7 is missing"), r.failure().message());
    }

    @Test
    void duplicate_at5x_repeatingSequence5_isInserted_at5() {
        // given an extra item after entry 5 (key E#…05x) that claims sequence 5 again
        Map<String, AttributeValue> copy = new HashMap<>(item(5));
        copy.put("sk", AttributeValue.fromS(sk(5) + "x"));
        copy.put("id", AttributeValue.fromS("dec_insertedInsertedInser"));
        copy.put("decision_id", AttributeValue.fromS("dec_insertedInsertedInser"));
        raw.putItem(b -> b.tableName(table).item(copy));

        // then
        assertBroken(verify(), Verification.Kind.INSERTED, 5, "dec_insertedInsertedInser");
    }

    @Test
    void swapped_9and10_isReordered_at10() {
        // given the items of entries 9 and 10 swapped places (each keeps its own sequence attribute)
        Map<String, AttributeValue> nine = item(9);
        Map<String, AttributeValue> ten = item(10);
        Map<String, AttributeValue> newNine = new HashMap<>(ten);
        newNine.putAll(key(9));
        Map<String, AttributeValue> newTen = new HashMap<>(nine);
        newTen.putAll(key(10));
        raw.putItem(b -> b.tableName(table).item(newNine));
        raw.putItem(b -> b.tableName(table).item(newTen));

        // then the entry stored too early is named
        assertBroken(verify(), Verification.Kind.REORDERED, 10, ten.get("id").s());
    }

    @Test
    void truncated_lastEntryDeleted_isHeadMismatch_atTheHead() {
        // given the last entry was deleted and the head left as it was
        delete(LAST);

        // then
        IntegrityService.Report r = verify();
        assertBroken(r, Verification.Kind.HEAD_MISMATCH, LAST, null);
        assertEquals("head:" + SERVICE, r.failure().brokenAt());
        assertTrue(r.failure().message().contains("truncated"), r.failure().message());
    }

    @Test
    void headHash_changed_isHeadMismatch_atTheHead() {
        // given the head names another hash
        raw.updateItem(b -> b.tableName(table).key(LedgerKeys.head(CHAIN))
                .updateExpression("SET head_hash = :h")
                .expressionAttributeValues(Map.of(":h", AttributeValue.fromS(entry(LAST - 1).chainHash()))));

        // then
        assertBroken(verify(), Verification.Kind.HEAD_MISMATCH, LAST, null);
    }

    @Test
    void beyondHead_validlyLinkedEntry15_isInserted_at15() {
        // given a well-formed entry 15, linked and hashed correctly, put behind the head's back
        Entry extra = wellFormedEntry15();
        raw.putItem(b -> b.tableName(table).item(entryItem(extra, LAST + 1, sk(LAST + 1))));
        assertEquals(EntryHasher.chainHash(entry(LAST + 1)), entry(LAST + 1).chainHash(), "fixture is well-formed");

        // then
        assertBroken(verify(), Verification.Kind.INSERTED, LAST + 1, extra.id());
    }

    @Test
    void beyondHead_underAKeySortingAboveEveryBmpSuffix_isInserted_at15() {
        // given a well-formed entry 15 stored under E#…14 followed by a character outside the BMP (😀), which
        // sorts after E#…14\uffff in DynamoDB's UTF-8 byte order, and so escaped a range read bounded by '\uffff'
        Entry extra = wellFormedEntry15();
        Map<String, AttributeValue> item = entryItem(extra, LAST, sk(LAST) + "\uD83D\uDE00");
        raw.putItem(b -> b.tableName(table).item(item));

        // then
        IntegrityService.Report r = verify();
        assertFalse(r.valid(), "an entry beyond the head went unnoticed");
        assertEquals(Verification.Kind.INSERTED, r.failure().kind(), r.failure().message());
        assertEquals(LAST + 1, r.failure().sequence(), r.failure().message());
    }

    @Test
    void chainId_at5_fromAnotherChain_isInserted_at5() {
        // given entry 5 claims to belong to chain "other"
        Entry e = entry(5);
        set(5, "chain_id", "other");

        // then
        assertBroken(verify(), Verification.Kind.INSERTED, 5, e.id());
    }

    @Test
    void headDeleted_entriesLeft_isHeadMismatch() {
        // given the head item was deleted and the entries left
        raw.deleteItem(b -> b.tableName(table).key(LedgerKeys.head(CHAIN)));

        // then the entries without a head are reported, for the chain and for all chains
        IntegrityService.Report r = verify();
        assertFalse(r.valid(), "a deleted head went unnoticed: " + r.message());
        assertEquals(Verification.Kind.HEAD_MISMATCH, r.failure().kind(), r.failure().message());
        assertEquals(LAST, r.failure().sequence(), r.failure().message());
        IntegrityService.Report all = new IntegrityService(cleanStore(table), new dev.loopgrid.core.decision.ContentResolver(null)).verify(TENANT, null);
        assertFalse(all.valid(), "a deleted head went unnoticed when verifying all chains: " + all.message());
    }

    /** Entry 15, linked to 14 and hashed correctly: only its position beyond the head is wrong. */
    private Entry wellFormedEntry15() {
        Entry last = entry(LAST);
        String content = "{\"forged\":true}";
        return Entry.link(SERVICE, LAST + 1, EntryType.DECISION, "dec_beyondBeyondBeyondBey",
                "dec_beyondBeyondBeyondBey", last.recordedAt(), content, EntryHasher.contentHash(content),
                last.chainHash());
    }

    /** An entry item under {@code sk}, in the partition of sequence {@code partitionOf} (where a reader looks for it). */
    private static Map<String, AttributeValue> entryItem(Entry e, long partitionOf, String sk) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", LedgerKeys.entry(CHAIN, partitionOf).get("pk"));
        item.put("sk", AttributeValue.fromS(sk));
        item.put("chain_id", AttributeValue.fromS(e.chainId()));
        item.put("seq", AttributeValue.fromN(Long.toString(e.sequence())));
        item.put("type", AttributeValue.fromS(e.type().wire()));
        item.put("id", AttributeValue.fromS(e.id()));
        item.put("decision_id", AttributeValue.fromS(e.decisionId()));
        item.put("recorded_at", AttributeValue.fromS(e.recordedAt()));
        item.put("content", AttributeValue.fromS(e.content()));
        item.put("content_hash", AttributeValue.fromS(e.contentHash()));
        item.put("previous_hash", AttributeValue.fromS(e.previousHash()));
        item.put("chain_hash", AttributeValue.fromS(e.chainHash()));
        return item;
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private IntegrityService.Report verify() {
        return new IntegrityService(cleanStore(table), new dev.loopgrid.core.decision.ContentResolver(null)).verify(TENANT, SERVICE);
    }

    private static void assertBroken(IntegrityService.Report r, Verification.Kind kind, long sequence, String entryId) {
        assertFalse(r.valid(), "tampering went unnoticed");
        Verification.Failure f = r.failure();
        assertEquals(kind, f.kind(), f.message());
        assertEquals(SERVICE, f.chainId());
        assertEquals(sequence, f.sequence(), f.message());
        if (entryId == null) assertNull(f.entryId(), f.message());
        else assertEquals(entryId, f.entryId(), f.message());
        assertNull(r.headHash());
    }

    private Entry entry(long seq) {
        return cleanStore(table).readEntry(CHAIN, seq).orElseThrow();
    }

    private static String sk(long seq) {
        return String.format("E#%020d", seq);
    }

    private static Map<String, AttributeValue> key(long seq) {
        return LedgerKeys.entry(CHAIN, seq);
    }

    private Map<String, AttributeValue> item(long seq) {
        return raw.getItem(b -> b.tableName(table).key(key(seq)).consistentRead(true)).item();
    }

    private void set(long seq, String attribute, String value) {
        raw.updateItem(b -> b.tableName(table).key(key(seq))
                .updateExpression("SET #a = :v")
                .expressionAttributeNames(Map.of("#a", attribute))
                .expressionAttributeValues(Map.of(":v", AttributeValue.fromS(value))));
    }

    private void delete(long seq) {
        raw.deleteItem(b -> b.tableName(table).key(key(seq)));
    }
}

package dev.loopgrid.core;

import dev.loopgrid.core.decision.ContentStore;

import dev.loopgrid.core.decision.ContentResolver;
import dev.loopgrid.core.decision.DecisionPage;
import dev.loopgrid.core.decision.DecisionQuery;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.decision.DecisionView;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.ledger.Verification;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where a decision's content goes by its canonical size (inline, the content store, or 413), and what reads and
 * verification make of content objects that changed or went missing. Small limits keep the fixtures small; the
 * 5 MiB case runs end to end in the local module (LargeDecisionEndToEndTest).
 */
class LargeDecisionTest {
    private static final String TENANT = "t1";
    private static final int INLINE = 2_000;
    private static final int MAX = 10_000;
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T20:00:00Z"), ZoneOffset.UTC);

    private InMemoryLedgerStore raw;
    private InMemoryContentStore contents;
    private DecisionService decisions;
    private IntegrityService integrity;

    @BeforeEach
    void setUp() {
        raw = new InMemoryLedgerStore(CLOCK);
        contents = new InMemoryContentStore();
        decisions = new DecisionService(raw, raw, new Ledger(raw, CLOCK, Ledger.Policy.defaults(), null), CLOCK, INLINE, contents, MAX);
        integrity = new IntegrityService(raw, new ContentResolver(contents));
    }

    /** A valid body whose canonical content is exactly {@code bytes} long (padding in output.response). */
    static ObjectNode bodyOfCanonicalSize(String service, int bytes) {
        ObjectNode b = Json.object();
        b.put("service_name", service);
        b.put("decision_type", "reply");
        b.putObject("input").put("message", "é");
        b.putObject("model").put("provider", "openai").put("name", "gpt-4");
        b.putObject("output").put("response", "");
        int base = canonicalSize(b);
        ((ObjectNode) b.get("output")).put("response", "x".repeat(bytes - base));
        assertEquals(bytes, canonicalSize(b));
        return b;
    }

    static int canonicalSize(ObjectNode body) {
        return Canonical.canonicalize(DecisionService.decisionContent(body)).getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void atTheInlineLimit_contentStaysInTheEntry() {
        DecisionRecord d = decisions.record(TENANT, bodyOfCanonicalSize("svc", INLINE), null).decision();
        assertNull(d.contentKey());
        assertEquals(0, contents.size());
        Entry e = raw.readEntry(new ChainKey(TENANT, "svc"), 1).orElseThrow();
        assertNull(e.contentKey());
        assertEquals(INLINE, e.content().getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void oneByteOverTheInlineLimit_goesToTheContentStoreUnderItsHash_andTheEntryKeepsHashAndKey() {
        ObjectNode body = bodyOfCanonicalSize("svc", INLINE + 1);
        DecisionRecord d = decisions.record(TENANT, body, null).decision();
        String canonical = Canonical.canonicalize(DecisionService.decisionContent(body));
        assertEquals(ContentStore.key(TENANT, EntryHasher.contentHash(canonical)), d.contentKey());
        assertEquals(canonical, d.content(), "the response carries the content");
        assertArrayEquals(canonical.getBytes(StandardCharsets.UTF_8), contents.peek(d.contentKey()).orElseThrow());
        Entry e = raw.readEntry(new ChainKey(TENANT, "svc"), 1).orElseThrow();
        assertNull(e.content(), "no inline content");
        assertEquals(d.contentKey(), e.contentKey());
        assertEquals(d.contentHash(), e.contentHash());
        assertNull(raw.findDecision(TENANT, d.decisionId()).orElseThrow().content());
        // reads fetch and re-hash it
        assertEquals(canonical, decisions.get(TENANT, d.decisionId()).requireContent());
        assertEquals(canonical, decisions.list(TENANT, new DecisionQuery("svc", null, null, null, null, 1, 20, null))
                .decisions().get(0).requireContent());
        assertTrue(integrity.verify(TENANT, null).valid());
    }

    @Test
    void aboveTheLargestDecision_is413_namingBothSizes_andNothingIsStored() {
        LedgerException.TooLarge e = assertThrows(LedgerException.TooLarge.class,
                () -> decisions.record(TENANT, bodyOfCanonicalSize("svc", MAX + 1), null));
        assertEquals("payload_too_large", e.code());
        assertTrue(e.detail().contains((MAX + 1) + " bytes") && e.detail().contains("at most " + MAX + " bytes"), e.detail());
        assertEquals(0, contents.puts.get());
        assertTrue(raw.readHead(new ChainKey(TENANT, "svc")).isEmpty());
        assertNotNull(decisions.record(TENANT, bodyOfCanonicalSize("svc", MAX), null).decision().contentKey());
    }

    @Test
    void withoutAContentStore_theInlineLimitIsTheLimit_andThe413SaysWhy() {
        DecisionService inlineOnly = new DecisionService(raw, raw, new Ledger(raw, CLOCK, Ledger.Policy.defaults(), null), CLOCK, INLINE, null, INLINE);
        LedgerException.TooLarge e = assertThrows(LedgerException.TooLarge.class,
                () -> inlineOnly.record(TENANT, bodyOfCanonicalSize("svc", INLINE + 1), null));
        assertTrue(e.detail().contains("at most " + INLINE + " bytes") && e.detail().contains("LOOPGRID_CONTENT_BUCKET"),
                e.detail());
        assertEquals(INLINE, inlineOnly.maxDecisionBytes());
    }

    @Test
    void theContentStoreDown_is503_andNothingIsAppended() {
        contents.failing(true);
        LedgerException.Unavailable e = assertThrows(LedgerException.Unavailable.class,
                () -> decisions.record(TENANT, bodyOfCanonicalSize("svc", INLINE + 1), null));
        assertEquals("content_storage_unavailable", e.code());
        assertTrue(raw.readHead(new ChainKey(TENANT, "svc")).isEmpty());
    }

    @Test
    void anIdempotentRetryOfALargeDecision_uploadsNothing_andAnswersTheOriginal() {
        ObjectNode body = bodyOfCanonicalSize("svc", INLINE + 500);
        DecisionService.Recorded first = decisions.record(TENANT, body, "key-1");
        assertEquals(1, contents.puts.get());
        DecisionService.Recorded again = decisions.record(TENANT, body, "key-1");
        assertFalse(again.created());
        assertEquals(first.decision().decisionId(), again.decision().decisionId());
        assertEquals(first.decision().content(), again.decision().requireContent());
        assertEquals(1, contents.puts.get(), "no second upload");
        ObjectNode other = bodyOfCanonicalSize("svc", INLINE + 501);
        assertThrows(LedgerException.Conflict.class, () -> decisions.record(TENANT, other, "key-1"));
        assertEquals(1, contents.puts.get());
    }

    @Test
    void verdictsOnALargeDecision_doNotCountItsContentInTheProjection() {
        DecisionRecord d = decisions.record(TENANT, bodyOfCanonicalSize("svc", MAX), null).decision();
        // the content alone is larger than the projection item could hold inline; it lives in the content store
        DecisionService tight = new DecisionService(raw, raw, new Ledger(raw, CLOCK, Ledger.Policy.defaults(), null), CLOCK, INLINE, contents, MAX);
        DecisionRecord flagged = tight.markIncorrect(TENANT, d.decisionId(), Json.parse("{\"reason\":\"wrong\"}"));
        assertEquals(DecisionStatus.INCORRECT, flagged.status());
        DecisionRecord corrected = tight.attachCorrection(TENANT, d.decisionId(),
                Json.parse("{\"correction\":{\"response\":\"right\"},\"corrected_by\":\"agent\"}"));
        assertEquals(DecisionStatus.CORRECTED, corrected.status());
        assertEquals(d.content(), tight.get(TENANT, d.decisionId()).requireContent());
        assertTrue(integrity.verify(TENANT, "svc").valid());
    }

    @Test
    void aChangedContentObject_isNeverServed_andVerificationNamesTheEntry() {
        DecisionRecord before = decisions.record(TENANT, bodyOfCanonicalSize("svc", 3_000), null).decision();
        DecisionRecord d = decisions.record(TENANT, bodyOfCanonicalSize("svc", 4_000), null).decision();
        decisions.record(TENANT, bodyOfCanonicalSize("svc", 300), null);
        byte[] bytes = contents.peek(d.contentKey()).orElseThrow();
        bytes[bytes.length - 10] = 'y'; // one byte of the padding
        contents.overwrite(d.contentKey(), bytes);

        LedgerException.IntegrityBroken e = assertThrows(LedgerException.IntegrityBroken.class,
                () -> DecisionView.toJson(decisions.get(TENANT, d.decisionId())));
        assertEquals("content_integrity_failed", e.code());
        assertTrue(e.detail().contains(d.decisionId()) && e.detail().contains("no longer matches"), e.detail());
        DecisionPage page = decisions.list(TENANT, new DecisionQuery("svc", null, null, null, null, 1, 20, null));
        DecisionRecord listed = page.decisions().stream().filter(x -> x.decisionId().equals(d.decisionId())).findFirst()
                .orElseThrow();
        assertNull(listed.content(), "a list never carries the altered text either");
        assertThrows(LedgerException.IntegrityBroken.class, () -> DecisionView.toJson(listed));
        assertEquals(before.content(), decisions.get(TENANT, before.decisionId()).requireContent(), "others still read");

        IntegrityService.Report r = integrity.verify(TENANT, null);
        assertFalse(r.valid());
        assertEquals(Verification.Kind.CONTENT_CHANGED, r.failure().kind());
        assertEquals(d.decisionId(), r.failure().brokenAt());
        assertEquals(2, r.failure().sequence());
        assertTrue(r.message().contains(d.contentKey()) && r.message().contains("no longer matches its content_hash"),
                r.message());
    }

    @Test
    void aMissingContentObject_isReportedAsContentChanged_andReadsFailLoudly() {
        DecisionRecord d = decisions.record(TENANT, bodyOfCanonicalSize("svc", 4_000), null).decision();
        contents.delete(d.contentKey());
        LedgerException.IntegrityBroken e = assertThrows(LedgerException.IntegrityBroken.class,
                () -> decisions.get(TENANT, d.decisionId()).requireContent());
        assertTrue(e.detail().contains("is missing"), e.detail());
        IntegrityService.Report r = integrity.verify(TENANT, "svc");
        assertEquals(Verification.Kind.CONTENT_CHANGED, r.failure().kind());
        assertEquals(d.decisionId(), r.failure().brokenAt());
        assertTrue(r.message().contains("is missing"), r.message());
    }

    @Test
    void contentObjectBytesThatAreNotUtf8_areReportedToo_evenWhereALenientDecoderWouldRestoreTheText() {
        // U+FFFD is EF BF BD; F0 BF BD is a truncated 4-byte sequence that a lenient decoder also turns into one U+FFFD
        ObjectNode body = bodyOfCanonicalSize("svc", 3_000);
        ((ObjectNode) body.get("output")).put("response", "\uFFFD" + body.get("output").get("response").textValue().substring(3));
        DecisionRecord d = decisions.record(TENANT, body, null).decision();
        byte[] bytes = contents.peek(d.contentKey()).orElseThrow();
        String text = new String(bytes, StandardCharsets.UTF_8);
        int at = text.substring(0, text.indexOf('\uFFFD')).getBytes(StandardCharsets.UTF_8).length;
        assertEquals((byte) 0xEF, bytes[at]);
        bytes[at] = (byte) 0xF0;
        assertEquals(text, new String(bytes, StandardCharsets.UTF_8), "leniently decoded, the change disappears");
        contents.overwrite(d.contentKey(), bytes);
        assertThrows(LedgerException.IntegrityBroken.class, () -> decisions.get(TENANT, d.decisionId()).requireContent());
        IntegrityService.Report r = integrity.verify(TENANT, "svc");
        assertEquals(Verification.Kind.CONTENT_CHANGED, r.failure().kind());
        assertEquals(d.decisionId(), r.failure().brokenAt());
    }

    @Test
    void theContentStoreDown_isUnavailable_forReadsAndVerification_notTampering() {
        DecisionRecord d = decisions.record(TENANT, bodyOfCanonicalSize("svc", 4_000), null).decision();
        contents.failing(true);
        assertThrows(StoreException.Unavailable.class, () -> decisions.get(TENANT, d.decisionId()));
        assertThrows(StoreException.Unavailable.class, () -> integrity.verify(TENANT, "svc"));
        LedgerException.Unavailable u = assertThrows(LedgerException.Unavailable.class,
                () -> new IntegrityService(raw, new ContentResolver(null)).verify(TENANT, "svc"));
        assertEquals("content_storage_not_configured", u.code());
    }

    @Test
    void listsOfLargeDecisions_areCutByBytes_andEveryDecisionIsReachedThroughTheCursor() {
        DecisionService big = new DecisionService(raw, raw, new Ledger(raw, CLOCK, Ledger.Policy.defaults(), null), CLOCK, INLINE, contents,
                DecisionService.DEFAULT_MAX_DECISION_BYTES);
        for (int i = 0; i < 3; i++) big.record(TENANT, bodyOfCanonicalSize("svc", 2_500_000 + i), null);
        big.record(TENANT, bodyOfCanonicalSize("svc", 300), null);
        int seen = 0;
        int pages = 0;
        String cursor = null;
        do {
            DecisionPage p = big.list(TENANT, new DecisionQuery("svc", null, null, null, null, 1, 100, cursor));
            long bytes = p.decisions().stream().mapToLong(x -> x.requireContent().length()).sum();
            assertTrue(p.decisions().size() == 1 || bytes <= DecisionQuery.PAGE_BYTES, bytes + " bytes in one page");
            seen += p.decisions().size();
            pages++;
            cursor = p.hasMore() ? p.nextCursor() : null;
        } while (cursor != null);
        assertEquals(4, seen);
        assertTrue(pages >= 2, "pages: " + pages);
    }
}

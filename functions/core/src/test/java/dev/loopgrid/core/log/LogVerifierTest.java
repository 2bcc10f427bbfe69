package dev.loopgrid.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.InMemoryLedgerStore;
import dev.loopgrid.core.IntegrityService;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.decision.ContentResolver;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.Verification;
import dev.loopgrid.verify.NoteSigner;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An insider with write access to the table — but not to the signing key or the checkpoints — cannot make the
 * ledger say something else and have verification agree: the chain can be re-hashed consistently, the signed log
 * cannot.
 */
class LogVerifierTest {
    private static final String TENANT = "t1";
    private static final ChainKey SVC = new ChainKey(TENANT, "svc");
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-04T10:00:00Z"), ZoneOffset.UTC);
    private final LogConfig config = new LogConfig("log.test/loopgrid", 0, 64);
    private InMemoryLedgerStore store;
    private InMemoryLog log;
    private NoteSigner signer;
    private Integrator integrator;
    private DecisionService decisions;
    private IntegrityService integrity;

    @BeforeEach
    void setUp() throws Exception {
        store = new InMemoryLedgerStore(clock);
        log = new InMemoryLog();
        byte[] seed = new byte[32];
        seed[3] = 9;
        signer = NoteSigner.ed25519(config.originPrefix(), seed);
        integrator = new Integrator(store, log, log, log, signer, config, clock);
        Ledger ledger = new Ledger(store, clock, Ledger.Policy.defaults(), new Ledger.Listener() {
            @Override
            public void appended(ChainKey chain, List<Entry> entries) {
                integrator.offer(chain, entries);
            }
        });
        decisions = new DecisionService(store, store, ledger, clock, 180_000, null, 180_000);
        LogVerifier verifier = new LogVerifier(store, log, log, log, signer.verifier(), config);
        integrity = new IntegrityService(store, new ContentResolver(null), null, null, () -> verifier);
    }

    private List<DecisionRecord> recordFive() {
        List<DecisionRecord> out = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            ObjectNode b = Json.object();
            b.put("service_name", "svc");
            b.put("decision_type", "refund");
            b.putObject("input").put("order", i);
            b.putObject("model").put("provider", "openai").put("name", "gpt-4");
            b.putObject("output").put("answer", "refund denied");
            out.add(decisions.record(TENANT, b, null).decision());
        }
        integrator.pass(TENANT, false);
        return out;
    }

    /** Rewrites entry {@code at}'s output and re-hashes it and every later entry and the head, as an insider would. */
    private void rewriteAndRehash(long at, String newAnswer) {
        List<Entry> es = new ArrayList<>();
        for (Iterator<Entry> it = store.readEntries(SVC, 1, Long.MAX_VALUE - 1); it.hasNext(); ) es.add(it.next());
        String prev = at == 1 ? EntryHasher.GENESIS : es.get((int) at - 2).chainHash();
        for (Entry e : es) {
            if (e.sequence() < at) continue;
            String content = e.content();
            String contentHash = e.contentHash();
            if (e.sequence() == at) {
                ObjectNode c = (ObjectNode) Json.parseStored(content);
                ((ObjectNode) c.get("output")).put("answer", newAnswer);
                content = Canonical.canonicalize(c);
                contentHash = EntryHasher.contentHash(content);
            }
            Entry rewritten = Entry.link(e.chainId(), e.sequence(), e.type(), e.id(), e.decisionId(), e.recordedAt(), content,
                    contentHash, prev, null);
            store.tamper(SVC, e.sequence(), old -> rewritten);
            prev = rewritten.chainHash();
        }
        ChainHead h = store.readHead(SVC).orElseThrow();
        store.setHead(SVC, new ChainHead(h.chainId(), h.sequence(), prev, h.counters(), h.firstRecordedAt(), h.lastRecordedAt()));
    }

    @Test
    void anHonestLedger_verifies_againstEveryCheckpoint() {
        recordFive();
        IntegrityService.Report r = integrity.verify(TENANT, null);
        assertTrue(r.valid(), r.message());
        assertEquals(5, r.log().verifiedSize());
        assertEquals(1, r.log().checkpoints());
    }

    @Test
    void theInsiderRewrite_passesTheChainCheck_butNotTheSignedLog_andNamesTheEntry() {
        List<DecisionRecord> d = recordFive();
        IntegrityService chainsOnly = new IntegrityService(store, new ContentResolver(null));

        rewriteAndRehash(2, "refund approved");

        assertTrue(chainsOnly.verify(TENANT, null).valid(), "the re-hashed chain is consistent in itself");
        IntegrityService.Report r = integrity.verify(TENANT, null);
        assertFalse(r.valid());
        assertEquals(Verification.Kind.CHANGED_AFTER_SIGNING, r.failure().kind());
        assertEquals(2, r.failure().sequence());
        assertEquals(d.get(1).decisionId(), r.failure().entryId());
        assertTrue(r.message().contains("changed after it was signed into the log"), r.message());
    }

    @Test
    void theRewrite_isFound_evenWhenTheTilesAreGoneToo_byTheCheckpointItBreaks() {
        recordFive();
        rewriteAndRehash(4, "refund approved");
        log.objects.clear(); // no tiles to name the leaf with

        IntegrityService.Report r = integrity.verify(TENANT, null);

        assertFalse(r.valid());
        assertEquals(Verification.Kind.SIGNED_ROOT_MISMATCH, r.failure().kind());
        assertTrue(r.message().contains("size 5"), r.message());
    }

    @Test
    void aConsistentTruncation_isFound() {
        recordFive();
        store.truncate(SVC, 3);
        assertTrue(new IntegrityService(store, new ContentResolver(null)).verify(TENANT, null).valid());

        IntegrityService.Report r = integrity.verify(TENANT, null);

        assertFalse(r.valid());
        assertEquals(Verification.Kind.SIGNED_ENTRY_MISSING, r.failure().kind());
        assertEquals(4, r.failure().sequence());
    }

    @Test
    void aReplacedCheckpointObject_orOneSignedByAnotherKey_isFound() throws Exception {
        recordFive();
        NoteSigner other = NoteSigner.ed25519(config.originPrefix(), new byte[32]);
        byte[] forged = new dev.loopgrid.verify.Checkpoint(config.origin(TENANT), 5, new byte[32]).sign(other).format()
                .getBytes(StandardCharsets.UTF_8);
        log.signed.get(TENANT).put(5L, forged);

        IntegrityService.Report r = integrity.verify(TENANT, null);

        assertFalse(r.valid());
        assertEquals(Verification.Kind.CHECKPOINT_FORGED, r.failure().kind());
    }

    @Test
    void aLogCutBelowItsCheckpoint_isTruncation() {
        recordFive();
        log.dropBatchesFrom(TENANT, 0);

        IntegrityService.Report r = integrity.verify(TENANT, null);

        assertFalse(r.valid());
        assertEquals(Verification.Kind.LOG_TRUNCATED, r.failure().kind());
    }
}

package dev.loopgrid.core.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.InMemoryLedgerStore;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.verify.Checkpoint;
import dev.loopgrid.verify.EntryBundle;
import dev.loopgrid.verify.EntryEnvelope;
import dev.loopgrid.verify.HashSource;
import dev.loopgrid.verify.Merkle;
import dev.loopgrid.verify.NoteSigner;
import dev.loopgrid.verify.NoteVerifier;
import dev.loopgrid.verify.Tile;
import dev.loopgrid.verify.TlogProof;
import dev.loopgrid.verify.VerificationException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The integrator and the log's reads over in-memory stores: every entry gets a receipt that verifies offline with the
 * public key alone, tiles and bundles rebuild the signed root, checkpoints are consistent, and what was not appended
 * honestly is not integrated.
 */
class IntegratorTest {
    private static final String TENANT = "t1";
    private static final byte[] SEED = new byte[32];
    private final AtomicLong now = new AtomicLong(Instant.parse("2026-12-04T10:00:00Z").toEpochMilli());
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now.get());
        }
    };
    private InMemoryLedgerStore ledgerStore;
    private InMemoryLog log;
    private NoteSigner signer;
    private Integrator integrator;
    private LogService service;
    private DecisionService decisions;
    private final LogConfig config = new LogConfig("log.test/loopgrid", 0, 64);

    @BeforeEach
    void setUp() throws Exception {
        SEED[0] = 7;
        ledgerStore = new InMemoryLedgerStore(clock);
        log = new InMemoryLog();
        signer = NoteSigner.ed25519(config.originPrefix(), SEED);
        integrator = new Integrator(ledgerStore, log, log, log, signer, config, clock);
        Ledger ledger = new Ledger(ledgerStore, clock, Ledger.Policy.defaults(), new Ledger.Listener() {
            @Override
            public void appended(ChainKey chain, List<Entry> entries) {
                integrator.offer(chain, entries);
            }
        });
        decisions = new DecisionService(ledgerStore, ledgerStore, ledger, clock, 180_000, null, 180_000);
        service = new LogService(ledgerStore, log, log, log, signer.verifier(), config, clock);
    }

    private DecisionRecord record(String service, int i) {
        ObjectNode b = Json.object();
        b.put("service_name", service);
        b.put("decision_type", "refund");
        b.putObject("input").put("n", i);
        b.putObject("model").put("provider", "openai").put("name", "gpt-4");
        b.putObject("output").put("answer", "ok " + i);
        now.addAndGet(7);
        return decisions.record(TENANT, b, null).decision();
    }

    private ObjectNode receipt(String chain, long seq) {
        LogService.ReceiptResult r = service.receipt(TENANT, chain, seq, 0);
        return assertInstanceOf(LogService.ReceiptResult.Ready.class, r).receipt();
    }

    /** What an offline verifier does with a receipt: envelope → chain hash and leaf, proof → signed root. */
    static Checkpoint verifyOffline(JsonNode receipt, NoteVerifier key, String origin) throws VerificationException {
        JsonNode e = receipt.get("entry");
        EntryEnvelope env = new EntryEnvelope(e.get("chain_id").asText(), e.get("sequence").asLong(), e.get("type").asText(),
                e.get("id").asText(), e.get("decision_id").asText(), e.get("recorded_at").asText(),
                e.get("content_hash").asText(), e.get("previous_hash").asText());
        if (!env.chainHash().equals(e.get("chain_hash").asText())) {
            throw new VerificationException(VerificationException.Reason.ENTRY_MISMATCH, "chain_hash");
        }
        TlogProof p = TlogProof.parse(receipt.get("tlog_proof").asText());
        if (p.extra() != null) throw new VerificationException(VerificationException.Reason.ENTRY_MISMATCH,
                "the served proof carries the leaf data again (extra): the fields are the leaf");
        return p.verify(Merkle.leafHash(env.bytes()), origin, key);
    }

    @Test
    void everyEntry_getsAReceipt_thatVerifiesWithThePublicKeyAlone() throws Exception {
        List<DecisionRecord> recorded = new ArrayList<>();
        for (int i = 0; i < 300; i++) recorded.add(record("svc-" + (i % 3), i));
        decisions.markIncorrect(TENANT, recorded.get(5).decisionId(), null);

        Integrator.Pass pass = integrator.pass(TENANT, false);

        assertEquals(301, pass.integrated());
        assertEquals(301, pass.checkpointSize());
        NoteVerifier key = NoteVerifier.parse(service.verifierKey());
        for (DecisionRecord d : recorded) {
            ObjectNode r = receipt(d.chainId(), d.sequence());
            Checkpoint cp = verifyOffline(r, key, config.origin(TENANT));
            assertEquals(301, cp.size());
            assertEquals(d.chainHash(), r.get("entry").get("chain_hash").asText());
            assertTrue(r.toString().length() < 2048, "a receipt fits in 2 KB: " + r.toString().length());
        }
        ObjectNode flag = receipt("svc-2", 101); // 100 decisions of svc-2, then the flag
        assertEquals("flag", flag.get("entry").get("type").asText());
        verifyOffline(flag, key, config.origin(TENANT));
    }

    @Test
    void aReceipt_forAnotherEntry_orUnderAnotherKey_doesNotVerify() throws Exception {
        for (int i = 0; i < 20; i++) record("svc", i);
        integrator.pass(TENANT, false);
        ObjectNode r = receipt("svc", 3);
        ObjectNode other = receipt("svc", 4);
        r.set("entry", other.get("entry")); // another entry's fields with this entry's proof
        NoteVerifier key = NoteVerifier.parse(service.verifierKey());
        assertThrows(VerificationException.class, () -> verifyOffline(r, key, config.origin(TENANT)));
        NoteVerifier otherKey = NoteSigner.ed25519(config.originPrefix(), new byte[32]).verifier();
        VerificationException e = assertThrows(VerificationException.class,
                () -> verifyOffline(receipt("svc", 3), otherKey, config.origin(TENANT)));
        assertTrue(e.reason() == VerificationException.Reason.UNKNOWN_KEY || e.reason() == VerificationException.Reason.BAD_SIGNATURE,
                e.reason().toString());
    }

    @Test
    void tilesAndBundles_writtenPassByPass_equalTheTreeBuiltAtOnce_andRebuildTheSignedRoot() throws Exception {
        List<byte[]> leaves = new ArrayList<>();
        for (int round = 0; round < 9; round++) {
            for (int i = 0; i < 37 + round * 61; i++) record("svc-" + (i % 2), i);
            integrator.pass(TENANT, false);
        }
        long size = log.state(TENANT).size();
        Checkpoint cp = Checkpoint.open(new String(service.latestCheckpoint(TENANT).orElseThrow(), StandardCharsets.UTF_8),
                config.origin(TENANT), signer.verifier());
        assertEquals(size, cp.size());
        for (Tile t : Tile.all(size)) {
            if (t.level() != 0) continue;
            for (byte[] d : EntryBundle.decode(service.tile(TENANT, t.entriesPath()).orElseThrow())) leaves.add(Merkle.leafHash(d));
        }
        assertEquals(size, leaves.size());
        assertArrayEquals(cp.rootHash(), Merkle.root(leaves), "the entry bundles rebuild the signed root");
        HashSource fromScratch = HashSource.ofLeafHashes(leaves);
        for (Tile t : Tile.all(size)) {
            assertArrayEquals(t.content(fromScratch), service.tile(TENANT, t.path()).orElseThrow(), t.path());
        }
    }

    @Test
    void consistencyProofs_linkEveryPairOfCheckpoints() throws Exception {
        List<Checkpoint> cps = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 50 + round; i++) record("svc", i);
            integrator.pass(TENANT, false);
            cps.add(Checkpoint.open(new String(service.latestCheckpoint(TENANT).orElseThrow(), StandardCharsets.UTF_8),
                    config.origin(TENANT), signer.verifier()));
        }
        for (int a = 0; a < cps.size(); a++) {
            for (int b = a; b < cps.size(); b++) {
                JsonNode p = service.consistency(TENANT, cps.get(a).size(), cps.get(b).size());
                List<byte[]> proof = new ArrayList<>();
                p.get("proof").forEach(h -> proof.add(Base64.getDecoder().decode(h.asText())));
                Merkle.verifyConsistency(cps.get(a).size(), cps.get(b).size(), proof, cps.get(a).rootHash(), cps.get(b).rootHash());
            }
        }
        assertThrows(LedgerException.Malformed.class, () -> service.consistency(TENANT, 5, cps.get(4).size() + 1));
        assertThrows(LedgerException.Malformed.class, () -> service.consistency(TENANT, 0, 5));
        assertThrows(LedgerException.Malformed.class, () -> service.consistency(TENANT, 9, 5));
    }

    @Test
    void entriesNeverOffered_areIntegratedByCatchUp_andNothingTwice() {
        Integrator blind = new Integrator(ledgerStore, log, log, log, signer, config, clock);
        for (int i = 0; i < 120; i++) record("svc-" + (i % 4), i);
        integrator.offer(new ChainKey(TENANT, "none"), List.of()); // nothing

        assertEquals(120, blind.pass(TENANT, true).integrated());
        assertEquals(0, blind.pass(TENANT, true).integrated(), "a second pass finds nothing new");
        // the offered entries (the first integrator's queue) are all integrated already: nothing twice
        assertEquals(0, integrator.pass(TENANT, false).integrated());
        assertEquals(120, log.state(TENANT).size());
    }

    @Test
    void catchUp_readsNoEntriesOfChainsWhoseHeadItHasIntegrated_andCatchesUpWhatOffersMissedOnePeriodLater() {
        for (int i = 0; i < 40; i++) record("svc-" + (i % 4), i);
        java.util.concurrent.atomic.AtomicInteger entryReads = new java.util.concurrent.atomic.AtomicInteger();
        dev.loopgrid.core.ledger.ChainStore counting = (dev.loopgrid.core.ledger.ChainStore) java.lang.reflect.Proxy
                .newProxyInstance(getClass().getClassLoader(), new Class<?>[] {dev.loopgrid.core.ledger.ChainStore.class},
                        (p, m, args) -> {
                            if (m.getName().equals("readEntries")) entryReads.incrementAndGet();
                            try {
                                return m.invoke(ledgerStore, args);
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
        Integrator blind = new Integrator(counting, log, log, log, signer, config, clock);
        assertEquals(40, blind.pass(TENANT, true).integrated());
        int afterFirst = entryReads.get();
        assertTrue(afterFirst >= 4, "the first catch-up reads each chain: " + afterFirst);

        assertEquals(0, blind.pass(TENANT, true).integrated());
        assertEquals(afterFirst, entryReads.get(), "nothing past any head: no chain is read again");

        record("svc-2", 99); // moves one chain's head past its last run, and is never offered to `blind`
        assertEquals(0, blind.pass(TENANT, true).integrated(),
                "younger than the previous catch-up: left to the offers that normally bring it");
        assertEquals(afterFirst, entryReads.get());
        assertEquals(1, blind.pass(TENANT, true).integrated(), "one catch-up later it is caught up");
        assertEquals(afterFirst + 1, entryReads.get(), "only the chain that moved on is read");
    }

    @Test
    void twoIntegratorsAtOnce_integrateEachEntryOnce() throws Exception {
        Integrator second = new Integrator(ledgerStore, log, log, log, signer, config, clock);
        for (int i = 0; i < 200; i++) record("svc-" + (i % 5), i);
        Thread a = new Thread(() -> integrator.pass(TENANT, true));
        Thread b = new Thread(() -> second.pass(TENANT, true));
        a.start();
        b.start();
        a.join();
        b.join();
        integrator.pass(TENANT, true);
        assertEquals(200, log.state(TENANT).size());
        for (int c = 0; c < 5; c++) assertEquals(40, log.lastRun(TENANT, "svc-" + c).orElseThrow().toSequence());
    }

    @Test
    void aCrashAfterSequencing_isFinishedByTheNextPass_fromTheCommittedBatches() throws Exception {
        for (int i = 0; i < 70; i++) record("svc", i);
        Integrator crashing = new Integrator(ledgerStore, log, new TileStore() {
            @Override
            public Optional<byte[]> get(String tenant, String path) {
                return log.get(tenant, path);
            }

            @Override
            public void put(String tenant, String path, byte[] bytes) {
                throw new IllegalStateException("killed while writing tiles");
            }
        }, log, signer, config, clock);
        assertThrows(IllegalStateException.class, () -> crashing.pass(TENANT, true));
        assertEquals(70, log.state(TENANT).size());
        assertEquals(0, log.state(TENANT).tiledSize());

        Integrator restarted = new Integrator(ledgerStore, log, log, log, signer, config, clock); // nothing cached
        Integrator.Pass p = restarted.pass(TENANT, true);

        assertEquals(0, p.integrated());
        assertEquals(70, p.checkpointSize());
        verifyOffline(receipt("svc", 70), signer.verifier(), config.origin(TENANT));
    }

    @Test
    void anEntryChangedBeforeIntegration_isNotIntegrated_norAnythingAfterIt() {
        for (int i = 0; i < 10; i++) record("svc", i);
        ledgerStore.tamper(new ChainKey(TENANT, "svc"), 4, e -> new Entry(e.chainId(), e.sequence(), e.type(), e.id(),
                e.decisionId(), e.recordedAt(), e.content(), "0".repeat(64), e.previousHash(), e.chainHash(), null));
        Integrator blind = new Integrator(ledgerStore, log, log, log, signer, config, clock);

        blind.pass(TENANT, true);

        assertEquals(3, log.lastRun(TENANT, "svc").orElseThrow().toSequence());
        assertInstanceOf(LogService.ReceiptResult.Pending.class, service.receipt(TENANT, "svc", 5, 0));
    }

    @Test
    void checkpoints_areSignedAtMostOncePerInterval() {
        LogConfig slow = new LogConfig("log.test/loopgrid", 1_000, 64);
        Integrator limited = new Integrator(ledgerStore, log, log, log, signer, slow, clock);
        record("svc", 1);
        assertEquals(1, limited.pass(TENANT, true).checkpointSize());
        record("svc", 2);
        limited.pass(TENANT, true); // never offered to `limited`, and younger than its previous catch-up: next one
        Integrator.Pass early = limited.pass(TENANT, true);
        assertEquals(1, early.checkpointSize());
        assertTrue(early.checkpointDue());
        now.addAndGet(1_000);
        assertEquals(2, limited.pass(TENANT, true).checkpointSize());
        assertEquals(List.of(1L, 2L), log.sizes(TENANT, 0));
    }

    @Test
    void receipts_ofUnknownEntries_are404_andOfUnintegratedOnes_pending() {
        record("svc", 1);
        assertThrows(LedgerException.NotFound.class, () -> service.receipt(TENANT, "svc", 2, 0));
        assertThrows(LedgerException.NotFound.class, () -> service.receipt(TENANT, "nope", 1, 0));
        assertInstanceOf(LogService.ReceiptResult.Pending.class, service.receipt(TENANT, "svc", 1, 0));
    }

    @Test
    void tilePaths_areValidated() {
        assertThrows(LedgerException.Malformed.class, () -> service.tile(TENANT, "../etc/passwd"));
        assertThrows(LedgerException.Malformed.class, () -> service.tile(TENANT, "tile/0/001.p/256"));
        assertEquals(Optional.empty(), service.tile(TENANT, "tile/0/000"));
    }

    @Test
    void theCompactRange_agreesWithTheRootOfEveryPrefix() {
        List<byte[]> leaves = new ArrayList<>();
        CompactRange r = CompactRange.empty();
        for (int i = 0; i < 300; i++) {
            byte[] h = Merkle.leafHash(new byte[] {(byte) i, (byte) (i >> 8)});
            leaves.add(h);
            r.append(h);
            assertArrayEquals(Merkle.root(leaves), r.root(), "size " + (i + 1));
            CompactRange again = CompactRange.decode(r.size(), r.encode());
            assertArrayEquals(r.root(), again.root());
        }
        assertThrows(IllegalArgumentException.class, () -> CompactRange.decode(3, new byte[32]));
    }

    @Test
    void theModulesEnvelope_isByteForByteTheLedgersEnvelope() {
        for (int i = 0; i < 10; i++) record("svc", i);
        for (Iterator<Entry> it = ledgerStore.readEntries(new ChainKey(TENANT, "svc"), 1, 10); it.hasNext(); ) {
            Entry e = it.next();
            EntryEnvelope env = new EntryEnvelope(e.chainId(), e.sequence(), e.type().wire(), e.id(), e.decisionId(),
                    e.recordedAt(), e.contentHash(), e.previousHash());
            assertArrayEquals(LogLeaves.leafData(e), env.bytes());
            assertEquals(e.chainHash(), env.chainHash());
        }
        String odd = "ünïcødé \"quoted\" \\ \u0001\u001f 😀";
        EntryEnvelope env = new EntryEnvelope(odd, 7, "flag", odd, odd, odd, odd, odd);
        assertEquals(dev.loopgrid.core.ledger.EntryHasher.envelope(odd, 7, "flag", odd, odd, odd, odd, odd), env.text());
    }
}

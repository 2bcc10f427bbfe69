package dev.loopgrid.verifycli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.verify.EntryBundle;
import dev.loopgrid.verify.EntryEnvelope;
import dev.loopgrid.verify.Merkle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditTest {
    private static Cli audit(LogServer s) {
        return Cli.run("audit", "--url", s.url(), "--key", s.log.signer.verifier().vkey());
    }

    @Test
    void anHonestLog_rebuildsItsSignedRoot() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(600, 7);
        log.append("svc-3", "flag", "flg_1", "dec_0000000000000000000003", TestLog.sha256("flag"));
        try (LogServer s = new LogServer(log, 601)) {
            Cli r = audit(s);
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().startsWith("OK: audited 601 entries in 7 chains of log.example.test/acme; they rebuild the signed root"),
                    r.out());
            assertTrue(s.requests.contains("/v1/log/tile/entries/002.p/89"), s.requests.toString());
        }
    }

    @Test
    void redirectedTiles_areFollowed_withoutTheApiKey() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(300, 2);
        try (LogServer s = new LogServer(log, 300)) {
            s.requiredKey = "lg_secret";
            s.redirectTiles = true;
            Cli r = Cli.run("audit", "--url", s.url(), "--key", log.signer.verifier().vkey(), "--api-key", "lg_secret");
            assertEquals(0, r.exit(), r.toString());
            assertTrue(s.requests.contains("/blob/tile/entries/001.p/44"), s.requests.toString());
            assertEquals(List.of(), s.blobAuthorizations);
        }
    }

    @Test
    void anotherTenantsLog_orAnotherKey_isInvalid() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(10, 2);
        try (LogServer s = new LogServer(log, 10)) {
            Cli origin = Cli.run("audit", "--url", s.url(), "--key", log.signer.verifier().vkey(), "--tenant-origin", "log.example.test/globex");
            assertEquals(1, origin.exit(), origin.toString());
            assertTrue(origin.err().startsWith("INVALID checkpoint: origin \"log.example.test/acme\""), origin.err());
            Cli key = Cli.run("audit", "--url", s.url(), "--key", TestLog.signer(TestLog.PREFIX, 2).verifier().vkey());
            assertEquals(1, key.exit(), key.toString());
            assertTrue(key.err().startsWith("INVALID checkpoint: no signature by key log.example.test+"), key.err());
        }
    }

    @Test
    void theRootBuilder_equalsMerkleRoot_atEverySize() {
        List<byte[]> leaves = new ArrayList<>();
        Audit.RootBuilder b = new Audit.RootBuilder();
        assertArrayEquals(Merkle.emptyRoot(), b.root());
        for (int i = 0; i < 300; i++) {
            byte[] h = Merkle.leafHash(new byte[] {(byte) i, (byte) (i >> 8)});
            leaves.add(h);
            b.add(h);
            assertArrayEquals(Merkle.root(leaves), b.root(), "size " + (i + 1));
        }
    }

    @Test
    void oneChangedBundleEntry_failsTheRoot() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(300, 3);
        try (LogServer s = new LogServer(log, 300)) {
            List<byte[]> entries = EntryBundle.decode(log.tiles(300).get("tile/entries/001.p/44"));
            // a canonical envelope that links, but with another content hash: only the signed root can tell
            EntryEnvelope e = log.entries.get(299);
            EntryEnvelope forged = new EntryEnvelope(e.chainId(), e.sequence(), e.type(), e.id(), e.decisionId(), e.recordedAt(),
                    TestLog.sha256("rewritten"), e.previousHash());
            entries.set(43, forged.bytes());
            s.tileOverrides.put("tile/entries/001.p/44", EntryBundle.encode(entries));
            Cli r = audit(s);
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().startsWith("INVALID: the 300 entries served rebuild root "), r.err());
            assertTrue(r.err().contains("the entry bundles are not the signed log"), r.err());
        }
    }

    @Test
    void aBrokenLink_aGap_aNonCanonicalEnvelope_andAShortBundle_areNamed() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(20, 2);
        String path = "tile/entries/000.p/20";
        try (LogServer s = new LogServer(log, 20)) {
            List<byte[]> entries = EntryBundle.decode(log.tiles(20).get(path));
            EntryEnvelope e = log.entries.get(7);
            List<byte[]> broken = new ArrayList<>(entries);
            broken.set(7, new EntryEnvelope(e.chainId(), e.sequence(), e.type(), e.id(), e.decisionId(), e.recordedAt(),
                    e.contentHash(), TestLog.sha256("elsewhere")).bytes());
            s.tileOverrides.put(path, EntryBundle.encode(broken));
            Cli link = audit(s);
            assertEquals(1, link.exit(), link.toString());
            assertTrue(link.err().startsWith("INVALID: leaf 7 (chain \"svc-1\" sequence 4) has previous_hash "), link.err());

            List<byte[]> gap = new ArrayList<>(entries);
            gap.set(7, new EntryEnvelope(e.chainId(), e.sequence() + 1, e.type(), e.id(), e.decisionId(), e.recordedAt(),
                    e.contentHash(), e.previousHash()).bytes());
            s.tileOverrides.put(path, EntryBundle.encode(gap));
            Cli seq = audit(s);
            assertEquals(1, seq.exit(), seq.toString());
            assertTrue(seq.err().startsWith("INVALID: leaf 7 (chain \"svc-1\" sequence 5) follows sequence 3 (leaf 5)"), seq.err());

            List<byte[]> spaced = new ArrayList<>(entries);
            spaced.set(7, new String(e.bytes(), StandardCharsets.UTF_8).replace(",\"v\":1}", ", \"v\":1}").getBytes(StandardCharsets.UTF_8));
            s.tileOverrides.put(path, EntryBundle.encode(spaced));
            Cli canon = audit(s);
            assertEquals(1, canon.exit(), canon.toString());
            assertTrue(canon.err().startsWith("INVALID: leaf 7 is not a canonical LoopGrid envelope: its bytes are not the canonical"),
                    canon.err());

            s.tileOverrides.put(path, EntryBundle.encode(entries.subList(0, 19)));
            Cli shortBundle = audit(s);
            assertEquals(1, shortBundle.exit(), shortBundle.toString());
            assertTrue(shortBundle.err().startsWith("INVALID: entry bundle tile/entries/000.p/20 holds 19 entries, needs 20"),
                    shortBundle.err());
        }
    }

    @Test
    void aLogWithoutCheckpoint_hasNothingToAudit_andAMissingBundle_isAnIoError() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(5, 1);
        try (LogServer s = new LogServer(log, 0)) {
            Cli none = audit(s);
            assertEquals(0, none.exit(), none.toString());
            assertTrue(none.out().startsWith("OK: the log has no checkpoint yet"), none.out());
            s.size = 5;
            s.tileOverrides.put("tile/entries/000.p/5", new byte[0]);
            Cli empty = audit(s);
            assertEquals(1, empty.exit(), empty.toString());
        }
        try (LogServer s = new LogServer(log, 5)) {
            s.checkpointOverride = log.checkpoint(5).replace("\n5\n", "\n5\n"); // same
            s.size = 5;
            s.log = log;
            s.tileOverrides.clear();
            LogServer t = s;
            t.tileOverrides.put("tile/entries/000.p/5", "x".getBytes(StandardCharsets.UTF_8));
            Cli malformed = audit(s);
            assertEquals(1, malformed.exit(), malformed.toString());
            assertTrue(malformed.err().startsWith("INVALID: entry bundle tile/entries/000.p/5 is malformed"), malformed.err());
        }
    }
}

package dev.loopgrid.verifycli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.verify.Checkpoint;
import dev.loopgrid.verify.Cosignature;
import dev.loopgrid.verify.Note;
import dev.loopgrid.verify.NoteVerifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitorTest {
    @TempDir
    Path tmp;

    private Cli monitor(LogServer s, Path state, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("monitor", "--url", s.url(), "--key",
                s.log.signer.verifier().vkey(), "--state", state.toString()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    private static String kept(Path state) throws Exception {
        return Files.readString(state.resolve(Monitor.CHECKPOINT), StandardCharsets.UTF_8);
    }

    @Test
    void firstRun_keepsTheCheckpoint_secondRun_checksConsistency_andGrowsIt() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(700, 5);
        Path state = tmp.resolve("state");
        try (LogServer s = new LogServer(log, 0)) {
            Cli none = monitor(s, state);
            assertEquals(0, none.exit(), none.toString());
            assertTrue(none.out().startsWith("OK: the log has no checkpoint yet"), none.out());

            s.size = 37;
            Cli first = monitor(s, state);
            assertEquals(0, first.exit(), first.toString());
            assertTrue(first.out().startsWith("OK: first checkpoint of log.example.test/acme at size 37"), first.out());
            assertEquals(log.checkpoint(37), kept(state));

            s.size = 612;
            Cli second = monitor(s, state);
            assertEquals(0, second.exit(), second.toString());
            assertTrue(second.out().startsWith("OK: size 37 → 612, consistent"), second.out());
            assertEquals(log.checkpoint(612), kept(state));
            assertTrue(s.requests.contains("/v1/log/consistency?from=37&to=612"), s.requests.toString());

            Cli same = monitor(s, state);
            assertEquals(0, same.exit(), same.toString());
            assertTrue(same.out().startsWith("OK: unchanged, size 612"), same.out());

            List<String> history = Files.readAllLines(state.resolve(Monitor.HISTORY));
            assertEquals(3, history.size(), history.toString());
            assertTrue(history.get(1).contains(" log.example.test/acme 612 ") && history.get(1).endsWith("OK consistent with 37"),
                    history.get(1));
            assertFalse(Files.exists(state.resolve(Monitor.CHECKPOINT + ".tmp")));
        }
    }

    @Test
    void aRollback_isReported_andTheKeptCheckpointStays() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(50, 2);
        Path state = tmp.resolve("state");
        try (LogServer s = new LogServer(log, 50)) {
            assertEquals(0, monitor(s, state).exit());
            s.size = 49;
            Cli r = monitor(s, state);
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().startsWith("ROLLBACK: the log now serves a checkpoint of size 49, smaller than size 50"), r.err());
            assertEquals(log.checkpoint(50), kept(state));
        }
    }

    @Test
    void aFork_twoTreesOfTheSameSize_isDetected_withBothSignedCheckpointsKeptAsEvidence() throws Exception {
        TestLog honest = new TestLog(1, "");
        honest.appendDecisions(30, 2);
        TestLog other = new TestLog(1, "rewritten ");
        other.appendDecisions(30, 2);
        Path a = tmp.resolve("monitor-a");
        Path b = tmp.resolve("monitor-b");
        try (LogServer s = new LogServer(honest, 30)) {
            assertEquals(0, monitor(s, a).exit());
            // a split view: the second monitor is shown another tree of the same size, signed by the same key
            s.log = other;
            Cli alone = monitor(s, b);
            assertEquals(0, alone.exit(), "a monitor that saw only one view cannot tell: " + alone);
            // ...until the views meet: the first monitor's state against the view the second was shown
            Cli fork = monitor(s, a);
            assertEquals(1, fork.exit(), fork.toString());
            assertTrue(fork.err().startsWith("FORK: the log signed two different trees of size 30"), fork.err());
            assertEquals(honest.checkpoint(30), kept(a));
            try (var files = Files.list(a)) {
                Path evidence = files.filter(p -> p.getFileName().toString().startsWith("evidence-fork-")).findFirst().orElseThrow();
                assertEquals(other.checkpoint(30), Files.readString(evidence));
            }
            // and the second monitor, handed the honest view, says the same
            s.log = honest;
            Cli forkB = monitor(s, b);
            assertEquals(1, forkB.exit(), forkB.toString());
            assertTrue(forkB.err().startsWith("FORK: "), forkB.err());
        }
    }

    @Test
    void aLargerTreeThatDoesNotExtendTheKeptOne_isAFork() throws Exception {
        TestLog honest = new TestLog(1, "");
        honest.appendDecisions(300, 2);
        TestLog rewritten = new TestLog(1, "");
        rewritten.appendDecisions(300, 2);
        rewritten.entries.set(10, new TestLog(1, "x").append("svc-0", "decision", "dec_x", "dec_x", TestLog.sha256("x")));
        Path state = tmp.resolve("state");
        try (LogServer s = new LogServer(honest, 100)) {
            assertEquals(0, monitor(s, state).exit());
            s.log = rewritten;
            s.size = 300;
            Cli r = monitor(s, state);
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().startsWith("FORK: the checkpoint of size 300 is not an extension of the one of size 100"), r.err());
            assertEquals(honest.checkpoint(100), kept(state));
        }
    }

    @Test
    void aTamperedConsistencyProof_isRejected() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(300, 2);
        Path state = tmp.resolve("state");
        try (LogServer s = new LogServer(log, 100)) {
            assertEquals(0, monitor(s, state).exit());
            s.size = 300;
            s.consistencyTamper = json -> {
                var j = (com.fasterxml.jackson.databind.node.ObjectNode) readTree(json);
                var proof = (com.fasterxml.jackson.databind.node.ArrayNode) j.get("proof");
                byte[] h = java.util.Base64.getDecoder().decode(proof.get(1).asText());
                h[31] ^= (byte) 0x80;
                proof.set(1, java.util.Base64.getEncoder().encodeToString(h));
                return j.toString();
            };
            Cli r = monitor(s, state);
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().startsWith("FORK: the checkpoint of size 300 is not an extension of the one of size 100"), r.err());
            assertTrue(r.err().contains("ROOT_MISMATCH"), r.err());
            assertEquals(log.checkpoint(100), kept(state));

            s.consistencyTamper = json -> json.replace("\"from\":100", "\"from\":99");
            Cli other = monitor(s, state);
            assertEquals(1, other.exit(), other.toString());
            assertTrue(other.err().startsWith("FORK: the log answered a consistency proof for another log or other sizes"), other.err());
        }
    }

    @Test
    void aCheckpointNotSignedByTheKey_orOfAnotherOrigin_isInvalid_andNotKept() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(20, 2);
        TestLog impostor = new TestLog(2, "");
        impostor.appendDecisions(20, 2);
        Path state = tmp.resolve("state");
        try (LogServer s = new LogServer(log, 20)) {
            s.checkpointOverride = impostor.checkpoint(20);
            Cli r = monitor(s, state);
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().startsWith("INVALID checkpoint: no signature by key log.example.test+"), r.err());
            assertFalse(Files.exists(state.resolve(Monitor.CHECKPOINT)));

            s.checkpointOverride = null;
            Cli wrongTenant = monitor(s, state, "--tenant-origin", "log.example.test/globex");
            assertEquals(1, wrongTenant.exit(), wrongTenant.toString());
            assertTrue(wrongTenant.err().startsWith("INVALID checkpoint: origin \"log.example.test/acme\", expected"
                    + " \"log.example.test/globex\""), wrongTenant.err());
        }
    }

    @Test
    void withACosignerKey_theMonitorCosignsWhatItAccepted() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(20, 2);
        Path key = tmp.resolve("witness.key");
        Cli made = Cli.run("cosigner-key", "--name", "witness.example.test", "--out", key.toString());
        assertEquals(0, made.exit(), made.toString());
        NoteVerifier witness = NoteVerifier.parse(made.out().strip());
        assertEquals(NoteVerifier.TYPE_COSIGNATURE, witness.type());
        assertEquals(2, Cli.run("cosigner-key", "--name", "w", "--out", key.toString()).exit(), "never overwrites a key");
        Path state = tmp.resolve("state");
        try (LogServer s = new LogServer(log, 20)) {
            Cli r = monitor(s, state, "--cosign", key.toString());
            assertEquals(0, r.exit(), r.toString());
            Note cosigned = Note.parse(Files.readAllBytes(state.resolve(Monitor.COSIGNED)));
            assertTrue(Cosignature.verify(cosigned, witness) > 1_700_000_000L);
            Checkpoint cp = Checkpoint.open(cosigned.format(), TestLog.ORIGIN, log.signer.verifier());
            assertEquals(20, cp.size());
        }
    }

    @Test
    void anApiKey_isSent_andA401_saysToPassOne() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(5, 1);
        try (LogServer s = new LogServer(log, 5)) {
            s.requiredKey = "lg_secret";
            Cli refused = monitor(s, tmp.resolve("a"));
            assertEquals(2, refused.exit(), refused.toString());
            assertTrue(refused.err().contains("HTTP 401 (pass an API key with read permission: --api-key)"), refused.err());
            Cli ok = monitor(s, tmp.resolve("a"), "--api-key", "lg_secret");
            assertEquals(0, ok.exit(), ok.toString());
        }
    }

    @Test
    void aKeptCheckpointThatIsNotThisLogs_isAUsageError_andIsLeftAlone() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(10, 2);
        Path state = tmp.resolve("state");
        Files.createDirectories(state);
        String foreign = new TestLog(2, "").checkpoint(0);
        Files.writeString(state.resolve(Monitor.CHECKPOINT), foreign);
        try (LogServer s = new LogServer(log, 10)) {
            Cli r = monitor(s, state);
            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.err().startsWith("the kept checkpoint " + state.resolve(Monitor.CHECKPOINT) + " is not a checkpoint of this log"),
                    r.err());
            assertEquals(foreign, kept(state));
        }
    }

    @Test
    void anUnreachableServer_isAnIoError() {
        Cli r = Cli.run("monitor", "--url", "http://127.0.0.1:1", "--key", new TestLog(1, "").signer.verifier().vkey(),
                "--state", tmp.resolve("s").toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().startsWith("cannot connect to http://127.0.0.1:1"), r.err());
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(String json) {
        try {
            return TestLog.JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

package dev.loopgrid.verifycli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReceiptCommandTest {
    @TempDir
    Path tmp;

    private Path write(String name, String text) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    private Path write(String name, JsonNode json) throws Exception {
        return write(name, json.toString());
    }

    @Test
    void theCommittedFixture_isWhatTheGeneratorMakes() throws Exception {
        String generated = ReceiptFixtures.build();
        if (Boolean.getBoolean("loopgrid.writeFixtures")) {
            Files.createDirectories(ReceiptFixtures.FILE.getParent());
            Files.writeString(ReceiptFixtures.FILE, generated, StandardCharsets.UTF_8);
        }
        assertEquals(generated, Files.readString(ReceiptFixtures.FILE, StandardCharsets.UTF_8),
                "regenerate with: mvn -B -ntp -o -pl verify-cli -am verify -Dtest=ReceiptCommandTest"
                        + " -Dsurefire.failIfNoSpecifiedTests=false -Dloopgrid.writeFixtures=true");
    }

    @Test
    void everyFixtureCase_getsItsVerdict() throws Exception {
        JsonNode fixture = ReceiptFixtures.read();
        List<String> wrong = new ArrayList<>();
        int n = 0;
        for (JsonNode c : fixture.get("cases")) {
            n++;
            String name = c.get("name").asText();
            List<String> args = new ArrayList<>(List.of("receipt", write(name + ".json", c.get("receipt")).toString(),
                    "--key", c.get("key").asText()));
            if (c.has("origin")) args.addAll(List.of("--origin", c.get("origin").asText()));
            if (c.has("decision")) args.addAll(List.of("--decision", write(name + ".decision.json", c.get("decision")).toString()));
            Cli r = Cli.run(args.toArray(String[]::new));
            String expect = c.get("expect").asText();
            boolean ok = expect.equals("valid")
                    ? r.exit() == 0 && r.out().startsWith("VALID: ")
                    : r.exit() == 1 && r.err().startsWith("INVALID (" + expect + "): ");
            if (!ok) wrong.add(name + " expected " + expect + ", got " + r);
        }
        assertTrue(n >= 30, "cases: " + n);
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void aValidReceipt_saysWhatItProves() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(40, 3);
        ObjectNode r = log.receipt(17, 40);
        Path f = write("r.json", TestLog.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
        Path key = write("key.vkey", log.signer.verifier().vkey() + "\n");
        Cli c = Cli.run("receipt", f.toString(), "--key", "@" + key);
        assertEquals(0, c.exit(), c.toString());
        assertEquals("VALID: entry 6 of chain \"svc-2\" (decision dec_0000000000000000000017) is leaf 17 of log.example.test/acme"
                + " at size 40, checkpoint signed by " + log.signer.name() + "+" + log.signer.verifier().keyIdHex() + "\n", c.out());
        assertEquals("", c.err());
    }

    @Test
    void aReceiptForAnotherEntry_failsOnItsLeafData() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(40, 3);
        ObjectNode r = log.receipt(17, 40);
        r.set("entry", log.receipt(18, 40).get("entry"));
        Cli c = Cli.run("receipt", write("r.json", r).toString(), "--key", log.signer.verifier().vkey());
        assertEquals(1, c.exit(), c.toString());
        assertTrue(c.err().startsWith("INVALID (leaf-data): the proof's leaf data is not this entry's canonical envelope"), c.err());
    }

    @Test
    void aTamperedProofHash_failsTheInclusionProof_atEveryPosition() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(300, 4);
        ObjectNode r = log.receipt(123, 300);
        int hashes = r.get("tlog_proof").asText().split("\n\n")[0].split("\n").length - 3;
        assertEquals(9, hashes);
        for (int i = 0; i < hashes; i++) {
            ObjectNode t = r.deepCopy();
            t.put("tlog_proof", ReceiptFixtures.tamperProofHash(r.get("tlog_proof").asText(), i));
            Cli c = Cli.run("receipt", write("r" + i + ".json", t).toString(), "--key", log.signer.verifier().vkey());
            assertEquals(1, c.exit(), c.toString());
            assertTrue(c.err().startsWith("INVALID (inclusion): the inclusion proof of leaf 123 does not lead to the root"), c.err());
        }
    }

    @Test
    void aReceiptOnStandardInput_isReadToo() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(3, 1);
        java.io.InputStream in = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream(log.receipt(2, 3).toString().getBytes(StandardCharsets.UTF_8)));
            Cli c = Cli.run("receipt", "-", "--key", log.signer.verifier().vkey());
            assertEquals(0, c.exit(), c.toString());
        } finally {
            System.setIn(in);
        }
    }

    @Test
    void notJson_isInvalid_butAMissingFileOrBadKeyIsAUsageError() throws Exception {
        TestLog log = new TestLog(1, "");
        log.appendDecisions(3, 1);
        String vkey = log.signer.verifier().vkey();
        Cli notJson = Cli.run("receipt", write("x.json", "not json").toString(), "--key", vkey);
        assertEquals(1, notJson.exit(), notJson.toString());
        assertTrue(notJson.err().startsWith("INVALID (malformed): the receipt is not JSON"), notJson.err());

        Cli missing = Cli.run("receipt", tmp.resolve("nope.json").toString(), "--key", vkey);
        assertEquals(2, missing.exit(), missing.toString());
        assertTrue(missing.err().startsWith("cannot read "), missing.err());

        Path f = write("r.json", log.receipt(1, 3));
        Cli badKey = Cli.run("receipt", f.toString(), "--key", "not-a-key");
        assertEquals(2, badKey.exit(), badKey.toString());
        assertTrue(badKey.err().startsWith("--key is not a verifier key"), badKey.err());

        Cli keyFileMissing = Cli.run("receipt", f.toString(), "--key", "@" + tmp.resolve("nokey"));
        assertEquals(2, keyFileMissing.exit(), keyFileMissing.toString());
    }

    @Test
    void usageErrors_exit2_withTheUsage() {
        for (String[] args : List.of(new String[] {}, new String[] {"frobnicate"}, new String[] {"receipt"},
                new String[] {"receipt", "a.json"}, new String[] {"receipt", "a.json", "--key"},
                new String[] {"receipt", "a.json", "--kee", "x"}, new String[] {"receipt", "a.json", "b.json", "--key", "k"},
                new String[] {"monitor", "--url", "http://127.0.0.1:1", "--key", "k"},
                new String[] {"audit", "--key", "k"})) {
            Cli c = Cli.run(args);
            assertEquals(2, c.exit(), String.join(" ", args) + ": " + c);
            assertTrue(c.err().contains("usage: java -jar loopgrid-verify.jar"), String.join(" ", args) + ": " + c);
        }
        Cli help = Cli.run("--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("receipt FILE"));
    }
}

package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.local.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: option parsing, usage errors, and the stack it starts (in memory and persisted). */
class MainEndToEndTest {
    private static final String DECISION = "{\"service_name\": \"cli\", \"decision_type\": \"t\", \"input\": {},"
            + " \"model\": {\"provider\": \"openai\", \"name\": \"gpt-4\"}, \"output\": {\"response\": \"ok\"}}";

    private record Outcome(int code, String out, String err) {}

    private static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void usageErrorsExitWith2OnStderr() {
        for (String[] args : new String[][] {{"--bogus"}, {"serve", "--bogus"}, {"--port"}, {"--port", "x"},
                                             {"--port", "70000"}, {"--table", "x"}, {"--in-memory=yes"},
                                             {"frobnicate"}}) {
            Outcome o = run(args);
            assertEquals(2, o.code(), String.join(" ", args));
            assertTrue(o.err().startsWith("error: "), o.err());
            assertTrue(o.err().contains("Usage: java -jar loopgrid-local.jar"), o.err());
            assertEquals("", o.out());
        }
    }

    @Test
    void helpExitsWith0OnStdout() {
        for (String[] args : new String[][] {{"--help"}, {"serve", "--help"}, {"-h"}, {"help"}}) {
            Outcome o = run(args);
            assertEquals(0, o.code(), String.join(" ", args));
            assertTrue(o.out().contains("--in-memory"), o.out());
            assertEquals("", o.err());
        }
    }

    @Test
    void parsesOptions() throws Exception {
        Main.Options d = Main.parse(new String[0]);
        assertEquals(Main.Options.defaults(), d);
        assertEquals("127.0.0.1", d.host());
        assertEquals(8000, d.port());
        assertEquals(Path.of(".loopgrid"), d.dataDir());
        assertFalse(d.inMemory());
        assertEquals("loopgrid-ledger", d.table());
        Main.Options o = Main.parse(new String[] {"--port", "0", "--host=0.0.0.0", "--data-dir", "/tmp/x",
                                                  "--in-memory", "--table=t-1"});
        assertEquals(new Main.Options("0.0.0.0", 0, Path.of("/tmp/x"), true, "t-1"), o);
        assertNull(Main.parse(new String[] {"--port", "1", "--help"}));
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"--data-dir", ""}));
    }

    @Test
    void startsInMemory() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Main.Options o = Main.parse(new String[] {"--in-memory", "--port", "0"});
        try (Main.Running running = Main.start(o, new PrintStream(out, true, StandardCharsets.UTF_8))) {
            String printed = out.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains("ready in "), printed);
            assertTrue(printed.contains("API:       " + running.url()), printed);
            assertTrue(printed.contains("DynamoDB:  http://127.0.0.1:"), printed);
            assertTrue(printed.contains("in memory"), printed);
            assertNull(running.dataDir());
            HttpTestClient http = new HttpTestClient(running.url());
            assertEquals("healthy", http.get("/health").ok(200).get("status").asText());
            http.post("/v1/decisions", DECISION).ok(201);
        }
    }

    @Test
    void persistsUnderTheDataDir(@TempDir Path dir) throws Exception {
        Main.Options o = Main.parse(new String[] {"--data-dir", dir.toString(), "--port", "0", "--table", "cli-ledger"});
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        JsonNode recorded;
        try (Main.Running running = Main.start(o, quiet)) {
            assertEquals(dir.resolve("dynamodb").toAbsolutePath().normalize(), running.dataDir());
            recorded = new HttpTestClient(running.url()).post("/v1/decisions", DECISION).ok(201);
        }
        try (var files = Files.list(dir.resolve("dynamodb"))) {
            assertTrue(files.findAny().isPresent(), "DynamoDB Local wrote its database under the data dir");
        }
        try (Main.Running again = Main.start(o, quiet)) {
            HttpTestClient http = new HttpTestClient(again.url());
            assertEquals(recorded, http.get("/v1/decisions/" + recorded.get("decision_id").asText()).ok(200));
            JsonNode v = http.get("/v1/integrity/verify").ok(200).get("integrity");
            assertTrue(v.get("valid").asBoolean(), v.toString());
            assertEquals(1, v.get("total").asLong());
            // the chain continues after a restart
            JsonNode next = http.post("/v1/decisions", DECISION).ok(201);
            assertEquals(2, next.get("sequence").asLong());
            assertEquals(recorded.get("chain_hash"), next.get("previous_hash"));
        }
    }
}

package dev.loopgrid.local.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.Routes;
import dev.loopgrid.local.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The {@code demo} command, end to end against a local stack, and its usage errors. */
class DemoTest {
    private record Outcome(int code, String out, String err) {}

    private static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void demo_walksTheWholeStory_againstARunningStack() throws Exception {
        // given a running local stack
        try (Main.Running stack = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0"}),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            // when
            Outcome o = run("demo", "--url", stack.url(), "--service", "demo-test");

            // then every step ran, in order, and the ledger verified twice
            assertEquals(0, o.code(), o.out() + o.err());
            assertEquals("", o.err());
            String out = o.out();
            int last = -1;
            for (String step : new String[] {"1. Record a decision", "2. Verify the ledger", "3. A human flags",
                    "4. Replay it with an improved prompt", "5. Compare", "6. Attach the human correction",
                    "7. Verify the ledger again", "8. Compliance report", "Done."}) {
                int at = out.indexOf(step);
                assertTrue(at > last, "missing or out of order: " + step + "\n" + out);
                last = at;
            }
            assertTrue(out.contains("status         incorrect"), out);
            assertTrue(out.contains("status         completed (simulated: no provider key set)"), out);
            assertTrue(out.contains("output_changed true"), out);
            assertTrue(out.contains("status         corrected"), out);
            assertEquals(2, out.split("valid          true", -1).length - 1, out);
            assertTrue(out.contains("All 4 entries verified"), "decision, flag, replay, correction\n" + out);
            boolean compliance = Routes.ALL.stream().anyMatch(r -> r.path().equals("/v1/compliance/report"));
            assertTrue(compliance ? out.contains("article_12_record_keeping") : out.contains("not available on this server yet"), out);
        }
    }

    @Test
    void demo_failsClearly_whenTheServerIsNotThere() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Outcome o = run("demo", "--url", "http://127.0.0.1:" + port);
        assertEquals(1, o.code());
        assertTrue(o.err().startsWith("error: cannot reach LoopGrid at http://127.0.0.1:" + port), o.err());
    }

    @Test
    void demo_usage() {
        Outcome help = run("demo", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--url URL"), help.out());
        for (String[] args : new String[][] {{"demo", "--url"}, {"demo", "--bogus"}, {"demo", "--url", "localhost:8000"}}) {
            Outcome o = run(args);
            assertEquals(2, o.code(), String.join(" ", args));
            assertTrue(o.err().startsWith("error: "), o.err());
        }
    }
}

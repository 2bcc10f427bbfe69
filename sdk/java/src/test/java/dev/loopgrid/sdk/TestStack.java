package dev.loopgrid.sdk;

import dev.loopgrid.local.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One local stack (DynamoDB Local + ElasticMQ + the HTTP front, in memory, on a free port) shared by every test
 * class of this module's test JVM: starting it takes seconds, so it is started once, on first use, and stopped
 * when the JVM exits.
 */
final class TestStack {
    private static Main.Running running;

    private TestStack() {}

    static synchronized String url() {
        if (running == null) {
            try {
                running = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0"}),
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            } catch (Exception e) {
                throw new IllegalStateException("could not start the local stack: " + e, e);
            }
            Main.Running r = running;
            Runtime.getRuntime().addShutdownHook(new Thread(r::close, "loopgrid-test-stack-stop"));
        }
        return running.url();
    }
}

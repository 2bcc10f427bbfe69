package dev.loopgrid.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the Python SDK's suite ({@code python3 -m unittest discover}) and the JavaScript SDK's ({@code node --test})
 * as child processes against the local stack this JVM runs (LOOPGRID_URL), both at once, and fails when either
 * does, with its output. That keeps {@code mvn -B verify} the one test command. Their logs are kept in
 * {@code sdk/java/target/sdk-suites/}.
 *
 * <p>{@code -Dloopgrid.sdk.skip=python,javascript} skips a suite (e.g. on a machine without Node); CI runs both.
 * {@code LOOPGRID_PYTHON} / {@code LOOPGRID_NODE} name other interpreters.
 */
class SdkSuitesTest {
    static final long TIMEOUT_SECONDS = 240;
    static final Path SDK = Path.of(System.getProperty("loopgrid.sdk.dir", "..")).toAbsolutePath().normalize();
    static final Path LOGS = Path.of("target", "sdk-suites").toAbsolutePath();
    static final List<String> SKIP = Arrays.asList(System.getProperty("loopgrid.sdk.skip", "").split(","));

    /** A suite running as a child process. */
    record Suite(String name, Process process, Path log, IOException startFailure) {}

    static Suite python;
    static Suite javascript;

    @BeforeAll
    static void startBoth() throws IOException {
        String url = TestStack.url();
        Files.createDirectories(LOGS);
        python = start("python", List.of(env("LOOPGRID_PYTHON", "python3"), "-m", "unittest", "discover", "-s", "tests",
                "-t", ".", "-v"), SDK.resolve("python"), url);
        javascript = start("javascript", List.of(env("LOOPGRID_NODE", "node"), "--test"), SDK.resolve("javascript"), url);
    }

    @AfterAll
    static void stopLeftovers() {
        for (Suite s : new Suite[] {python, javascript}) {
            if (s != null && s.process() != null && s.process().isAlive()) s.process().destroyForcibly();
        }
    }

    @Test
    void pythonSdkSuite_passes() throws Exception {
        String out = await(python);
        Matcher ran = Pattern.compile("Ran (\\d+) tests?").matcher(out);
        System.out.println("python SDK: " + (ran.find() ? ran.group(1) + " tests" : "?") + ", log " + python.log());
    }

    @Test
    void javascriptSdkSuite_passes() throws Exception {
        String out = await(javascript);
        Matcher pass = Pattern.compile("(?m)^# pass (\\d+)").matcher(out);
        System.out.println("javascript SDK: " + (pass.find() ? pass.group(1) + " tests" : "?") + ", log " + javascript.log());
    }

    private static Suite start(String name, List<String> command, Path dir, String url) {
        if (SKIP.contains(name)) return new Suite(name, null, null, null);
        Path log = LOGS.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("LOOPGRID_URL", url);
        env.put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ in the source tree
        env.put("PYTHONUNBUFFERED", "1");
        env.put("NO_COLOR", "1");
        try {
            return new Suite(name, pb.start(), log, null);
        } catch (IOException e) {
            return new Suite(name, null, log, e);
        }
    }

    private static String await(Suite s) throws Exception {
        Assumptions.assumeFalse(s.process() == null && s.startFailure() == null,
                s.name() + " suite skipped (-Dloopgrid.sdk.skip)");
        if (s.startFailure() != null) {
            fail("could not start the " + s.name() + " suite (is it installed? CI has Python 3.11 and Node 20; "
                    + "-Dloopgrid.sdk.skip=" + s.name() + " skips it): " + s.startFailure());
        }
        if (!s.process().waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            s.process().destroyForcibly();
            fail("the " + s.name() + " suite did not finish in " + TIMEOUT_SECONDS + " s:\n" + read(s.log()));
        }
        String out = read(s.log());
        System.out.println("---- " + s.name() + " SDK suite (" + String.join(" ", s.process().info().commandLine()
                .map(List::of).orElse(List.of())) + ")\n" + out);
        assertEquals(0, s.process().exitValue(), () -> "the " + s.name() + " SDK suite failed (log " + s.log() + "):\n"
                + tail(out, 12_000));
        return out;
    }

    private static String env(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : v;
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }

    private static String tail(String s, int max) {
        return s.length() <= max ? s : "…" + s.substring(s.length() - max);
    }
}

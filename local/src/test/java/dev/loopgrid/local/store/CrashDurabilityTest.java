package dev.loopgrid.local.store;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.local.bench.CrashBench;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local stack is crash-durable: the real {@code Main serve --data-dir} in a child JVM is killed with SIGKILL while
 * 16 writers record decisions, started again on the same data directory, and every decision that was answered 201 is
 * there, identical (sequence, chain_hash, output), and the chain verifies. Three rounds here (about 9 s each on an idle 2-core machine);
 * {@code -Dloopgrid.crash.rounds=20} for the soak, or {@code bench crash --rounds 20}.
 */
class CrashDurabilityTest {

    @TempDir
    Path dir;

    @Test
    void killedUnderConcurrentWriters_restartedOnTheSameDataDir_keepsEveryAcknowledgedDecision() throws Exception {
        int rounds = Integer.getInteger("loopgrid.crash.rounds", 3);
        StringBuilder log = new StringBuilder();
        CrashBench.Result r = CrashBench.rounds(new CrashBench.Options(dir.resolve("data"), rounds, 16, 1000, 1500, 512,
                List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")), round -> log.append(round).append('\n'));
        assertTrue(r.acknowledged() > 0, "nothing was acknowledged:\n" + log);
        for (CrashBench.Round round : r.rounds()) {
            assertTrue(round.acknowledged() > 0, "round " + round.round() + " acknowledged nothing:\n" + log);
        }
        assertTrue(r.good(), "acknowledged decisions lost=" + r.lost() + " changed=" + r.changed() + ":\n" + log);
    }
}

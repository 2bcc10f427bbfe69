package dev.loopgrid.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Verification;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Verification that only re-hashes what was appended since the last run, and still finds tampering there. */
class IncrementalVerifierTest {
    private final FakeChains ledger = new FakeChains();
    private final CheckpointStore checkpoints = CheckpointStore.inMemory();
    private final IncrementalVerifier verifier = new IncrementalVerifier(ledger, new dev.loopgrid.core.decision.ContentResolver(null), checkpoints, Clock.systemUTC());

    private IncrementalVerifier.Result run(boolean full) {
        return verifier.verify(FakeChains.TENANT, verifier.heads(FakeChains.TENANT, null), full);
    }

    private void record(int n) {
        for (int i = 0; i < n; i++) ledger.record("svc", "reply", "openai", "gpt-4", null);
    }

    @Test
    void secondRun_readsOnlyTheAnchor_andThenOnlyNewEntries() {
        record(50);
        IncrementalVerifier.Result first = run(false);
        assertTrue(first.valid());
        assertEquals(50, first.newlyVerified());
        assertEquals(50, checkpoints.read(FakeChains.TENANT, List.of("svc")).get("svc").sequence());

        ledger.entriesRead.set(0);
        IncrementalVerifier.Result second = run(false);
        assertTrue(second.valid());
        assertEquals(0, second.newlyVerified());
        assertEquals(50, second.entries(), "still attests the whole chain");
        assertEquals(1, ledger.entriesRead.get(), "only the anchor entry is read again");

        record(3);
        ledger.entriesRead.set(0);
        IncrementalVerifier.Result third = run(false);
        assertTrue(third.valid());
        assertEquals(3, third.newlyVerified());
        assertEquals(4, ledger.entriesRead.get(), "the anchor and the three new entries");
        assertEquals(53, checkpoints.read(FakeChains.TENANT, List.of("svc")).get("svc").sequence());
    }

    @Test
    void tamperedNewEntry_fails_keepsTheCheckpoint_andFailsAgain() {
        record(5);
        run(false);
        record(2);
        ledger.replace("svc", 6, e -> FakeChains.withContent(e, e.content().replace("hello", "bye")));
        IncrementalVerifier.Result r = run(false);
        assertFalse(r.valid());
        assertEquals(Verification.Kind.CONTENT_CHANGED, r.failure().kind());
        assertEquals(6, r.failure().sequence());
        assertEquals(5, checkpoints.read(FakeChains.TENANT, List.of("svc")).get("svc").sequence());
        assertFalse(run(false).valid(), "sticky: the next run finds it again");
    }

    @Test
    void tamperedAnchor_fails() {
        record(4);
        run(false);
        ledger.replace("svc", 4, e -> FakeChains.withContent(e, e.content().replace("hello", "bye")));
        IncrementalVerifier.Result r = run(false);
        assertFalse(r.valid());
        assertEquals(4, r.failure().sequence());
    }

    @Test
    void truncationBehindTheCheckpoint_fails() {
        record(6);
        run(false);
        ledger.truncate("svc", 4);
        IncrementalVerifier.Result r = run(false);
        assertFalse(r.valid());
        assertEquals(Verification.Kind.HEAD_MISMATCH, r.failure().kind());
    }

    @Test
    void alteredOldEntry_isLeftToFullVerification_whichFindsIt() {
        record(6);
        run(false);
        ledger.replace("svc", 2, e -> FakeChains.withContent(e, e.content().replace("hello", "bye")));
        assertTrue(run(false).valid(), "incremental: entries before the anchor are not re-read (documented)");
        IncrementalVerifier.Result full = run(true);
        assertFalse(full.valid());
        assertEquals(2, full.failure().sequence());
        assertTrue(full.full());
    }

    @Test
    void checkpoints_onlyMoveForward() {
        ChainKey k = new ChainKey("t", "c");
        checkpoints.advance(k, new VerificationCheckpoint("c", 10, "a", null));
        checkpoints.advance(k, new VerificationCheckpoint("c", 7, "b", null));
        assertEquals(10, checkpoints.read("t", List.of("c")).get("c").sequence());
    }
}

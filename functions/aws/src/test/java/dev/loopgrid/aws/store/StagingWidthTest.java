package dev.loopgrid.aws.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.core.ledger.ChainKey;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class StagingWidthTest {
    private static final ChainKey CHAIN = new ChainKey("t1", "svc");
    private static final long MS = 1_000_000L;

    private final AtomicLong nanos = new AtomicLong(1_000_000 * MS);
    private final StagingWidth widths = new StagingWidth(24, nanos::get);

    private static Map<String, AttributeValue> lease(long width, long wide, long wideUntil) {
        return Map.of(StagingWidth.WIDTH, AttributeValue.fromN(Long.toString(width)),
                StagingWidth.WIDE, AttributeValue.fromN(Long.toString(wide)),
                StagingWidth.WIDE_UNTIL, AttributeValue.fromN(Long.toString(wideUntil)));
    }

    @Test
    void writers_useALearntWidthForFiveSeconds_readTheLeaseAlongAfterHalfOfThat() {
        assertEquals(0, widths.forWriters(CHAIN), "nothing learnt: the writer must read the lease first");
        assertTrue(widths.stale(CHAIN));
        widths.learn(CHAIN, null);
        assertEquals(24, widths.forWriters(CHAIN), "no lease item yet: every partition");
        widths.learn(CHAIN, lease(3, 0, 0));
        assertEquals(3, widths.forWriters(CHAIN));
        assertFalse(widths.stale(CHAIN));
        nanos.addAndGet(StagingWidth.LEARNT_MS / 2 * MS + MS);
        assertTrue(widths.stale(CHAIN), "polls read the lease along");
        assertEquals(3, widths.forWriters(CHAIN));
        nanos.addAndGet(StagingWidth.LEARNT_MS / 2 * MS);
        assertEquals(0, widths.forWriters(CHAIN), "expired");
        widths.learn(CHAIN, Map.of());
        assertEquals(24, widths.forWriters(CHAIN), "an item written before widths: every partition");
        widths.learn(CHAIN, lease(99, 0, 0));
        assertEquals(24, widths.forWriters(CHAIN), "out of range: clamped");
    }

    @Test
    void aPrefix_landsItsWholeCall_withinTheWidth() {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            String prefix = widths.prefix(2, 1_764_000_000_000L);
            int p = LedgerKeys.stagePartition(prefix + "#0000", 24);
            assertTrue(p < 2, prefix + " → " + p);
            for (int k = 1; k < 5; k++) {
                assertEquals(p, LedgerKeys.stagePartition(prefix + String.format("#%04d", k), 24), "one call, one partition");
            }
            seen.add(p);
        }
        assertEquals(Set.of(0, 1), seen, "both partitions of the width are used");
        Set<Integer> all = new HashSet<>();
        for (int i = 0; i < 2_000; i++) all.add(LedgerKeys.stagePartition(widths.prefix(24, 1L) + "#0000", 24));
        assertEquals(24, all.size(), "the full width spreads over every partition");
    }

    @Test
    void theHolder_publishesTheWidthItsRateNeeds_andReadsTheOldWidthWhileWritersMayUseIt() {
        long now = 1_764_000_000_000L;
        widths.claimed(CHAIN, "w1", lease(24, 0, 0));
        assertTrue(widths.holds(CHAIN, "w1"));
        assertFalse(widths.holds(CHAIN, "w2"));
        assertEquals(24, widths.forWriters(CHAIN), "its own writers learn the width it holds");
        assertNull(widths.fieldsToWrite(CHAIN, now), "under 200 ms: nothing measured yet");

        // 100 staged requests appended over one second: 2 partitions at 80 a second each
        widths.appended(CHAIN, 100);
        nanos.addAndGet(1_000 * MS);
        StagingWidth.Fields narrower = widths.fieldsToWrite(CHAIN, now);
        assertEquals(new StagingWidth.Fields(2, 24, now + StagingWidth.WIDE_MS), narrower,
                "narrowed: the old width stays readable for 10 s");
        widths.wrote(CHAIN, narrower);
        assertEquals(2, widths.forWriters(CHAIN));

        assertEquals(24, widths.toRead(CHAIN, now), "the first batch reads every partition");
        assertEquals(24, widths.toRead(CHAIN, now + 1_000), "writers may still use the old width");
        assertEquals(2, widths.toRead(CHAIN, now + StagingWidth.WIDE_MS + 1), "then only the width");
        int full = 0;
        for (int i = 0; i < 32; i++) if (widths.toRead(CHAIN, now + StagingWidth.WIDE_MS + 1) == 24) full++;
        assertEquals(2, full, "a sweep of every partition once every 16 batches");

        // the same rate again: nothing to write; then a burst of 1,000 a second: 13 partitions
        widths.appended(CHAIN, 50);
        nanos.addAndGet(500 * MS);
        assertNull(widths.fieldsToWrite(CHAIN, now + 11_000));
        widths.appended(CHAIN, 1_000);
        nanos.addAndGet(1_000 * MS);
        StagingWidth.Fields wider = widths.fieldsToWrite(CHAIN, now + 12_000);
        assertEquals(13, wider.width());
        assertEquals(0, wider.wide(), "widening keeps no old width (it was no longer live)");

        widths.ended(CHAIN);
        assertFalse(widths.holds(CHAIN, "w1"));
        assertNull(widths.fieldsToWrite(CHAIN, now), "not held: nothing to write");
        assertEquals(24, widths.toRead(CHAIN, now), "not known to hold it: every partition");
    }

    @Test
    void aNewHolder_readsTheWideWidthItTookOver_untilItExpires() {
        long now = 1_764_000_000_000L;
        widths.claimed(CHAIN, "w2", lease(1, 6, now + 4_000));
        widths.toRead(CHAIN, now); // the sweep
        assertEquals(6, widths.toRead(CHAIN, now + 3_999));
        assertEquals(1, widths.toRead(CHAIN, now + 4_001));
        // narrowing again while the wider width is still in use (narrowed from 1 s ago): kept as it was, not extended
        nanos.addAndGet(1_000 * MS);
        widths.wrote(CHAIN, new StagingWidth.Fields(4, 6, now + 9_000));
        widths.appended(CHAIN, 80);
        nanos.addAndGet(1_000 * MS);
        assertEquals(new StagingWidth.Fields(1, 6, now + 9_000), widths.fieldsToWrite(CHAIN, now + 1_000));
        // once no writer can use it any more (narrowed from over 5 s ago), the width narrowed from now replaces it
        widths.wrote(CHAIN, new StagingWidth.Fields(4, 6, now + 4_000));
        widths.appended(CHAIN, 80);
        nanos.addAndGet(1_000 * MS);
        assertEquals(new StagingWidth.Fields(1, 4, now + 1_000 + StagingWidth.WIDE_MS), widths.fieldsToWrite(CHAIN, now + 1_000));
    }

    @Test
    void aRateThatFlaps_doesNotKeepTheOldWidthReadForGood() {
        long now = 1_764_000_000_000L;
        widths.claimed(CHAIN, "w1", lease(24, 0, 0));
        // each second the holder narrows (a quiet spell: width 2) or widens (a burst: width 5), as a rate near a
        // partition boundary does; every change is written, as renewals and releases do
        int[] rates = {100, 380, 100, 380, 100, 380, 100, 380, 100, 380, 100, 380, 100, 380, 100, 380, 100, 380, 100, 380};
        long t = now;
        for (int rate : rates) {
            widths.appended(CHAIN, rate);
            nanos.addAndGet(1_000 * MS);
            t += 1_000;
            StagingWidth.Fields f = widths.fieldsToWrite(CHAIN, t);
            if (f != null) widths.wrote(CHAIN, f);
        }
        int widest = 0;
        int sweeps = 0;
        for (int i = 0; i < 32; i++) {
            int read = widths.toRead(CHAIN, t);
            if (read == 24) sweeps++;
            else widest = Math.max(widest, read);
        }
        assertEquals(2, sweeps, "one sweep per 16 batches");
        assertTrue(widest <= 5, "after 20 s of flapping between widths 2 and 5 the holder reads at most 5 partitions a"
                + " batch between sweeps, not the 24 of the first claim; read " + widest);
    }
}

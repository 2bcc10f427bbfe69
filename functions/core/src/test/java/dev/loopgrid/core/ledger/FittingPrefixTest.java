package dev.loopgrid.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FittingPrefixTest {

    @Test
    void findsTheLongestPrefixThatFits_askingLogarithmicallyOften() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 5_000; trial++) {
            int n = rnd.nextInt(101);
            int limit = rnd.nextInt(120); // prefixes of at most `limit` requests fit
            AtomicInteger asked = new AtomicInteger();
            int k = Ledger.fittingPrefix(n, m -> {
                assertTrue(m >= 2 && m <= n, "asked about " + m + " of " + n);
                asked.incrementAndGet();
                return m <= limit;
            });
            assertEquals(n == 0 ? 0 : Math.min(n, Math.max(1, limit)), k, "n=" + n + " limit=" + limit);
            int bound = n <= 1 ? 0 : 1 + (32 - Integer.numberOfLeadingZeros(n - 1));
            assertTrue(asked.get() <= bound, "asked " + asked.get() + " times for n=" + n);
        }
    }

    @Test
    void aSingleRequestAlwaysGoes_evenWhenNothingFits() {
        assertEquals(1, Ledger.fittingPrefix(1, m -> false));
        assertEquals(1, Ledger.fittingPrefix(50, m -> false));
        assertEquals(0, Ledger.fittingPrefix(0, m -> false));
    }
}

package dev.loopgrid.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.EntryType;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecentEntriesTest {

    private static Entry entry(String chain, long seq, EntryType type, String id, String decisionId) {
        return Entry.link(chain, seq, type, id, decisionId, "2026-12-05T00:00:00.000Z", "{\"big\":\"content\"}",
                EntryHasher.contentHash("{\"big\":\"content\"}"), EntryHasher.GENESIS);
    }

    @Test
    void keepsEnvelopesWithoutContent_perTenantChainAndSequence() {
        RecentEntries r = new RecentEntries(10);
        Entry d = entry("svc", 1, EntryType.DECISION, "dec_1", "dec_1");
        r.appended(new ChainKey("t1", "svc"), List.of(d));

        Entry kept = r.entry("t1", "svc", 1).orElseThrow();
        assertNull(kept.content());
        assertEquals(d.chainHash(), kept.chainHash());
        assertEquals(d.contentHash(), kept.contentHash());
        assertEquals(EntryHasher.chainHash(d), EntryHasher.chainHash(kept)); // the envelope hashes the same
        assertEquals(new RecentEntries.Position("svc", 1), r.decision("t1", "dec_1").orElseThrow());

        assertTrue(r.entry("t2", "svc", 1).isEmpty(), "another tenant sees nothing");
        assertTrue(r.decision("t2", "dec_1").isEmpty());
        assertTrue(r.entry("t1", "svc", 2).isEmpty());
    }

    @Test
    void onlyDecisionEntriesLocateTheirDecision() {
        RecentEntries r = new RecentEntries(10);
        r.appended(new ChainKey("t1", "svc"), List.of(entry("svc", 4, EntryType.FLAG, "flg_1", "dec_9")));
        assertTrue(r.entry("t1", "svc", 4).isPresent());
        assertTrue(r.decision("t1", "dec_9").isEmpty(), "a flag names its decision but is not where it is");
    }

    @Test
    void theOldestGoFirst_andTheirDecisionsWithThem() {
        RecentEntries r = new RecentEntries(3);
        for (int i = 1; i <= 5; i++) {
            r.appended(new ChainKey("t1", "svc"), List.of(entry("svc", i, EntryType.DECISION, "dec_" + i, "dec_" + i)));
        }
        assertTrue(r.entry("t1", "svc", 1).isEmpty());
        assertTrue(r.entry("t1", "svc", 2).isEmpty());
        assertTrue(r.decision("t1", "dec_2").isEmpty());
        assertEquals(5, r.decision("t1", "dec_5").orElseThrow().sequence());
        assertTrue(r.entry("t1", "svc", 3).isPresent());
        assertThrows(IllegalArgumentException.class, () -> new RecentEntries(0));
    }
}

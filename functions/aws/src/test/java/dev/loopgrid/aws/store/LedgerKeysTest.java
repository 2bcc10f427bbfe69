package dev.loopgrid.aws.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The decision indexes' sharded partition key values: known answers, fixed width, and an even spread. */
class LedgerKeysTest {

    @Test
    void indexShard_isSha256OfTheIdModuloTheCount_knownAnswers() {
        // printf %s <id> | sha256sum, first 8 hex digits, modulo 96 and 16:
        // dec_1 → b8cf2931 (49, 1); dec_A → f3714d68 (72, 8); dec_0000000000000000000000 → 2089e974 (20, 4)
        assertEquals(49, LedgerKeys.indexShard("dec_1", 96));
        assertEquals(1, LedgerKeys.indexShard("dec_1", 16));
        assertEquals(72, LedgerKeys.indexShard("dec_A", 96));
        assertEquals(8, LedgerKeys.indexShard("dec_A", 16));
        assertEquals(20, LedgerKeys.indexShard("dec_0000000000000000000000", 96));
        assertEquals(4, LedgerKeys.indexShard("dec_0000000000000000000000", 16));
    }

    @Test
    void partitionValues_endInATwoDigitShard_evenWhenANameHoldsAHash() {
        assertEquals("acme#07", LedgerKeys.byTenant("acme", 7));
        assertEquals("acme#a#b#95", LedgerKeys.byService("acme", "a#b", 95));
        assertEquals("acme#refund#v2#00", LedgerKeys.byType("acme", "refund#v2", 0));
        assertEquals("acme#incorrect#42", LedgerKeys.byStatus("acme", "incorrect", 42));
        assertThrows(IllegalArgumentException.class, () -> LedgerKeys.byTenant("acme", 100));
        assertThrows(IllegalArgumentException.class, () -> LedgerKeys.byTenant("acme", -1));
    }

    @Test
    void shardCounts_fitTwoDigits() {
        assertTrue(LedgerTable.TENANT_INDEX_SHARDS <= 100 && LedgerTable.SERVICE_INDEX_SHARDS <= 100);
    }

    @Test
    void indexShard_spreadsDecisionIdsEvenly() {
        // 96,000 ids of the shape Ids.decision() makes: each of the 96 shards gets 1,000 ± 15 % (σ ≈ 31.5)
        Map<Integer, Integer> perShard = new HashMap<>();
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (int i = 0; i < 96_000; i++) {
            String id = "dec_" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
            perShard.merge(LedgerKeys.indexShard(id, LedgerTable.TENANT_INDEX_SHARDS), 1, Integer::sum);
        }
        assertEquals(LedgerTable.TENANT_INDEX_SHARDS, perShard.size());
        for (Map.Entry<Integer, Integer> e : perShard.entrySet()) {
            assertTrue(e.getValue() > 850 && e.getValue() < 1150, "shard " + e.getKey() + ": " + e.getValue());
        }
    }
}

package dev.loopgrid.local.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.store.DynamoChainStore;
import dev.loopgrid.aws.store.LedgerKeys;
import dev.loopgrid.aws.store.ProjectionWriters;
import dev.loopgrid.core.decision.CounterGroups;
import dev.loopgrid.core.decision.NewDecision;
import dev.loopgrid.core.decision.Usage;
import dev.loopgrid.core.ledger.AppendRequest;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.ledger.StagedRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The staging width against DynamoDB Local: a holder publishes the width its rate needs on the lease item, another
 * process's writers learn it and stage within it, and the next holder reads only that many partitions once the old
 * width has expired, yet still finds a request staged outside it.
 */
class StagingWidthDynamoTest extends StoreTestSupport {
    private static final Instant T0 = Instant.parse("2026-12-05T08:00:00Z");

    private static StagedRequest request(String stageId, String id) {
        String content = "{\"id\":\"" + id + "\"}";
        return new StagedRequest(stageId, new AppendRequest(EntryType.DECISION, id, id, content,
                EntryHasher.contentHash(content), new NewDecision(id, "refund", null, new Usage(null, null, null, null), null), null));
    }

    @Test
    void aQuietChain_narrowsToOnePartition_writersLearnIt_andTheNextHolderReadsOneOnceTheOldWidthExpired() throws Exception {
        String table = freshTable();
        ChainKey chain = new ChainKey("t1", "svc");
        MutableClock clock = new MutableClock(T0);
        RequestLog log = new RequestLog();
        try (DynamoDbClient a = client(8, c -> { });
             DynamoDbClient b = client(8, c -> c.addExecutionInterceptor(log))) {
            DynamoChainStore first = new DynamoChainStore(a, table, clock, ProjectionWriters.standard(), CounterGroups.MAX_NAMES);
            DynamoChainStore second = new DynamoChainStore(b, table, clock, ProjectionWriters.standard(), CounterGroups.MAX_NAMES);

            // given a chain's first holder, which appends nothing for 250 ms and releases
            assertTrue(first.lease(chain, "w1", clock.millis() + 2_000));
            assertEquals("24", cleanStoreItem(table, LedgerKeys.lease(chain)).get("width").n(), "a chain's first claim: every partition");
            Thread.sleep(250);
            first.release(chain, "w1");

            // then the lease item says one partition, and keeps the old width readable for 10 s
            Map<String, AttributeValue> lease = cleanStoreItem(table, LedgerKeys.lease(chain));
            assertEquals("0", lease.get("until").n(), "released");
            assertEquals("1", lease.get("width").n());
            assertEquals("24", lease.get("wide").n());
            assertEquals(Long.toString(clock.millis() + 10_000), lease.get("wide_until").n());

            // and another process's writers learn it (one GetItem of the lease) and stage in partition 00 only
            log.clear();
            for (int i = 0; i < 20; i++) {
                String prefix = second.newStagePrefix(chain, clock.millis());
                assertEquals(0, LedgerKeys.stagePartition(prefix + "#0000", LedgerKeys.DEFAULT_STAGE_PARTITIONS), prefix);
            }
            assertEquals(1, log.count("GetItem"), "the lease read once, then remembered");

            // when that process holds the lease: a sweep first, every partition while the old width may be in use,
            // then one partition once it expired
            assertTrue(second.lease(chain, "w2", clock.millis() + 2_000));
            assertFalse(second.lease(chain, "w3", clock.millis() + 2_000), "another writer of the same process: held");
            int[] queries = new int[4];
            for (int round = 0; round < 4; round++) {
                if (round == 2) clock.advance(Duration.ofSeconds(11));
                log.clear();
                second.readStaged(chain, 10);
                queries[round] = (int) log.count("Query");
            }
            assertEquals(List.of(24, 24, 1, 1), List.of(queries[0], queries[1], queries[2], queries[3]));

            // and a request staged outside the width (a writer with a stale width) is still found by the next sweep
            String outside = null;
            for (long tail = 0; outside == null; tail++) {
                String id = String.format("%015d#%016x", clock.millis(), tail);
                if (LedgerKeys.stagePartition(id + "#0000", LedgerKeys.DEFAULT_STAGE_PARTITIONS) == 23) outside = id + "#0000";
            }
            StagedRequest stray = request(outside, "dec_stray");
            second.stage(chain, stray);
            int reads = 0;
            List<StagedRequest> found = List.of();
            while (found.isEmpty() && reads < 40) {
                found = second.readStaged(chain, 10);
                reads++;
            }
            assertEquals(List.of(stray), found);
            assertTrue(reads <= 16, "found within one sweep period: " + reads + " reads");
        }
    }
}

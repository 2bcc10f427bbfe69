package dev.loopgrid.local.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.store.LedgerKeys;
import dev.loopgrid.core.StagingLedgerStore;
import dev.loopgrid.core.decision.NewDecision;
import dev.loopgrid.core.decision.Usage;
import dev.loopgrid.core.ledger.AppendRequest;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.ledger.StagedRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import dev.loopgrid.core.StagingContract;
import dev.loopgrid.local.EmbeddedDynamo;
import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The staging contract against DynamoDB Local through the real AWS SDK. */
class StagingContractDynamoTest extends StagingContract {
    static EmbeddedDynamo dynamo;

    @BeforeAll
    static void start() throws Exception {
        dynamo = EmbeddedDynamo.start(null);
    }

    @AfterAll
    static void stop() {
        if (dynamo != null) dynamo.close();
    }

    private String table;

    @Override
    protected StagingLedgerStore newStore(Clock clock) {
        table = "staging-" + UUID.randomUUID().toString().substring(0, 8);
        dynamo.ensureTable(table);
        return StoreTestSupport.dynamoStore(dynamo.client(), table, clock);
    }

    @Test
    void stagedRequests_spreadOverTheStagingPartitions_theLeaseAlone_andComeBackOldestFirst() {
        ChainKey chain = new ChainKey(TENANT, "svc");
        ChainKey neighbour = new ChainKey(TENANT, "svc#05"); // its lease key is one of svc's staging partitions
        List<StagedRequest> many = new ArrayList<>();
        for (int i = 0; i < 96; i++) {
            String id = "dec_" + i;
            String content = "{\"id\":\"" + id + "\"}";
            many.add(new StagedRequest(String.format("%015d#%016x", 1_764_000_000_000L + i, (long) i * 7919),
                    new AppendRequest(EntryType.DECISION, id, id, content, EntryHasher.contentHash(content),
                            new NewDecision(id, "refund", null, new Usage(null, null, null, null), null), null)));
        }
        store.stageAll(chain, many.subList(0, 48));
        for (StagedRequest r : many.subList(48, 96)) store.stage(chain, r);
        assertTrue(store.lease(neighbour, "writer-1", CLOCK.millis() + 10_000));
        assertTrue(store.lease(chain, "writer-2", CLOCK.millis() + 10_000));

        Map<String, Set<String>> byPartition = new TreeMap<>();
        dynamo.client().scanPaginator(b -> b.tableName(table).consistentRead(true)).items().forEach(item -> {
            if (item.get("pk").s().startsWith("STAGE#")) {
                byPartition.computeIfAbsent(item.get("pk").s(), k -> new TreeSet<>()).add(item.get("sk").s());
            }
        });
        Map<String, Set<String>> expected = new TreeMap<>();
        for (StagedRequest r : many) {
            expected.computeIfAbsent(LedgerKeys.stagePk(chain, LedgerKeys.stagePartition(r.stageId(), LedgerKeys.DEFAULT_STAGE_PARTITIONS)), k -> new TreeSet<>())
                    .add(r.stageId());
        }
        expected.computeIfAbsent(LedgerKeys.stagePk(neighbour), k -> new TreeSet<>()).add(LedgerKeys.LEASE_SK);
        expected.computeIfAbsent(LedgerKeys.stagePk(chain), k -> new TreeSet<>()).add(LedgerKeys.LEASE_SK);
        assertEquals(expected, byPartition);
        assertEquals(LedgerKeys.DEFAULT_STAGE_PARTITIONS + 1, byPartition.size(),
                "every partition used, the chain's lease alone, the neighbour's lease in one of them");

        assertEquals(many, store.readStaged(chain, 100), "merged oldest first; the neighbour's lease is no request");
        assertEquals(many.subList(0, 30), store.readStaged(chain, 30));
        assertEquals(List.of(), store.readStaged(neighbour, 10));
    }
}

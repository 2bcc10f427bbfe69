package dev.loopgrid.local.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.App;
import dev.loopgrid.aws.store.LedgerKeys;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.local.TestApps;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * A chain's entries spread over {@link LedgerKeys#ENTRY_PARTITIONS} partition keys by sequence (so no key carries a
 * busy chain's every write), and read back as one sequence: a range is one Query per partition it falls in, merged.
 */
class EntryPartitionsTest extends StoreTestSupport {
    private static final String SERVICE = "sup#07"; // holds '#' and what looks like a partition suffix
    private static final ChainKey CHAIN = new ChainKey(TENANT, SERVICE);
    private static final int N = 70;

    private String table;
    private RequestLog log;
    private DynamoDbClient client;

    @BeforeEach
    void setUp() {
        table = freshTable();
        log = new RequestLog();
        client = client(8, c -> c.addExecutionInterceptor(log));
        App app = TestApps.create(client, config(table), Clock.systemUTC());
        for (int i = 0; i < N; i++) app.decisions.record(TENANT, body(SERVICE, "refund", "d" + i), null);
        app.decisions.record(TENANT, body("sup", "refund", "other chain"), null); // a neighbour whose keys are a prefix
    }

    @AfterEach
    void tearDown() {
        client.close();
    }

    @Test
    void entries_liveInSixteenPartitions_bySequenceModSixteen_noneBesideTheHead() {
        Map<String, TreeSet<Long>> byPartition = new HashMap<>();
        dynamo.client().scanPaginator(s -> s.tableName(table).consistentRead(true)).items().forEach(item -> {
            if (item.get("sk").s().startsWith("E#")) {
                byPartition.computeIfAbsent(item.get("pk").s(), k -> new TreeSet<>()).add(Long.parseLong(item.get("seq").n()));
            }
        });
        String base = LedgerKeys.chainPk(CHAIN);
        assertEquals(LedgerKeys.ENTRY_PARTITIONS + 1, byPartition.size(), "16 partitions of the chain, one of its neighbour");
        assertFalse(byPartition.containsKey(base), "no entry shares the head's partition");
        for (int p = 0; p < LedgerKeys.ENTRY_PARTITIONS; p++) {
            TreeSet<Long> seqs = byPartition.get(String.format("%s#%02d", base, p));
            TreeSet<Long> expected = new TreeSet<>();
            for (long s = 1; s <= N; s++) if (s % LedgerKeys.ENTRY_PARTITIONS == p) expected.add(s);
            assertEquals(expected, seqs, "partition " + p);
        }
    }

    @Test
    void rangeReads_returnExactlyTheRange_inOrder_fromEveryPartition() {
        var store = dynamoStore(client, table, Clock.systemUTC());
        long[][] ranges = {{1, Long.MAX_VALUE}, {1, N}, {5, 5}, {5, 7}, {15, 17}, {16, 31}, {3, 40}, {60, 200},
                {N, N}, {N + 1, N + 50}, {0, 3}, {1, Long.MAX_VALUE / 2}};
        for (long[] r : ranges) {
            List<Long> got = new ArrayList<>();
            store.readEntries(CHAIN, r[0], r[1]).forEachRemaining(e -> got.add(e.sequence()));
            List<Long> expected = new ArrayList<>();
            for (long s = Math.max(1, r[0]); s <= Math.min(N, r[1]); s++) expected.add(s);
            assertEquals(expected, got, "range " + r[0] + ".." + r[1]);
        }
        Entry e = store.readEntry(CHAIN, 33).orElseThrow();
        assertEquals(33, e.sequence());
        assertEquals(SERVICE, e.chainId());
    }

    @Test
    void aShortRange_queriesOnlyItsPartitions_aLongOneEvery() {
        var store = dynamoStore(client, table, Clock.systemUTC());
        log.clear();
        store.readEntries(CHAIN, 15, 17).forEachRemaining(e -> { });
        List<String> partitions = log.requests(QueryRequest.class).stream()
                .map(q -> q.expressionAttributeValues().get(":pk").s()).sorted().toList();
        String base = LedgerKeys.chainPk(CHAIN);
        assertEquals(List.of(base + "#00", base + "#01", base + "#15"), partitions);

        log.clear();
        store.readEntries(CHAIN, 1, Long.MAX_VALUE).forEachRemaining(e -> { });
        assertEquals(LedgerKeys.ENTRY_PARTITIONS, log.requests(QueryRequest.class).stream()
                .map(q -> q.expressionAttributeValues().get(":pk").s()).distinct().count());
    }

    @Test
    void aPartitionLongerThanItsFirstPage_isReadOnInLaterPages_inOrder() {
        // 230 entries: 14–15 a partition, more than a first page (12), so every partition is read in two Queries
        App app = TestApps.create(client, config(table), Clock.systemUTC());
        for (int i = N; i < 230; i++) app.decisions.record(TENANT, body(SERVICE, "refund", "d" + i), null);
        var store = dynamoStore(client, table, Clock.systemUTC());
        log.clear();
        List<Long> got = new ArrayList<>();
        store.readEntries(CHAIN, 1, Long.MAX_VALUE).forEachRemaining(e -> got.add(e.sequence()));
        List<Long> expected = new ArrayList<>();
        for (long s = 1; s <= 230; s++) expected.add(s);
        assertEquals(expected, got);
        assertEquals(2L * LedgerKeys.ENTRY_PARTITIONS, log.requests(QueryRequest.class).size(), "a first and a later page each");
    }

    @Test
    void chainOfEntryPk_parsesBack_everyChain_andRefusesOtherKeys() {
        for (String chainId : new String[] {"svc", "sup#07", "a#b#c", "#", "x#15"}) {
            ChainKey c = new ChainKey("acme", chainId);
            for (long seq : new long[] {0, 1, 15, 16, 17, 1_000_003}) {
                assertEquals(c, LedgerKeys.chainOfEntryPk(LedgerKeys.entry(c, seq).get("pk").s()), chainId + " " + seq);
            }
        }
        for (String other : new String[] {"CHAIN#acme#svc", "CHAIN#acme#svc#16", "CHAIN#acme#svc#1x", "CHAIN#acme#01",
                "CNT#acme#svc#01", "CHAIN##svc#01", "CHAIN#acme##01", "", "CHAIN#a#b#٣٣"}) {
            assertNull(LedgerKeys.chainOfEntryPk(other), other);
        }
        assertNull(LedgerKeys.chainOfEntryPk(null));
        assertTrue(LedgerKeys.entry(CHAIN, 17).get("pk").s().endsWith("#01"));
        assertEquals(AttributeValue.fromS("E#00000000000000000017"), LedgerKeys.entry(CHAIN, 17).get("sk"));
    }
}

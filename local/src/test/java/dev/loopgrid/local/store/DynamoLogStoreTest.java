package dev.loopgrid.local.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.log.DynamoLogStore;
import dev.loopgrid.aws.store.LedgerKeys;
import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.log.LogBatch;
import dev.loopgrid.core.log.LogState;
import dev.loopgrid.core.log.Run;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The log's sequencing store against DynamoDB Local: a batch's runs and leaf hashes live under a key of their own, the
 * tenant's one log partition only the state and a small pointer per batch (so a busy tenant's log partition takes
 * small writes), and batches read back whole, in order, from any index.
 */
class DynamoLogStoreTest extends StoreTestSupport {
    private static final String LOG_TENANT = "acme";

    private String table;
    private DynamoLogStore log;

    @BeforeEach
    void setUp() {
        table = freshTable();
        log = new DynamoLogStore(dynamo.client(), table);
    }

    /** A batch of {@code n} leaves from {@code from}, in two runs of two chains, leaf i's hash all bytes (i mod 251). */
    private static LogBatch batch(long from, int n) {
        byte[] leaves = new byte[n * 32];
        for (int i = 0; i < n; i++) java.util.Arrays.fill(leaves, i * 32, (i + 1) * 32, (byte) ((from + i) % 251));
        int half = n / 2;
        return new LogBatch(from, List.of(new Run("svc a", 1 + from, from + half, from, "h" + from),
                new Run("svc#b", 1 + from, from + n - half, from + half, "g" + from)), leaves);
    }

    private LogState commitAfter(LogState expected, LogBatch b) {
        LogState next = new LogState(b.endIndex(), new byte[] {(byte) b.endIndex()}, 0, 0, 0);
        log.commit(LOG_TENANT, expected, b, next);
        return log.state(LOG_TENANT);
    }

    @Test
    void batches_readBackWhole_inOrder_fromAnyIndex() {
        List<LogBatch> committed = List.of(batch(0, 1000), batch(1000, 10), batch(1010, 400));
        LogState s = LogState.EMPTY;
        for (LogBatch b : committed) s = commitAfter(s, b);
        assertEquals(1410, s.size());

        for (long from : new long[] {0, 999, 1000, 1005, 1010, 1409}) {
            List<LogBatch> read = new ArrayList<>();
            log.batches(LOG_TENANT, from).forEachRemaining(read::add);
            List<LogBatch> expected = committed.stream().filter(b -> b.endIndex() > from).toList();
            assertEquals(expected.size(), read.size(), "from " + from);
            for (int i = 0; i < read.size(); i++) {
                assertEquals(expected.get(i).fromIndex(), read.get(i).fromIndex());
                assertEquals(expected.get(i).runs(), read.get(i).runs());
                assertArrayEquals(expected.get(i).leafHashes(), read.get(i).leafHashes());
            }
        }
    }

    @Test
    void theTenantsLogPartition_holdsTheStateAndSmallPointersOnly_theLeavesLiveUnderKeysOfTheirOwn() {
        LogState s = commitAfter(LogState.EMPTY, batch(0, 1000));
        commitAfter(s, batch(1000, 1000));

        var partition = dynamo.client().query(q -> q.tableName(table).keyConditionExpression("pk = :pk").consistentRead(true)
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(LedgerKeys.logPk(LOG_TENANT))))).items();
        assertEquals(List.of("B#00000000000000000000", "B#00000000000000001000", "STATE"),
                partition.stream().map(i -> i.get("sk").s()).sorted().toList());
        for (Map<String, AttributeValue> pointer : partition) {
            if (pointer.get("sk").s().startsWith("B#")) {
                assertEquals(java.util.Set.of("pk", "sk", "size"), pointer.keySet(), "a pointer is small");
            }
        }
        Map<String, AttributeValue> own = cleanStoreItem(table, LedgerKeys.key(LedgerKeys.logBatchPk(LOG_TENANT, 1000),
                LedgerKeys.LOG_BATCH_SK));
        assertEquals(32_000, own.get("leaves").b().asByteArray().length, "the leaves, under the batch's own key");
    }

    @Test
    void aPointerWhoseBatchIsGone_orABatchEditedToNonsense_isAnUnreadableLog_notAWrongOne() {
        commitAfter(LogState.EMPTY, batch(0, 10));
        dynamo.client().deleteItem(d -> d.tableName(table).key(LedgerKeys.key(LedgerKeys.logBatchPk(LOG_TENANT, 0),
                LedgerKeys.LOG_BATCH_SK)));
        StoreException.Unavailable gone = assertThrows(StoreException.Unavailable.class,
                () -> log.batches(LOG_TENANT, 0).hasNext());
        assertTrue(gone.getMessage().contains("missing"), gone.getMessage());

        String other = "beta";
        log.commit(other, LogState.EMPTY, batch(0, 10), new LogState(10, new byte[] {10}, 0, 0, 0));
        dynamo.client().updateItem(u -> u.tableName(table).key(LedgerKeys.key(LedgerKeys.logBatchPk(other, 0),
                LedgerKeys.LOG_BATCH_SK)).updateExpression("SET leaves = :l")
                .expressionAttributeValues(Map.of(":l", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[7])))));
        assertThrows(StoreException.Unavailable.class, () -> log.batches(other, 0).hasNext());
    }
}

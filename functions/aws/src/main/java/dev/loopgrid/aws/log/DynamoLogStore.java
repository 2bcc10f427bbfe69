package dev.loopgrid.aws.log;

import dev.loopgrid.aws.store.LedgerKeys;
import dev.loopgrid.aws.store.LedgerTable;
import dev.loopgrid.aws.store.TableAccess;
import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.log.LogBatch;
import dev.loopgrid.core.log.LogState;
import dev.loopgrid.core.log.LogStore;
import dev.loopgrid.core.log.Run;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * The log's sequencing in the ledger table (keys in {@link LedgerKeys}):
 * <pre>
 * state   pk = LOG#tenant              sk = STATE          size, range (compact range), tiled, cp_size, cp_at
 * pointer pk = LOG#tenant              sk = B#&lt;from index&gt;  size (one per batch: how batches are found in order)
 * batch   pk = LOG#tenant#B#&lt;from index&gt;  sk = BATCH  runs (chain, from, to, index, last hash per line), leaves, size
 * run     pk = LOGRUN#tenant#chain     sk = R#&lt;from seq&gt;    to_seq, from_index, last_hash
 * </pre>
 * A commit is one {@code TransactWriteItems}: the batch, its pointer and every run put only if absent, the state moved
 * only from the size it was read at — so two integrators can never give one entry two places or one place two
 * entries. A batch's leaves live under a key of their own, so the tenant's one log partition takes small writes only.
 */
public final class DynamoLogStore implements LogStore {
    static final String ABSENT = "attribute_not_exists(pk)";
    private static final int PAGE = 50;

    private final DynamoDbClient dynamo;
    private final String table;
    private final TableAccess access;

    public DynamoLogStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
        this.access = new TableAccess(dynamo, table);
    }

    @Override
    public LogState state(String tenant) {
        Map<String, AttributeValue> item = get(LedgerKeys.key(LedgerKeys.logPk(tenant), LedgerKeys.LOG_STATE_SK));
        if (item == null || !item.containsKey("size")) return LogState.EMPTY;
        return new LogState(num(item, "size"), bytes(item, "range"), num(item, "tiled"), num(item, "cp_size"),
                num(item, "cp_at"));
    }

    @Override
    public Optional<Run> lastRun(String tenant, String chainId) {
        return firstRun(QueryRequest.builder().tableName(table).keyConditionExpression("pk = :pk")
                .expressionAttributeValues(Map.of(":pk", s(LedgerKeys.logRunPk(tenant, chainId))))
                .scanIndexForward(false).limit(1).consistentRead(true).build(), chainId);
    }

    @Override
    public Optional<Run> runOf(String tenant, String chainId, long sequence) {
        if (sequence < 1) return Optional.empty();
        Optional<Run> r = firstRun(QueryRequest.builder().tableName(table).keyConditionExpression("pk = :pk AND sk <= :sk")
                .expressionAttributeValues(Map.of(":pk", s(LedgerKeys.logRunPk(tenant, chainId)),
                        ":sk", s(LedgerKeys.logRunSk(sequence))))
                .scanIndexForward(false).limit(1).consistentRead(true).build(), chainId);
        return r.filter(run -> run.toSequence() >= sequence);
    }

    private Optional<Run> firstRun(QueryRequest q, String chainId) {
        QueryResponse r = query(q);
        if (r.items().isEmpty()) return Optional.empty();
        Map<String, AttributeValue> i = r.items().get(0);
        try {
            return Optional.of(new Run(chainId, Long.parseLong(i.get(LedgerTable.SK).s().substring(2)), num(i, "to_seq"),
                    num(i, "from_index"), str(i, "last_hash")));
        } catch (RuntimeException e) {
            throw new StoreException.Unavailable("log run item of chain " + chainId + " is unreadable: " + e.getMessage(), null);
        }
    }

    @Override
    public void commit(String tenant, LogState expected, LogBatch batch, LogState next) {
        List<TransactWriteItem> items = new ArrayList<>();
        Map<String, AttributeValue> pointer = new HashMap<>(LedgerKeys.key(LedgerKeys.logPk(tenant),
                LedgerKeys.logBatchSk(batch.fromIndex())));
        pointer.put("size", n(batch.size()));
        items.add(TransactWriteItem.builder().put(Put.builder().tableName(table).item(pointer).conditionExpression(ABSENT)
                .build()).build());
        Map<String, AttributeValue> b = new HashMap<>(LedgerKeys.key(LedgerKeys.logBatchPk(tenant, batch.fromIndex()),
                LedgerKeys.LOG_BATCH_SK));
        StringBuilder runs = new StringBuilder();
        for (Run r : batch.runs()) {
            runs.append(r.fromSequence()).append(' ').append(r.toSequence()).append(' ').append(r.fromIndex()).append(' ')
                    .append(r.lastHash()).append(' ').append(r.chainId()).append('\n'); // the chain last: it may hold spaces
        }
        b.put("runs", s(runs.toString()));
        b.put("leaves", AttributeValue.fromB(SdkBytes.fromByteArray(batch.leafHashes())));
        b.put("size", n(batch.size()));
        items.add(TransactWriteItem.builder().put(Put.builder().tableName(table).item(b).conditionExpression(ABSENT).build()).build());
        for (Run r : batch.runs()) {
            Map<String, AttributeValue> item = new HashMap<>(LedgerKeys.key(LedgerKeys.logRunPk(tenant, r.chainId()),
                    LedgerKeys.logRunSk(r.fromSequence())));
            item.put("to_seq", n(r.toSequence()));
            item.put("from_index", n(r.fromIndex()));
            item.put("last_hash", s(r.lastHash()));
            items.add(TransactWriteItem.builder().put(Put.builder().tableName(table).item(item).conditionExpression(ABSENT).build()).build());
        }
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":size", n(next.size()));
        values.put(":range", AttributeValue.fromB(SdkBytes.fromByteArray(next.range())));
        String condition;
        if (expected.size() == 0) {
            condition = "attribute_not_exists(#size)";
        } else {
            condition = "#size = :expected";
            values.put(":expected", n(expected.size()));
        }
        items.add(TransactWriteItem.builder().update(Update.builder().tableName(table)
                .key(LedgerKeys.key(LedgerKeys.logPk(tenant), LedgerKeys.LOG_STATE_SK))
                .updateExpression("SET #size = :size, #range = :range")
                .conditionExpression(condition)
                .expressionAttributeNames(Map.of("#size", "size", "#range", "range"))
                .expressionAttributeValues(values).build()).build());
        try {
            dynamo.transactWriteItems(t -> t.transactItems(items));
        } catch (TransactionCanceledException e) {
            boolean conflict = e.hasCancellationReasons() && e.cancellationReasons().stream()
                    .anyMatch(r -> "ConditionalCheckFailed".equals(r.code()));
            if (conflict) throw new StoreException.HeadMoved("the log of tenant " + tenant + " moved", null);
            throw new StoreException.Unavailable("log commit cancelled: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new StoreException.Unavailable("log commit failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void markTiled(String tenant, long size) {
        forward(tenant, "tiled", size, null, 0);
    }

    @Override
    public void markCheckpointed(String tenant, long size, long atMillis) {
        forward(tenant, "cp_size", size, "cp_at", atMillis);
    }

    /** Moves a state counter forward only (a stale writer's update is a no-op). */
    private void forward(String tenant, String attr, long value, String atAttr, long at) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":v", n(value));
        Map<String, String> names = new HashMap<>(Map.of("#a", attr));
        if (atAttr != null) {
            names.put("#t", atAttr);
            values.put(":t", n(at));
        }
        String set = atAttr == null ? "SET #a = :v" : "SET #a = :v, #t = :t";
        try {
            dynamo.updateItem(u -> u.tableName(table).key(LedgerKeys.key(LedgerKeys.logPk(tenant), LedgerKeys.LOG_STATE_SK))
                    .updateExpression(set).conditionExpression("attribute_exists(pk) AND (attribute_not_exists(#a) OR #a < :v)")
                    .expressionAttributeNames(names).expressionAttributeValues(values));
        } catch (ConditionalCheckFailedException e) {
            // already there, or further
        } catch (SdkException e) {
            throw new StoreException.Unavailable("log state update failed: " + e.getMessage(), e);
        }
    }

    /**
     * The batch holding {@code fromIndex} and every one after it: the pointers are read from the tenant's log partition
     * in key order ({@value #PAGE} a page), each page's batch items by key (one BatchGetItem).
     */
    @Override
    public Iterator<LogBatch> batches(String tenant, long fromIndex) {
        // the batch holding fromIndex starts at or before it: find its key, then read forward from there
        QueryResponse first = query(QueryRequest.builder().tableName(table).keyConditionExpression("pk = :pk AND sk <= :sk")
                .expressionAttributeValues(Map.of(":pk", s(LedgerKeys.logPk(tenant)), ":sk", s(LedgerKeys.logBatchSk(fromIndex))))
                .scanIndexForward(false).limit(1).consistentRead(true).build());
        String start = first.items().isEmpty() ? LedgerKeys.logBatchSk(0) : first.items().get(0).get(LedgerTable.SK).s();
        QueryRequest base = QueryRequest.builder().tableName(table).keyConditionExpression("pk = :pk AND sk BETWEEN :from AND :to")
                .expressionAttributeValues(Map.of(":pk", s(LedgerKeys.logPk(tenant)), ":from", s(start), ":to", s("B#\uffff")))
                .consistentRead(true).limit(PAGE).build();
        return new Iterator<>() {
            Iterator<LogBatch> page = List.<LogBatch>of().iterator();
            Map<String, AttributeValue> startKey;
            boolean last;

            @Override
            public boolean hasNext() {
                while (!page.hasNext() && !last) {
                    QueryResponse r = query(startKey == null ? base : base.toBuilder().exclusiveStartKey(startKey).build());
                    page = batchesOf(tenant, r.items()).iterator();
                    startKey = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
                    last = startKey == null;
                }
                return page.hasNext();
            }

            @Override
            public LogBatch next() {
                if (!hasNext()) throw new NoSuchElementException();
                return page.next();
            }
        };
    }

    /** The batches the {@code pointers} name, in their order; a pointer without its batch item is an edited log. */
    private List<LogBatch> batchesOf(String tenant, List<Map<String, AttributeValue>> pointers) {
        List<Long> froms = new ArrayList<>(pointers.size());
        List<Map<String, AttributeValue>> keys = new ArrayList<>(pointers.size());
        for (Map<String, AttributeValue> p : pointers) {
            long from = fromOf(p.get(LedgerTable.SK));
            froms.add(from);
            keys.add(LedgerKeys.key(LedgerKeys.logBatchPk(tenant, from), LedgerKeys.LOG_BATCH_SK));
        }
        Map<String, Map<String, AttributeValue>> byPk = new HashMap<>();
        if (!keys.isEmpty()) {
            for (Map<String, AttributeValue> item : access.batchGet(keys)) byPk.put(item.get(LedgerTable.PK).s(), item);
        }
        List<LogBatch> out = new ArrayList<>(froms.size());
        for (long from : froms) {
            Map<String, AttributeValue> item = byPk.get(LedgerKeys.logBatchPk(tenant, from));
            if (item == null) {
                // a pointer whose batch is gone: the verifier will find the log disagrees with its signed checkpoints
                throw new StoreException.Unavailable("log batch " + LedgerKeys.logBatchSk(from) + " of tenant " + tenant
                        + " is missing", null);
            }
            out.add(batch(from, item));
        }
        return out;
    }

    private static long fromOf(AttributeValue sk) {
        try {
            return Long.parseLong(sk.s().substring(2));
        } catch (RuntimeException e) {
            throw new StoreException.Unavailable("log batch pointer " + sk + " is unreadable", null);
        }
    }

    private static LogBatch batch(long from, Map<String, AttributeValue> item) {
        try {
            List<Run> runs = new ArrayList<>();
            for (String line : str(item, "runs").split("\n")) {
                if (line.isEmpty()) continue;
                String[] p = line.split(" ", 5);
                runs.add(new Run(p[4], Long.parseLong(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2]), p[3]));
            }
            return new LogBatch(from, runs, item.get("leaves").b().asByteArray());
        } catch (RuntimeException e) {
            // a batch item someone edited: the verifier will find the log disagrees with its signed checkpoints
            throw new StoreException.Unavailable("log batch item " + item.get(LedgerTable.PK) + " is unreadable: " + e.getMessage(), null);
        }
    }

    private Map<String, AttributeValue> get(Map<String, AttributeValue> key) {
        return access.get(key);
    }

    private QueryResponse query(QueryRequest q) {
        return access.query(q);
    }

    private static AttributeValue s(String v) { return AttributeValue.fromS(v); }

    private static AttributeValue n(long v) { return AttributeValue.fromN(Long.toString(v)); }

    private static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.s() == null ? "" : v.s();
    }

    private static long num(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? 0 : Long.parseLong(v.n());
    }

    private static byte[] bytes(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.b() == null ? new byte[0] : v.b().asByteArray();
    }
}

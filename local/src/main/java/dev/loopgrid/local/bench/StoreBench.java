package dev.loopgrid.local.bench;

import dev.loopgrid.aws.store.LedgerTable;
import dev.loopgrid.local.EmbeddedDynamo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/**
 * The local store's own ceiling, with nothing of LoopGrid on the path: THREADS threads send one kind of request
 * ({@link #OPS}) to a fresh in-memory DynamoDB Local with the ledger's table (its four indexes), in a closed loop:
 * <ul>
 *   <li>{@code tx}: transactions of ITEMS conditional puts (each {@code attribute_not_exists(pk)}, SIZE bytes of
 *       content, over 64 partition keys); every second item carries the four index keys, as a decision's projection
 *       beside its entry does. Whatever the stack does per item (an OTLP span is an entry and a projection: two items)
 *       is bounded by this rate.</li>
 *   <li>{@code put}: single conditional {@code PutItem}s of such items (a staged request's write).</li>
 *   <li>{@code get}: consistent {@code BatchGetItem}s of ITEMS keys of items the warm-up wrote (a staged writer's
 *       poll reads two).</li>
 * </ul>
 * Prints items/s, requests/s and time per request. With {@code --items 1} the rates bound what any design can do
 * per request here: the Lambda model's one-request-at-a-time writers need at least a write and a read per append.
 */
final class StoreBench {
    /** The kinds of request measured. */
    static final java.util.List<String> OPS = java.util.List.of("tx", "put", "get");

    record Options(int items, int threads, int seconds, int warmup, int size, String op) {}

    private StoreBench() {}

    static int run(Options o) throws Exception {
        try (EmbeddedDynamo dynamo = EmbeddedDynamo.start(null)) {
            String table = "loopgrid-store-bench";
            dynamo.ensureTable(table);
            DynamoDbClient client = dynamo.client();
            String content = "x".repeat(o.size());
            AtomicLong seq = new AtomicLong();
            // the warm-up always writes (as tx, or as puts): a get bench reads what it wrote
            Options warm = o.op().equals("get") ? new Options(Math.max(o.items(), 2), o.threads(), o.warmup(), 0, o.size(), "tx") : o;
            if (o.warmup() > 0 || o.op().equals("get")) phase(client, table, content, warm, Math.max(1, o.warmup()), seq);
            long written = seq.get();
            long[] done = phase(client, table, content, o, o.seconds(), o.op().equals("get") ? new AtomicLong(written) : seq);
            double seconds = done[2] / 1e9;
            System.out.printf("store: op=%s items/request=%d threads=%d size=%d seconds=%d items=%d rate=%.0f items/s"
                            + " requests=%.1f/s ms/request=%.1f%n", o.op(), o.items(), o.threads(), o.size(), o.seconds(),
                    done[0], done[0] / seconds, done[1] / seconds,
                    done[1] == 0 ? 0 : 1000.0 * seconds * o.threads() / done[1]);
            return done[0] > 0 ? 0 : 1;
        }
    }

    /**
     * Sends {@code o.op()} requests for {@code seconds}: items, requests, nanoseconds elapsed. A get reads random items
     * among the {@code seq} written before.
     */
    private static long[] phase(DynamoDbClient client, String table, String content, Options o, int seconds,
                                AtomicLong seq) throws Exception {
        AtomicLong items = new AtomicLong();
        AtomicLong transactions = new AtomicLong();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(o.threads());
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < o.threads(); t++) {
                running.add(pool.submit(() -> {
                    java.util.SplittableRandom random = new java.util.SplittableRandom();
                    while (System.nanoTime() < end) {
                        switch (o.op()) {
                            case "put" -> {
                                Put p = put(table, seq.incrementAndGet(), content, true);
                                client.putItem(b -> b.tableName(table).item(p.item()).conditionExpression(p.conditionExpression()));
                                items.incrementAndGet();
                            }
                            case "get" -> {
                                Map<String, software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes> want = new HashMap<>();
                                List<Map<String, AttributeValue>> keys = new ArrayList<>(o.items());
                                java.util.Set<Long> picked = new java.util.HashSet<>();
                                while (picked.size() < Math.min(o.items(), seq.get())) picked.add(1 + random.nextLong(seq.get()));
                                for (long n : picked) keys.add(Map.of(LedgerTable.PK, AttributeValue.fromS("BENCH#" + (n % 64)),
                                        LedgerTable.SK, AttributeValue.fromS("E#" + n)));
                                want.put(table, software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes.builder()
                                        .keys(keys).consistentRead(true).build());
                                int got = client.batchGetItem(b -> b.requestItems(want)).responses().getOrDefault(table, List.of()).size();
                                if (got != keys.size()) throw new IllegalStateException("read " + got + " of " + keys.size() + " items");
                                items.addAndGet(got);
                            }
                            default -> {
                                List<TransactWriteItem> writes = new ArrayList<>(o.items());
                                for (int i = 0; i < o.items(); i++) {
                                    writes.add(TransactWriteItem.builder().put(put(table, seq.incrementAndGet(), content, i % 2 == 1)).build());
                                }
                                client.transactWriteItems(b -> b.transactItems(writes));
                                items.addAndGet(o.items());
                            }
                        }
                        transactions.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) f.get(); // a failed write fails the bench
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
        return new long[] {items.get(), transactions.get(), System.nanoTime() - start};
    }

    private static Put put(String table, long n, String content, boolean indexed) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(LedgerTable.PK, AttributeValue.fromS("BENCH#" + (n % 64)));
        item.put(LedgerTable.SK, AttributeValue.fromS("E#" + n));
        item.put("content", AttributeValue.fromS(content));
        if (indexed) {
            for (String[] index : LedgerTable.INDEXES) {
                item.put(index[1], AttributeValue.fromS("BENCH#" + index[1] + "#" + (n % 96)));
            }
            item.put(LedgerTable.LIST_SORT_KEY, AttributeValue.fromS("2026-12-05T00:00:00.000Z#" + n));
        }
        return Put.builder().tableName(table).item(item).conditionExpression("attribute_not_exists(pk)").build();
    }
}

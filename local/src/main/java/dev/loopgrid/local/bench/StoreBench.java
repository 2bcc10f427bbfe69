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
 * The local store's own ceiling, with nothing of LoopGrid on the path: THREADS threads write transactions of ITEMS
 * conditional puts (each {@code attribute_not_exists(pk)}, SIZE bytes of content, over 64 partition keys) to a fresh
 * in-memory DynamoDB Local with the ledger's table (its four indexes); every second item carries the four index keys,
 * as a decision's projection beside its entry does. Prints items/s, transactions/s and time per transaction. Whatever
 * the stack does per item (an OTLP span is an entry and a projection: two items) is bounded by this rate.
 */
final class StoreBench {
    record Options(int items, int threads, int seconds, int warmup, int size) {}

    private StoreBench() {}

    static int run(Options o) throws Exception {
        try (EmbeddedDynamo dynamo = EmbeddedDynamo.start(null)) {
            String table = "loopgrid-store-bench";
            dynamo.ensureTable(table);
            DynamoDbClient client = dynamo.client();
            String content = "x".repeat(o.size());
            AtomicLong seq = new AtomicLong();
            if (o.warmup() > 0) phase(client, table, content, o, o.warmup(), seq);
            long[] done = phase(client, table, content, o, o.seconds(), seq);
            double seconds = done[2] / 1e9;
            System.out.printf("store: items/tx=%d threads=%d size=%d seconds=%d items=%d rate=%.0f items/s tx=%.1f/s"
                            + " ms/tx=%.1f%n", o.items(), o.threads(), o.size(), o.seconds(), done[0], done[0] / seconds,
                    done[1] / seconds, done[1] == 0 ? 0 : 1000.0 * seconds * o.threads() / done[1]);
            return done[0] > 0 ? 0 : 1;
        }
    }

    /** Writes for {@code seconds}: items, transactions, nanoseconds elapsed. */
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
                    while (System.nanoTime() < end) {
                        List<TransactWriteItem> writes = new ArrayList<>(o.items());
                        for (int i = 0; i < o.items(); i++) writes.add(put(table, seq.incrementAndGet(), content, i % 2 == 1));
                        client.transactWriteItems(b -> b.transactItems(writes));
                        items.addAndGet(o.items());
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

    private static TransactWriteItem put(String table, long n, String content, boolean indexed) {
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
        return TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                .conditionExpression("attribute_not_exists(pk)").build()).build();
    }
}

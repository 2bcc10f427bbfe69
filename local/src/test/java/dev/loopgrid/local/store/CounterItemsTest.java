package dev.loopgrid.local.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.store.DynamoChainStore;
import dev.loopgrid.aws.store.LedgerKeys;
import dev.loopgrid.aws.store.ProjectionWriters;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.decision.CounterGroups;
import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.decision.DecisionQuery;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.local.EmbeddedDynamo;
import dev.loopgrid.local.TestApps;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.DoubleAdder;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

/**
 * The chain's counters in their own bounded items (issue 13, item 4), against DynamoDB Local through the real API:
 * a client sending thousands of distinct type and model names neither grows the head nor any item without bound,
 * nor the cost of an append; and the cap on distinct names holds exactly when processes race for its last slot.
 */
class CounterItemsTest extends StoreTestSupport {
    /** Bound on every item this test writes (decisions of ~400 bytes): entries, projections, counter items. */
    static final int ITEM_BOUND = 8 * 1024;
    /** Bound on every counter item, whatever the number of names (at most ~130 small attributes, or 100 names). */
    static final int COUNTER_ITEM_BOUND = 4 * 1024;

    /**
     * Sums the write units DynamoDB reports for committed TransactWriteItems, and keeps the requests while recording.
     * DynamoDB Local's figure is only right for small transactions (for a batch of 15 decisions it reports about one
     * decision's worth), so the test measures single appends, and also computes the table's units itself.
     */
    static final class Capacity implements ExecutionInterceptor {
        final DoubleAdder wcu = new DoubleAdder();
        final List<TransactWriteItemsRequest> requests = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile boolean recording;

        @Override
        public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
            if (context.request() instanceof TransactWriteItemsRequest t && t.returnConsumedCapacity() == null) {
                return t.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.INDEXES).build();
            }
            return context.request();
        }

        @Override
        public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
            if (!"TransactWriteItems".equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) return;
            Object cc = context.response().getValueForField("ConsumedCapacity", Object.class).orElse(null);
            if (recording) requests.add((TransactWriteItemsRequest) context.request());
            if (cc instanceof List<?> list) {
                for (Object x : list) {
                    if (x instanceof ConsumedCapacity c && c.capacityUnits() != null) wcu.add(c.capacityUnits());
                }
            }
        }
    }

    private static ObjectNode body(int i) {
        ObjectNode b = Json.object();
        b.put("service_name", "names");
        b.put("decision_type", String.format("type-%05d", i));
        b.putObject("input").put("q", "question " + i);
        b.putObject("model").put("provider", "prov").put("name", String.format("model-%05d", i));
        b.putObject("output").put("answer", "yes");
        b.putObject("metadata").put("latency_ms", 1 + (i * 37) % 5000).put("input_tokens", 10).put("output_tokens", 5);
        return b;
    }

    /** The item's size by DynamoDB's rules (names and values in UTF-8; numbers about 1 byte per 2 digits + 1). */
    static int itemBytes(Map<String, AttributeValue> item) {
        int bytes = 0;
        for (Map.Entry<String, AttributeValue> a : item.entrySet()) {
            bytes += a.getKey().getBytes(StandardCharsets.UTF_8).length + valueBytes(a.getValue());
        }
        return bytes;
    }

    private static int valueBytes(AttributeValue v) {
        if (v.s() != null) return v.s().getBytes(StandardCharsets.UTF_8).length;
        if (v.n() != null) return (v.n().length() + 1) / 2 + 1;
        if (v.bool() != null || v.nul() != null) return 1;
        if (v.b() != null) return v.b().asByteArray().length;
        int n = 3;
        if (v.hasSs()) for (String s : v.ss()) n += s.getBytes(StandardCharsets.UTF_8).length;
        if (v.hasNs()) for (String s : v.ns()) n += (s.length() + 1) / 2 + 1;
        if (v.hasL()) for (AttributeValue x : v.l()) n += 1 + valueBytes(x);
        if (v.hasM()) for (Map.Entry<String, AttributeValue> x : v.m().entrySet()) {
            n += 1 + x.getKey().getBytes(StandardCharsets.UTF_8).length + valueBytes(x.getValue());
        }
        return n;
    }

    @Test
    void fiveThousandDistinctTypesAndModels_keepTheHeadUnder1KB_everyItemBounded_andTheCostPerAppendFlat() {
        // given one process over a client that sums the write units of its transactions
        String table = freshTable();
        ChainKey chain = new ChainKey(TENANT, "names");
        Capacity capacity = new Capacity();
        DynamoDbClient client = client(16, c -> c.addExecutionInterceptor(capacity));
        App app = TestApps.create(client, config(table), Clock.systemUTC());
        int perBatch = DecisionService.MAX_BATCH;

        // when 5,000 decisions, each with its own decision_type and model, are recorded: the first and last 100 one
        // request each (measured), the 4,800 between them 100 per batch request
        long started = System.nanoTime();
        double[] first100 = measure(app, client, table, capacity, 0);
        for (int b = 1; b < 49; b++) {
            ObjectNode req = Json.object();
            ArrayNode list = req.putArray("decisions");
            for (int i = 0; i < perBatch; i++) list.add(body(b * perBatch + i));
            for (DecisionService.BatchItem item : app.decisions.recordBatch(TENANT, req)) {
                assertNull(item.error(), () -> "every decision is recorded (201): " + item.error());
            }
        }
        double[] last100 = measure(app, client, table, capacity, 4900);
        double seconds = (System.nanoTime() - started) / 1e9;

        // then the head item is position only, under 1 KB
        Map<String, AttributeValue> headItem = client.getItem(GetItemRequest.builder().tableName(table)
                .key(LedgerKeys.head(chain)).consistentRead(true).build()).item();
        int headBytes = itemBytes(headItem);
        assertTrue(headBytes < 1024, "head item " + headBytes + " bytes: " + headItem.keySet());
        // and no item of the table exceeds its bound
        int largest = 0;
        int largestCounter = 0;
        int counterItems = 0;
        Map<String, AttributeValue> start = null;
        do {
            ScanRequest.Builder scan = ScanRequest.builder().tableName(table);
            if (start != null) scan.exclusiveStartKey(start);
            ScanResponse r = client.scan(scan.build());
            for (Map<String, AttributeValue> item : r.items()) {
                int bytes = itemBytes(item);
                largest = Math.max(largest, bytes);
                if (item.get("pk").s().startsWith("CNT#")) {
                    counterItems++;
                    largestCounter = Math.max(largestCounter, bytes);
                }
            }
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        assertTrue(largest <= ITEM_BOUND, "largest item " + largest + " bytes");
        assertTrue(largestCounter <= COUNTER_ITEM_BOUND, "largest counter item " + largestCounter + " bytes");
        // 100 types + other, 100 models + other, the totals, one week (two if the run crosses a week), two name sets
        assertTrue(counterItems >= 205 && counterItems <= 206, counterItems + " counter items");
        // and an append costs no more at the end than at the start (it costs less: the last ones admit no names)
        assertTrue(first100[0] > 0, "DynamoDB Local reports consumed capacity");
        assertTrue(last100[0] <= first100[0], "reported WCU of the last 100 appends " + last100[0] + " > first 100 " + first100[0]);
        assertTrue(last100[1] <= first100[1], "computed WCU of the last 100 appends " + last100[1] + " > first 100 " + first100[1]);
        // and the counters are exact, with the names beyond the cap under "(other)"
        ChainHead head = cleanStore(table).readHead(chain).orElseThrow();
        assertEquals(5000, head.sequence());
        assertEquals(5000, head.counter(Counters.DECISIONS));
        assertEquals(1, head.counter(Counters.type("type-00042")));
        assertEquals(4900, head.counter(Counters.type(CounterGroups.OTHER)));
        assertEquals(4900, head.counter(Counters.model(CounterGroups.OTHER)));
        assertEquals(49000, head.counter(Counters.tokensIn(CounterGroups.OTHER)));
        assertEquals(101, head.counters().keySet().stream().filter(k -> k.startsWith("type:")).count());
        // and a list's total stays exact for a folded type (counted through the index)
        assertEquals(1, cleanStore(table).listDecisions(TENANT,
                new DecisionQuery("names", "type-04321", null, null, null, 1, 20, null)).total());
        assertEquals(1, cleanStore(table).listDecisions(TENANT,
                new DecisionQuery(null, "type-00007", null, null, null, 1, 20, null)).total());
        System.out.printf("5000 distinct names: %.1f s; head item %d bytes; largest item %d bytes, largest counter item %d"
                        + " bytes (%d counter items); WCU per append reported by DynamoDB Local: first 100 %.2f, last 100"
                        + " %.2f; table WCU computed from item sizes: first 100 %.2f, last 100 %.2f%n", seconds,
                headBytes, largest, largestCounter, counterItems, first100[0] / 100, last100[0] / 100,
                first100[1] / 100, last100[1] / 100);
        client.close();
    }

    /**
     * Records decisions {@code from}..{@code from + 99} one request each.
     *
     * @return the write units of their transactions: as DynamoDB Local reports them (table and indexes), and as
     *         computed for the table from the items' sizes after the last (2 per started KB per transactional write)
     */
    private static double[] measure(App app, DynamoDbClient client, String table, Capacity capacity, int from) {
        capacity.requests.clear();
        double before = capacity.wcu.sum();
        capacity.recording = true;
        for (int i = from; i < from + 100; i++) app.decisions.record(TENANT, body(i), null);
        capacity.recording = false;
        double reported = capacity.wcu.sum() - before;
        double computed = 0;
        for (TransactWriteItemsRequest t : capacity.requests) {
            for (var w : t.transactItems()) {
                Map<String, AttributeValue> key = w.put() != null
                        ? Map.of("pk", w.put().item().get("pk"), "sk", w.put().item().get("sk"))
                        : w.update() != null ? w.update().key() : null;
                if (key == null) continue;
                Map<String, AttributeValue> item = client.getItem(GetItemRequest.builder().tableName(table).key(key)
                        .consistentRead(true).build()).item();
                computed += 2 * Math.ceil(Math.max(1, itemBytes(item)) / 1024.0);
            }
        }
        assertEquals(100, capacity.requests.size(), "one transaction per single append");
        return new double[] {reported, computed};
    }

    @Test
    void processesRacingForTheLastSlot_exactlyOneGetsItsOwnCounters_theRestFoldIntoOther() throws Exception {
        // given a chain whose cap (3) has one slot left for types and for models
        String table = freshTable();
        ChainKey chain = new ChainKey(TENANT, "race");
        int cap = 3;
        DynamoDbClient client = EmbeddedDynamo.newClient(dynamo.endpoint(), 32);
        Ledger.Policy patient = new Ledger.Policy(200, 2, 50, 15, 3_000_000);
        DecisionService seed = service(client, table, cap, patient);
        seed.record(TENANT, StoreTestSupport.body("race", "a", "a"), null);
        ObjectNode b = StoreTestSupport.body("race", "b", "b");
        ((ObjectNode) b.get("model")).put("name", "seed");
        seed.record(TENANT, b, null);

        // when six processes (own store, own caches, own ledger) each record a decision of a new type at once
        int processes = 6;
        ExecutorService pool = Executors.newFixedThreadPool(processes);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int p = 0; p < processes; p++) {
            DecisionService mine = service(client, table, cap, patient);
            // each process has already read the admitted names (two of three), so each believes the slot is free
            mine.record(TENANT, StoreTestSupport.body("race", "a", "warm" + p), null);
            String type = "new" + p;
            done.add(pool.submit(() -> {
                go.await();
                ObjectNode body = StoreTestSupport.body("race", type, type);
                ((ObjectNode) body.get("model")).put("name", type);
                return mine.record(TENANT, body, null);
            }));
        }
        go.countDown();
        for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        pool.shutdown();

        // then exactly one new type and one new model got their own counters; the others count under "(other)"
        ChainHead head = cleanStore(table).readHead(chain).orElseThrow();
        long ownTypes = 0;
        long ownModels = 0;
        for (int p = 0; p < processes; p++) {
            ownTypes += head.counter(Counters.type("new" + p));
            ownModels += head.counter(Counters.model("openai/new" + p));
        }
        assertEquals(1, ownTypes, head.counters().toString());
        assertEquals(1, ownModels, head.counters().toString());
        assertEquals(processes - 1, head.counter(Counters.type(CounterGroups.OTHER)));
        assertEquals(processes - 1, head.counter(Counters.model(CounterGroups.OTHER)));
        // and the totals are exact
        assertEquals(2 + 2 * processes, head.counter(Counters.DECISIONS));
        assertEquals(1 + processes, head.counter(Counters.type("a")));
        assertEquals(1, head.counter(Counters.type("b")));
        assertEquals(1 + processes, head.counter(Counters.model("openai/gpt-4o-mini")));
        assertEquals(1, head.counter(Counters.model("openai/seed")));
        long typeSum = head.counters().entrySet().stream().filter(e -> e.getKey().startsWith("type:"))
                .mapToLong(Map.Entry::getValue).sum();
        assertEquals(2 + 2 * processes, typeSum);
        assertEquals(4, head.counters().keySet().stream().filter(k -> k.startsWith("type:")).count());
        client.close();
    }

    private static DecisionService service(DynamoDbClient client, String table, int cap, Ledger.Policy policy) {
        DynamoChainStore chains = new DynamoChainStore(client, table, Clock.systemUTC(), ProjectionWriters.standard(), cap);
        var store = dynamoStore(client, table, Clock.systemUTC(), cap);
        return new DecisionService(chains, store, new Ledger(chains, Clock.systemUTC(), policy, null), Clock.systemUTC(),
                DecisionService.DEFAULT_MAX_CONTENT_BYTES, null, DecisionService.DEFAULT_MAX_CONTENT_BYTES);
    }
}

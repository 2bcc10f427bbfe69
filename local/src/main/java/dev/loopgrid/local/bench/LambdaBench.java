package dev.loopgrid.local.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.handlers.RecordDecisionHandler;
import dev.loopgrid.aws.store.LedgerTable;
import dev.loopgrid.core.IntegrityService;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.ledger.Ledger;
import dev.loopgrid.local.EmbeddedDynamo;
import dev.loopgrid.local.LocalLambdaContext;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * {@code bench lambda}: the Lambda model. On AWS each function instance serves one request at a time, so the
 * ledger's per-process group commit never batches and N instances on one chain are N independent writers. Here
 * INSTANCES {@link App}s, each with its own DynamoDB client and so its own {@code Ledger} (nothing shared in process),
 * are each driven by one thread in a closed loop through {@link RecordDecisionHandler} (the status codes a client
 * would see) against one DynamoDB Local in memory, for SECONDS after a short warm-up.
 *
 * <p>An {@link ExecutionInterceptor} on every client counts DynamoDB calls by operation and cancelled transactions by
 * reason, asks for {@code ReturnConsumedCapacity=INDEXES} and sums what comes back, and computes write units from the
 * items written (DynamoDB's size rules, approximately), per partition key of the table and of each GSI. The ledger's
 * listener cannot be reached through {@link App#builder} (it passes none), so attempts per append are the
 * TransactWriteItems calls per 201: one ledger attempt is one TransactWriteItems.
 */
final class LambdaBench {
    static final String TABLE = "loopgrid-lambda-bench";
    static final String TENANT = "local";
    /** AWS's write throughput limit of one partition (and so of one partition key value's hottest item). */
    static final double PARTITION_WCU = 1000;

    /** @param batch decisions per request: 1 posts single decisions, more posts {@code POST /v1/decisions/batch} */
    /** The append modes: {@code staged} as on Lambda by default (LOOPGRID_APPEND_MODE), and two to measure it against. */
    static final List<String> MODES = List.of("staged", "staged-always", "direct");

    /** @param mode one of {@link #MODES} */
    /** @param stagePartitions staging partition keys per chain (LOOPGRID_STAGE_PARTITIONS) */
    record Options(int instances, int seconds, int chains, int size, int warmup, int batch, String mode, int stagePartitions) {
        Options(int instances, int seconds, int chains, int size, int warmup) {
            this(instances, seconds, chains, size, warmup, 1, "staged", dev.loopgrid.aws.store.LedgerKeys.DEFAULT_STAGE_PARTITIONS);
        }
    }

    private LambdaBench() {}

    private static Ledger.Policy policy(String mode) {
        if (mode.equals("direct")) return Ledger.Policy.defaults();
        return mode.equals("staged-always") ? Ledger.Policy.stagedAlways() : Ledger.Policy.stagedDefaults();
    }

    static int run(Options o) throws Exception {
        try (EmbeddedDynamo dynamo = EmbeddedDynamo.start(null)) {
            dynamo.ensureTable(TABLE);
            return run(o, dynamo);
        }
    }

    private static int run(Options o, EmbeddedDynamo dynamo) throws Exception {
        String run = Long.toHexString(new SplittableRandom().nextLong() >>> 40);
        String[] services = new String[o.chains()];
        for (int c = 0; c < o.chains(); c++) services[c] = "lambda-" + run + "-" + c;
        System.out.printf("lambda: instances=%d chains=%d size=%d seconds=%d warmup=%ds mode=%s stage-partitions=%d; one"
                        + " DynamoDB Local in memory, each instance its own DynamoDbClient and App (own Ledger), one request"
                        + " at a time%n",
                o.instances(), o.chains(), o.size(), o.seconds(), o.warmup(), o.mode(), o.stagePartitions());

        AtomicBoolean stop = new AtomicBoolean(false);
        Instance[] instances = new Instance[o.instances()];
        for (int k = 0; k < o.instances(); k++) instances[k] = new Instance(k, dynamo, o, services);
        Thread[] threads = new Thread[o.instances()];
        for (int k = 0; k < o.instances(); k++) {
            Instance in = instances[k];
            threads[k] = new Thread(() -> in.loop(stop), "lambda-" + k);
            threads[k].setDaemon(true);
        }
        for (Thread t : threads) t.start();
        Thread.sleep(o.warmup() * 1000L);
        long t0 = System.nanoTime();
        for (Instance in : instances) in.windowStart = t0;
        Thread.sleep(o.seconds() * 1000L);
        stop.set(true);
        for (Thread t : threads) t.join();
        double secs = (System.nanoTime() - t0) / 1e9; // until the last request begun in the window was answered

        // merge the per-instance counts
        Stats s = new Stats();
        for (Instance in : instances) s.add(in.stats);
        long ok = s.statuses.getOrDefault(201, 0L);
        long s503 = s.statuses.getOrDefault(503, 0L);
        double rate = ok / secs;
        double per = Math.max(1, ok);

        System.out.printf("appends: %d answered 201 in %.2f s = %.1f appends/s; statuses %s%n", ok, secs, rate, s.statuses);
        Latencies l201 = new Latencies(s.latencies201(), s.latencies201().length);
        Latencies l503 = new Latencies(s.latencies503(), s.latencies503().length);
        System.out.println("latency (201s): " + l201.summary() + (s503 > 0 ? "; (503s): " + l503.summary() : ""));

        long attempts201 = 0;
        for (Map.Entry<Integer, Long> e : s.attemptsOf201.entrySet()) attempts201 += (long) e.getKey() * e.getValue();
        double attemptsPer = attempts201 / per;
        StringBuilder dist = new StringBuilder();
        for (Map.Entry<Integer, Long> e : s.attemptsOf201.entrySet()) {
            dist.append(dist.length() == 0 ? "" : ", ").append(e.getKey()).append(": ")
                    .append(String.format("%.1f%%", 100.0 * e.getValue() / per));
        }
        System.out.printf("attempts per append (TransactWriteItems per 201): %.2f; of the 201s by attempts {%s};"
                        + " per 503: %.2f%n", attemptsPer, dist,
                s503 == 0 ? 0.0 : (double) s.txnsOf503 / s503);
        System.out.printf("cancelled transactions: %d (%.2f per append) by reason %s%n", s.cancelled,
                s.cancelled / per, s.cancelReasons);

        StringBuilder ops = new StringBuilder();
        long allCalls = 0;
        for (Map.Entry<String, Long> e : s.calls.entrySet()) {
            ops.append(ops.length() == 0 ? "" : ", ").append(e.getKey()).append(String.format(" %.2f", e.getValue() / per));
            allCalls += e.getValue();
        }
        System.out.printf("DynamoDB requests per append (per 201, the calls of 503'd requests included): %s; all %.2f (%d calls, %d HTTP attempts: %d SDK retries)%n",
                ops, allCalls / per, allCalls, s.httpAttempts, s.httpAttempts - allCalls);
        StringBuilder times = new StringBuilder();
        for (Map.Entry<String, Long> e : s.calls.entrySet()) {
            times.append(times.length() == 0 ? "" : ", ").append(e.getKey()).append(String.format(" %.1f ms",
                    s.callNanos.getOrDefault(e.getKey(), 0L) / 1e6 / Math.max(1, e.getValue())));
        }
        System.out.printf("mean call time by operation (as the client sees it, queueing included): %s%n", times);

        if (s.reportedResponses == 0) {
            System.out.printf("consumed capacity: DynamoDB Local returned none (ReturnConsumedCapacity=INDEXES asked on"
                    + " %d calls)%n", allCalls);
        } else {
            System.out.printf("consumed capacity reported by DynamoDB Local (%d of %d successful calls carried it): %.2f"
                            + " WCU per append (table %.2f, GSIs %.2f), %.2f RCU per append; units by operation %s%n",
                    s.reportedResponses, s.succeeded, s.reportedTotal / per, s.reportedTable / per, s.reportedGsi / per,
                    s.reportedReads / per, perAppend(s.reportedByOp, per));
        }
        System.out.printf("WCU per append, computed from the written items (ceil(bytes/1 KB) per item, x2 in a"
                        + " transaction, GSI writes too (keys and the projected attributes); an Update counted as one 1 KB item):"
                        + " %.2f (table %.2f, GSIs %.2f); written items per append %.2f, mean item %.0f bytes;"
                        + " with cancelled attempts %.2f%n", (s.wcuTable + s.wcuGsi) / per, s.wcuTable / per,
                s.wcuGsi / per, s.itemsWritten / per, s.itemsWritten == 0 ? 0.0 : (double) s.itemBytes / s.itemsWritten,
                (s.wcuTable + s.wcuGsi + s.wcuCancelled) / per);

        printCommitGaps(s, secs);

        System.out.println("hottest keys (committed writes, computed WCU; cap = 1,000 WCU/s per partition on AWS):");
        double worstCap = Double.MAX_VALUE;
        String worstKey = null;
        for (String space : s.spaces()) {
            // staging partitions are shown, but cap nothing: their number follows the chain's rate (StagingWidth:
            // 80 staged requests/s a partition, up to all of them), so their spread here is not the spread at the cap
            List<Map.Entry<String, Key>> ranked = s.top(space, Integer.MAX_VALUE);
            List<Map.Entry<String, Key>> top = new ArrayList<>();
            if (!ranked.isEmpty()) top.add(ranked.get(0));
            if (!ranked.isEmpty() && ranked.get(0).getKey().startsWith("STAGE#")) {
                ranked.stream().filter(e -> !e.getKey().startsWith("STAGE#")).findFirst().ifPresent(top::add);
            }
            for (Map.Entry<String, Key> e : top) {
                Key k = e.getValue();
                boolean staging = e.getKey().startsWith("STAGE#");
                // per appended decision (a staged transaction appends many): what this key costs each 201 in all
                double wcuPerAppend = k.wcu / per;
                double totalCap = PARTITION_WCU / wcuPerAppend; // appends/s in all before this key reaches 1,000 WCU/s
                // how many keys the space's writes spread over (the indexes' shards, the chains): a cap only
                // holds while the load spreads as it did here
                int keys = s.keys.get(space).size();
                double allWcu = s.keys.get(space).values().stream().mapToDouble(x -> x.wcu).sum();
                System.out.printf("  %-11s %-48s %8.1f writes/s %8.1f WCU/s (%.2f WCU per write, %.2f per append in all)"
                                + " -> ~%.0f appends/s in all at this spread; %d keys written, %.1f WCU/s each on average%n",
                        space, abbreviate(e.getKey()), k.writes / secs, k.wcu / secs, k.wcu / Math.max(1, k.writes),
                        wcuPerAppend, totalCap, keys, allWcu / keys / secs);
                if (staging) {
                    System.out.printf("  %-11s (staging: the chain's staging width follows its rate, %d staged requests/s a"
                            + " partition, so this spread is not the one at the cap)%n", "", dev.loopgrid.aws.store.LedgerKeys.STAGED_PER_PARTITION);
                } else if (totalCap < worstCap) {
                    worstCap = totalCap;
                    worstKey = space + " " + e.getKey();
                }
            }
        }
        if (worstKey != null) {
            System.out.printf("tightest: %s caps this load at ~%.0f appends/s on AWS (measured here: %.1f/s)%n",
                    abbreviate(worstKey), worstCap, rate);
        }

        // verify every chain, as GET /v1/integrity/verify?service_name= would
        App checker = App.builder(dynamo.client(), new App.Config(TABLE, TENANT, DecisionService.DEFAULT_MAX_CONTENT_BYTES),
                Clock.systemUTC()).build();
        boolean good = true;
        long entries = 0;
        long allOk = 0;
        for (Instance in : instances) allOk += in.allOk;
        for (String svc : services) {
            IntegrityService.Report r = checker.integrity.verify(TENANT, svc);
            entries += r.entries();
            if (!r.valid()) {
                good = false;
                System.out.println("verify " + svc + ": " + r.message());
            }
        }
        if (entries < allOk) good = false;
        System.out.printf("verify: %d chains, %d entries (%d answered 201 incl. warm-up): %s%n", services.length,
                entries, allOk, good ? "valid" : "FAILED");
        System.out.printf("lambda: mode=%s instances=%d chains=%d size=%d batch=%d seconds=%d appends=%d rate=%.1f/s"
                        + " attempts=%.2f p50=%.1fms p99=%.1fms req/append=%.2f wcu/append=%.2f cap=%.0f/s verify=%s 503=%d%n",
                o.mode(), o.instances(), o.chains(), o.size(), o.batch(), o.seconds(), ok, rate,
                attemptsPer, l201.ms(50),
                l201.ms(99), allCalls / per, (s.wcuTable + s.wcuGsi) / per, worstCap == Double.MAX_VALUE ? 0 : worstCap,
                good ? "valid" : "FAILED", s503);
        return good ? 0 : 1;
    }

    private static String perAppend(Map<String, Double> byOp, double per) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Double> e : byOp.entrySet()) {
            b.append(b.length() == 0 ? "" : ", ").append(e.getKey()).append(String.format(" %.2f", e.getValue() / per));
        }
        return "{" + b + "}";
    }

    private static String abbreviate(String s) {
        return s.length() <= 48 ? s : s.substring(0, 45) + "...";
    }

    /** One "Lambda instance": its own client (with its counting interceptor), App and handler, one thread. */
    private static final class Instance {
        final int index;
        final Stats stats = new Stats();
        final Counter counter;
        final RecordDecisionHandler handler;
        final dev.loopgrid.aws.handlers.RecordDecisionBatchHandler batchHandler;
        final Options o;
        final String[] services;
        final Payloads[] payloads;
        volatile long windowStart = Long.MAX_VALUE;
        long allOk;

        Instance(int index, EmbeddedDynamo dynamo, Options o, String[] services) {
            this.index = index;
            this.o = o;
            this.services = services;
            this.counter = new Counter(stats, index);
            // as App.dynamoClient on Lambda (5 s per attempt, 12 s per call), over the Apache client as locally
            DynamoDbClient client = DynamoDbClient.builder()
                    .endpointOverride(dynamo.endpoint())
                    .region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                    .httpClient(ApacheHttpClient.builder().maxConnections(2).connectionTimeout(Duration.ofSeconds(2))
                            .socketTimeout(Duration.ofSeconds(5)).build())
                    .overrideConfiguration(ClientOverrideConfiguration.builder()
                            .apiCallAttemptTimeout(Duration.ofSeconds(5))
                            .apiCallTimeout(Duration.ofSeconds(12))
                            .addExecutionInterceptor(counter).build())
                    .build();
            App app = App.builder(client, new App.Config(TABLE, TENANT, DecisionService.DEFAULT_MAX_CONTENT_BYTES),
                    Clock.systemUTC()).appendPolicy(policy(o.mode())).stagePartitions(o.stagePartitions())
                    .build();
            this.handler = new RecordDecisionHandler(app);
            this.batchHandler = new dev.loopgrid.aws.handlers.RecordDecisionBatchHandler(app);
            this.payloads = new Payloads[services.length];
            for (int c = 0; c < services.length; c++) payloads[c] = new Payloads(services[c], o.size());
        }

        void loop(AtomicBoolean stop) {
            SplittableRandom random = new SplittableRandom(index * 7919L + System.nanoTime());
            long n = 0;
            List<Long> lat201 = new ArrayList<>();
            List<Long> lat503 = new ArrayList<>();
            while (!stop.get()) {
                int chain = (int) ((index + n) % services.length); // round-robin over the chains
                String body;
                if (o.batch() > 1) {
                    StringBuilder b = new StringBuilder("{\"decisions\":[");
                    for (int k = 0; k < o.batch(); k++) {
                        b.append(k == 0 ? "" : ",").append(payloads[chain].decision(index * 1_000_000_000L + n * 1000L + k, random));
                    }
                    body = b.append("]}").toString();
                } else {
                    body = payloads[chain].decision(index * 1_000_000_000L + n, random);
                }
                n++;
                String requestId = "lambda-" + index + "-" + n;
                String path = o.batch() > 1 ? "/v1/decisions/batch" : "/v1/decisions";
                APIGatewayProxyRequestEvent event = new APIGatewayProxyRequestEvent()
                        .withResource(path).withPath(path).withHttpMethod("POST")
                        .withHeaders(Map.of("Content-Type", "application/json"))
                        .withRequestContext(new APIGatewayProxyRequestEvent.ProxyRequestContext()
                                .withRequestId(requestId).withHttpMethod("POST").withPath(path))
                        .withBody(body).withIsBase64Encoded(false);
                long txnsBefore = counter.txnsAlways;
                long start = System.nanoTime();
                boolean inWindow = start >= windowStart;
                counter.measuring = inWindow; // the calls of a request are counted when the request is
                APIGatewayProxyResponseEvent r = o.batch() > 1
                        ? batchHandler.handleRequest(event, new LocalLambdaContext(requestId, "RecordDecisionBatchHandler",
                                LocalLambdaContext.DEFAULT_TIMEOUT_MILLIS))
                        : handler.handleRequest(event, new LocalLambdaContext(requestId, "RecordDecisionHandler",
                                LocalLambdaContext.DEFAULT_TIMEOUT_MILLIS));
                long took = System.nanoTime() - start;
                int status = r.getStatusCode();
                if (o.batch() > 1 && status == 200) {
                    // a batch: each item is an append (201) or its own error; attempts are the request's transactions
                    int ok = 0;
                    for (com.fasterxml.jackson.databind.JsonNode item : dev.loopgrid.core.Json.parseStored(r.getBody()).get("results")) {
                        int st = item.get("status").asInt();
                        if (st == 201) ok++;
                        if (inWindow) stats.statuses.merge(st, 1L, Long::sum);
                        if (inWindow && st != 201 && st != 503 && stats.firstError == null) stats.firstError = item.toString();
                    }
                    allOk += ok;
                    if (inWindow) {
                        lat201.add(took);
                        stats.attemptsOf201.merge((int) (counter.txnsAlways - txnsBefore), 1L, Long::sum);
                    }
                    continue;
                }
                if (status == 201) allOk++;
                if (!inWindow) continue;
                int attempts = (int) (counter.txnsAlways - txnsBefore);
                stats.statuses.merge(status, 1L, Long::sum);
                if (status == 201) {
                    lat201.add(took);
                    stats.attemptsOf201.merge(attempts, 1L, Long::sum);
                } else if (status == 503) {
                    lat503.add(took);
                    stats.txnsOf503 += attempts;
                } else if (stats.firstError == null) {
                    stats.firstError = status + " " + r.getBody();
                    System.out.println("instance " + index + ": " + stats.firstError);
                }
            }
            stats.lat201 = lat201.stream().mapToLong(Long::longValue).toArray();
            stats.lat503 = lat503.stream().mapToLong(Long::longValue).toArray();
        }
    }

    /** Write counts of one key: writes, computed WCU, and successful calls (appends) that wrote it. */
    private static final class Key {
        long writes;
        double wcu;
        long appends;
        long lastCall = -1;

        void add(Key k) {
            writes += k.writes;
            wcu += k.wcu;
            appends += k.appends;
        }
    }

    /**
     * The time between a chain's consecutive committed transactions, over all chains: how long the head stood still.
     * Long gaps are moments no writer appended (a lease changing hands, a holder between batches, a stall); every
     * staged request waiting then waits them out.
     */
    private static void printCommitGaps(Stats s, double secs) {
        List<Long> gaps = new ArrayList<>();
        List<Long> handOvers = new ArrayList<>(); // gaps after which another instance committed
        for (List<long[]> commits : s.commits.values()) {
            List<long[]> sorted = new ArrayList<>(commits);
            sorted.sort(java.util.Comparator.comparingLong(c -> c[0]));
            for (int i = 1; i < sorted.size(); i++) {
                long gap = sorted.get(i)[0] - sorted.get(i - 1)[0];
                gaps.add(gap);
                if (sorted.get(i)[1] != sorted.get(i - 1)[1]) handOvers.add(gap);
            }
        }
        if (gaps.isEmpty()) return;
        long handOverNanos = handOvers.stream().mapToLong(Long::longValue).sum();
        long over = gaps.stream().filter(g -> g > 250_000_000L).count();
        long overNanos = gaps.stream().filter(g -> g > 250_000_000L).mapToLong(Long::longValue).sum();
        double chains = Math.max(1, s.commits.size());
        System.out.printf("commit gaps (a chain's head standing still between transactions; %d chains, %d gaps): %s;"
                        + " %d over 250 ms (%.2f/s per chain), %.1f%% of the time%n",
                s.commits.size(), gaps.size(), latencies(gaps).summary(), over, over / secs / chains,
                100.0 * overNanos / 1e9 / secs / chains);
        if (!handOvers.isEmpty()) {
            Latencies h = latencies(handOvers);
            System.out.printf("  of which the next transaction was another instance's (the lease changed hands): %d (%.2f/s per"
                            + " chain), p50=%.1fms p99=%.1fms, %.1f%% of the time%n", handOvers.size(),
                    handOvers.size() / secs / chains, h.ms(50), h.ms(99), 100.0 * handOverNanos / 1e9 / secs / chains);
        }
    }

    private static Latencies latencies(List<Long> nanos) {
        return new Latencies(nanos.stream().mapToLong(Long::longValue).toArray(), nanos.size());
    }

    /**
     * Counts of one instance, merged at the end: updated by its thread between requests and by its {@link Counter}
     * under the counter's lock (an instance's reads may run on several threads).
     */
    private static final class Stats {
        final TreeMap<Integer, Long> statuses = new TreeMap<>();
        final TreeMap<Integer, Long> attemptsOf201 = new TreeMap<>();
        final TreeMap<String, Long> calls = new TreeMap<>();
        final TreeMap<String, Long> callNanos = new TreeMap<>();
        final TreeMap<String, Long> cancelReasons = new TreeMap<>();
        final TreeMap<String, Double> reportedByOp = new TreeMap<>();
        /** "table", "item" (pk and sk) or the index name → key value → counts. */
        final TreeMap<String, HashMap<String, Key>> keys = new TreeMap<>();
        long[] lat201 = new long[0];
        long[] lat503 = new long[0];
        List<long[]> lat201Parts = new ArrayList<>();
        List<long[]> lat503Parts = new ArrayList<>();
        long txnsOf503;
        long cancelled;
        long httpAttempts;
        long succeeded;
        long committedTxns;
        long reportedResponses;
        double reportedTotal;
        double reportedReads;
        double reportedTable;
        double reportedGsi;
        double wcuTable;
        double wcuGsi;
        double wcuCancelled;
        long itemsWritten;
        long itemBytes;
        long callNo;
        String firstError;
        /** A chain's head key → each of its committed transactions: when (nanoTime) and by which instance. */
        final HashMap<String, List<long[]>> commits = new HashMap<>();

        void add(Stats o) {
            o.commits.forEach((k, v) -> commits.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
            o.statuses.forEach((k, v) -> statuses.merge(k, v, Long::sum));
            o.attemptsOf201.forEach((k, v) -> attemptsOf201.merge(k, v, Long::sum));
            o.calls.forEach((k, v) -> calls.merge(k, v, Long::sum));
            o.callNanos.forEach((k, v) -> callNanos.merge(k, v, Long::sum));
            o.cancelReasons.forEach((k, v) -> cancelReasons.merge(k, v, Long::sum));
            o.reportedByOp.forEach((k, v) -> reportedByOp.merge(k, v, Double::sum));
            o.keys.forEach((space, m) -> {
                HashMap<String, Key> mine = keys.computeIfAbsent(space, x -> new HashMap<>());
                m.forEach((k, v) -> mine.computeIfAbsent(k, x -> new Key()).add(v));
            });
            lat201Parts.add(o.lat201);
            lat503Parts.add(o.lat503);
            txnsOf503 += o.txnsOf503;
            cancelled += o.cancelled;
            httpAttempts += o.httpAttempts;
            succeeded += o.succeeded;
            committedTxns += o.committedTxns;
            reportedResponses += o.reportedResponses;
            reportedTotal += o.reportedTotal;
            reportedReads += o.reportedReads;
            reportedTable += o.reportedTable;
            reportedGsi += o.reportedGsi;
            wcuTable += o.wcuTable;
            wcuGsi += o.wcuGsi;
            wcuCancelled += o.wcuCancelled;
            itemsWritten += o.itemsWritten;
            itemBytes += o.itemBytes;
        }

        long[] latencies201() {
            return lat201Parts.stream().flatMapToLong(java.util.Arrays::stream).toArray();
        }

        long[] latencies503() {
            return lat503Parts.stream().flatMapToLong(java.util.Arrays::stream).toArray();
        }

        List<String> spaces() {
            List<String> out = new ArrayList<>();
            if (keys.containsKey("table")) out.add("table");
            if (keys.containsKey("item")) out.add("item");
            for (String[] idx : LedgerTable.INDEXES) if (keys.containsKey(idx[0])) out.add(idx[0]);
            return out;
        }

        List<Map.Entry<String, Key>> top(String space, int n) {
            List<Map.Entry<String, Key>> all = new ArrayList<>(keys.get(space).entrySet());
            all.sort((a, b) -> Double.compare(b.getValue().wcu, a.getValue().wcu));
            return all.subList(0, Math.min(n, all.size()));
        }

        void write(String space, String key, double wcu) {
            Key k = keys.computeIfAbsent(space, x -> new HashMap<>()).computeIfAbsent(key, x -> new Key());
            k.writes++;
            k.wcu += wcu;
            if (k.lastCall != callNo) {
                k.appends++;
                k.lastCall = callNo;
            }
        }
    }

    /**
     * Counts one client's calls. Runs on the calling thread (a synchronous client), so it writes its instance's
     * {@link Stats} unsynchronised; counts only the calls of requests begun in the measured window.
     */
    private static final class Counter implements ExecutionInterceptor {
        final Stats stats;
        /** Count this instance's calls: its request in progress began in the measured window. */
        volatile boolean measuring;
        /** TransactWriteItems calls, measuring or not (attempts of the request in progress). */
        volatile long txnsAlways;

        final int instance;

        Counter(Stats stats, int instance) {
            this.stats = stats;
            this.instance = instance;
        }

        private static String op(ExecutionAttributes a) {
            return a.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        }

        @Override
        public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
            SdkRequest r = context.request();
            ReturnConsumedCapacity rc = ReturnConsumedCapacity.INDEXES;
            if (r instanceof TransactWriteItemsRequest t && t.returnConsumedCapacity() == null) {
                return t.toBuilder().returnConsumedCapacity(rc).build();
            }
            if (r instanceof PutItemRequest t && t.returnConsumedCapacity() == null) return t.toBuilder().returnConsumedCapacity(rc).build();
            if (r instanceof UpdateItemRequest t && t.returnConsumedCapacity() == null) return t.toBuilder().returnConsumedCapacity(rc).build();
            if (r instanceof DeleteItemRequest t && t.returnConsumedCapacity() == null) return t.toBuilder().returnConsumedCapacity(rc).build();
            if (r instanceof GetItemRequest t && t.returnConsumedCapacity() == null) return t.toBuilder().returnConsumedCapacity(rc).build();
            if (r instanceof QueryRequest t && t.returnConsumedCapacity() == null) return t.toBuilder().returnConsumedCapacity(rc).build();
            if (r instanceof BatchGetItemRequest t && t.returnConsumedCapacity() == null) return t.toBuilder().returnConsumedCapacity(rc).build();
            return r;
        }

        /** When a call began: per call, since one instance's reads may run in parallel (MergedQuery). */
        private static final software.amazon.awssdk.core.interceptor.ExecutionAttribute<Long> STARTED =
                new software.amazon.awssdk.core.interceptor.ExecutionAttribute<>("LambdaBench.started");

        // The hooks below are synchronized: an instance's client is called from several threads at once when its
        // ledger reads staging partitions in parallel, and the stats are plain maps (a TreeMap updated from two
        // threads once looped for good in a holder's afterExecution)

        @Override
        public synchronized void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if ("TransactWriteItems".equals(op(attributes))) txnsAlways++;
            attributes.putAttribute(STARTED, System.nanoTime());
            if (!measuring) return;
            stats.calls.merge(op(attributes), 1L, Long::sum);
        }

        private void timed(ExecutionAttributes attributes) {
            Long started = attributes.getAttribute(STARTED);
            if (measuring && started != null) stats.callNanos.merge(op(attributes), System.nanoTime() - started, Long::sum);
        }

        @Override
        public synchronized void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            if (measuring) stats.httpAttempts++;
        }

        @Override
        public synchronized void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
            timed(attributes);
            if (!measuring) return;
            stats.succeeded++;
            stats.callNo++;
            String op = op(attributes);
            if ("TransactWriteItems".equals(op)) {
                stats.committedTxns++;
                if (context.request() instanceof TransactWriteItemsRequest t) {
                    for (var w : t.transactItems()) {
                        if (w.update() != null && dev.loopgrid.aws.store.LedgerKeys.HEAD_SK.equals(w.update().key().get("sk").s())) {
                            stats.commits.computeIfAbsent(w.update().key().get("pk").s(), x -> new ArrayList<>())
                                    .add(new long[] {System.nanoTime(), instance});
                            break;
                        }
                    }
                }
            }
            Object cc = context.response().getValueForField("ConsumedCapacity", Object.class).orElse(null);
            List<ConsumedCapacity> reported = new ArrayList<>();
            if (cc instanceof ConsumedCapacity c) reported.add(c);
            else if (cc instanceof List<?> list) for (Object x : list) if (x instanceof ConsumedCapacity c) reported.add(c);
            if (!reported.isEmpty()) {
                stats.reportedResponses++;
                for (ConsumedCapacity c : reported) {
                    double total = c.capacityUnits() == null ? 0 : c.capacityUnits();
                    boolean write = op.startsWith("Transact") || op.startsWith("Put") || op.startsWith("Update")
                            || op.startsWith("Delete") || op.startsWith("BatchWrite");
                    if (write) stats.reportedTotal += total;
                    else stats.reportedReads += total;
                    stats.reportedByOp.merge(op, total, Double::sum);
                    if (!write) continue;
                    if (c.table() != null && c.table().capacityUnits() != null) stats.reportedTable += c.table().capacityUnits();
                    if (c.hasGlobalSecondaryIndexes()) {
                        c.globalSecondaryIndexes().values().forEach(u -> {
                            if (u.capacityUnits() != null) stats.reportedGsi += u.capacityUnits();
                        });
                    }
                }
            }
            account(context.request(), true);
        }

        @Override
        public synchronized void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
            timed(attributes);
            if (!measuring) return;
            Throwable e = context.exception();
            if (e instanceof TransactionCanceledException t) {
                stats.cancelled++;
                String reason = "other";
                if (t.hasCancellationReasons()) {
                    boolean condition = false;
                    boolean conflict = false;
                    for (CancellationReason r : t.cancellationReasons()) {
                        if ("ConditionalCheckFailed".equals(r.code())) condition = true;
                        if ("TransactionConflict".equals(r.code())) conflict = true;
                    }
                    reason = condition ? "ConditionalCheckFailed" : conflict ? "TransactionConflict" : "other";
                }
                stats.cancelReasons.merge(reason, 1L, Long::sum);
                account(context.request(), false);
            } else {
                stats.cancelReasons.merge(op(attributes) + ":" + e.getClass().getSimpleName(), 1L, Long::sum);
            }
        }

        /** The writes of a request: per key of the table, of the item and of each GSI, with computed WCU. */
        private void account(SdkRequest r, boolean committed) {
            if (r instanceof TransactWriteItemsRequest t) {
                for (TransactWriteItem w : t.transactItems()) {
                    if (w.put() != null) put(w.put().item(), 2, committed);
                    else if (w.update() != null) keyOnly(w.update().key(), 2, committed);
                    else if (w.delete() != null) deleted(w.delete().key(), 2, committed);
                }
            } else if (r instanceof software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest b) {
                for (var writes : b.requestItems().values()) {
                    for (var w : writes) {
                        if (w.putRequest() != null) put(w.putRequest().item(), 1, committed);
                        else if (w.deleteRequest() != null) deleted(w.deleteRequest().key(), 1, committed);
                    }
                }
            } else if (r instanceof PutItemRequest p) {
                put(p.item(), 1, committed);
            } else if (r instanceof UpdateItemRequest u) {
                keyOnly(u.key(), 1, committed);
            } else if (r instanceof DeleteItemRequest d) {
                deleted(d.key(), 1, committed);
            }
        }

        /** A delete is billed on the size of the item it removes: the size it was put with, where this client put it. */
        private void deleted(Map<String, AttributeValue> key, int factor, boolean committed) {
            Integer bytes = PUT_SIZES.remove(str(key.get(LedgerTable.PK)) + " | " + str(key.get(LedgerTable.SK)));
            if (bytes == null || bytes <= 1024) {
                keyOnly(key, factor, committed);
                return;
            }
            double units = Math.ceil(bytes / 1024.0) * factor;
            if (!committed) {
                stats.wcuCancelled += units;
                return;
            }
            stats.itemsWritten++;
            stats.itemBytes += bytes;
            stats.wcuTable += units;
            String pk = str(key.get(LedgerTable.PK));
            stats.write("table", pk, units);
            stats.write("item", pk + " | " + str(key.get(LedgerTable.SK)), units);
        }

        private void put(Map<String, AttributeValue> item, int factor, boolean committed) {
            int bytes = itemBytes(item);
            String at = str(item.get(LedgerTable.PK));
            if (at.startsWith("STAGE#")) PUT_SIZES.put(at + " | " + str(item.get(LedgerTable.SK)), bytes);
            double units = Math.ceil(bytes / 1024.0);
            if (!committed) {
                stats.wcuCancelled += units * factor;
                return;
            }
            stats.itemsWritten++;
            stats.itemBytes += bytes;
            stats.wcuTable += units * factor;
            String pk = str(item.get(LedgerTable.PK));
            stats.write("table", pk, units * factor);
            stats.write("item", pk + " | " + str(item.get(LedgerTable.SK)), units * factor);
            if (item.containsKey(LedgerTable.LIST_SORT_KEY)) {
                for (String[] idx : LedgerTable.INDEXES) {
                    AttributeValue g = item.get(idx[1]);
                    if (g == null) continue;
                    // the index item: the table's and the index's keys, and the projected attributes
                    Map<String, AttributeValue> projected = new java.util.HashMap<>();
                    for (String a : List.of(LedgerTable.PK, LedgerTable.SK, LedgerTable.LIST_SORT_KEY, idx[1])) {
                        if (item.containsKey(a)) projected.put(a, item.get(a));
                    }
                    for (String a : LedgerTable.INDEX_ATTRIBUTES) if (item.containsKey(a)) projected.put(a, item.get(a));
                    double indexUnits = Math.ceil(itemBytes(projected) / 1024.0);
                    stats.wcuGsi += indexUnits * factor; // as DynamoDB Local counts a transaction's index writes
                    stats.write(idx[0], str(g), indexUnits * factor);
                }
            }
        }

        private void keyOnly(Map<String, AttributeValue> key, int factor, boolean committed) {
            if (!committed) {
                stats.wcuCancelled += factor;
                return;
            }
            stats.itemsWritten++;
            stats.itemBytes += itemBytes(key);
            stats.wcuTable += factor;
            String pk = str(key.get(LedgerTable.PK));
            stats.write("table", pk, factor);
            stats.write("item", pk + " | " + str(key.get(LedgerTable.SK)), factor);
        }

        private static String str(AttributeValue v) {
            return v == null ? "?" : v.s() != null ? v.s() : String.valueOf(v);
        }
    }

    /** Sizes of the staged items put by any instance (their deletes are billed on them), by "pk | sk". */
    static final java.util.concurrent.ConcurrentHashMap<String, Integer> PUT_SIZES = new java.util.concurrent.ConcurrentHashMap<>();

    /** An item's size as DynamoDB counts it, approximately: attribute names plus values. */
    static int itemBytes(Map<String, AttributeValue> item) {
        int n = 0;
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) n += utf8(e.getKey()) + valueBytes(e.getValue());
        return n;
    }

    private static int valueBytes(AttributeValue v) {
        if (v.s() != null) return utf8(v.s());
        if (v.n() != null) return (v.n().replaceAll("[^0-9]", "").length() + 1) / 2 + 1;
        if (v.b() != null) return v.b().asByteArray().length;
        if (v.bool() != null || v.nul() != null) return 1;
        if (v.hasM()) {
            int n = 3;
            for (Map.Entry<String, AttributeValue> e : v.m().entrySet()) n += 1 + utf8(e.getKey()) + valueBytes(e.getValue());
            return n;
        }
        if (v.hasL()) {
            int n = 3;
            for (AttributeValue x : v.l()) n += 1 + valueBytes(x);
            return n;
        }
        if (v.hasSs()) return v.ss().stream().mapToInt(LambdaBench::utf8).sum();
        if (v.hasNs()) return v.ns().stream().mapToInt(x -> (x.length() + 1) / 2 + 1).sum();
        return 1;
    }

    private static int utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
}

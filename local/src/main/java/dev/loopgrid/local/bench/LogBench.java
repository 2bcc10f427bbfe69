package dev.loopgrid.local.bench;

import dev.loopgrid.aws.log.DynamoLogStore;
import dev.loopgrid.aws.store.DynamoChainStore;
import dev.loopgrid.aws.store.ProjectionWriters;
import dev.loopgrid.aws.log.LogKeys;
import dev.loopgrid.aws.log.S3SignedCheckpoints;
import dev.loopgrid.aws.log.S3TileStore;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.ChainStore;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.ledger.EntryType;
import dev.loopgrid.core.ledger.Times;
import dev.loopgrid.core.log.Integrator;
import dev.loopgrid.core.log.LogConfig;
import dev.loopgrid.local.EmbeddedDynamo;
import dev.loopgrid.local.EmbeddedS3;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The verifiable log's benches: {@code integrate} (the integrator alone, in process, against DynamoDB Local and
 * S3Proxy: entries/s sequenced, tiled and checkpointed) and {@code receipts} (over HTTP against a running stack:
 * decisions recorded at a fixed rate, and for each the time from its 201 to its receipt's 200).
 */
final class LogBench {
    private LogBench() {}

    record IntegrateOptions(long entries, int chains, int batch) {}

    static int integrate(IntegrateOptions o) {
        try (EmbeddedDynamo dynamo = EmbeddedDynamo.start(null); EmbeddedS3 s3 = EmbeddedS3.start(null, "bench-log")) {
            return integrate(o, dynamo, s3);
        } catch (Exception e) {
            System.out.println("error: " + e);
            return 1;
        }
    }

    private static int integrate(IntegrateOptions o, EmbeddedDynamo dynamo, EmbeddedS3 s3) {
        {
            String table = "bench-log";
            dynamo.ensureTable(table);
            Clock clock = Clock.systemUTC();
            // the entries are offered in order, so the integrator never reads the (empty) chains: the real adapter anyway
            ChainStore chains = new DynamoChainStore(dynamo.client(), table, clock, ProjectionWriters.standard());
            Integrator integrator = new Integrator(chains, new DynamoLogStore(dynamo.client(), table),
                    new S3TileStore(s3.client(), s3.bucket()),
                    new S3SignedCheckpoints(s3.client(), s3.ensureBucket("bench-checkpoints"), null, clock),
                    LogKeys.generate("bench.loopgrid"), new LogConfig("bench.loopgrid", 0, o.batch()), clock);
            // the entries, made up front (hashing them is the ledger's work, not the integrator's)
            List<List<Entry>> perChain = new ArrayList<>();
            String at = Times.format(clock.millis());
            for (int c = 0; c < o.chains(); c++) perChain.add(new ArrayList<>());
            String[] prev = new String[o.chains()];
            java.util.Arrays.fill(prev, EntryHasher.GENESIS);
            for (long i = 0; i < o.entries(); i++) {
                int c = (int) (i % o.chains());
                long seq = perChain.get(c).size() + 1;
                String id = "dec_" + Long.toString(i, 36) + "_bench_entry_id_pad";
                String hash = EntryHasher.contentHash("{\"n\":" + i + "}");
                Entry e = Entry.link("svc-" + c, seq, EntryType.DECISION, id, id, at, null, hash, prev[c], null);
                prev[c] = e.chainHash();
                perChain.get(c).add(e);
            }
            long t0 = System.nanoTime();
            int step = Math.max(1, o.batch());
            long done = 0;
            int passes = 0;
            for (long i = 0; i < o.entries(); i += step) {
                for (int c = 0; c < o.chains(); c++) {
                    List<Entry> es = perChain.get(c);
                    int from = (int) (i / o.chains());
                    int to = (int) Math.min(es.size(), (i + step) / o.chains());
                    if (from < to) integrator.offer(new ChainKey("bench", "svc-" + c), es.subList(from, to));
                }
                done += integrator.pass("bench", false).integrated();
                passes++;
            }
            Integrator.Pass last = integrator.pass("bench", false);
            done += last.integrated();
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "integrate: entries=%d chains=%d batch=%d passes=%d in %.2f s -> %.0f entries/s;"
                    + " size=%d tiled=%d checkpoint=%d%n", done, o.chains(), o.batch(), passes, secs, done / secs,
                    last.size(), last.tiledSize(), last.checkpointSize());
            return last.checkpointSize() == o.entries() ? 0 : 1;
        }
    }

    record ReceiptOptions(Api api, int rate, int seconds, int warmup, String service, int size) {}

    static int receipts(ReceiptOptions o) throws InterruptedException {
        if (!Bench.reachable(o.api())) return 1;
        ExecutorService pool = Executors.newFixedThreadPool(64); // records, at the fixed rate
        ExecutorService waiters = Executors.newFixedThreadPool(Math.min(1024, o.rate() * 4)); // receipts, after each 201
        try {
            if (o.warmup() > 0) {
                int failed = receipts(o, o.warmup(), pool, waiters, false);
                System.out.printf(Locale.ROOT, "warmup: %d s at %d/s, failures=%d%n", o.warmup(), o.rate(), failed);
            }
            return receipts(o, o.seconds(), pool, waiters, true) == 0 ? 0 : 1;
        } finally {
            pool.shutdown();
            waiters.shutdown();
        }
    }

    /** One phase at the fixed rate; prints its figures when {@code report}. Returns the failures. */
    private static int receipts(ReceiptOptions o, int seconds, ExecutorService pool, ExecutorService waiters,
                                boolean report) throws InterruptedException {
        int n = o.rate() * seconds;
        long[] waits = new long[n];
        long[] sizes = new long[n];
        List<Future<Object>> fs = new ArrayList<>();
        long t0 = System.nanoTime();
        long[] failures = new long[1];
        for (int i = 0; i < n; i++) {
            long due = t0 + (long) (i * 1e9 / o.rate());
            long sleep = due - System.nanoTime();
            if (sleep > 0) TimeUnit.NANOSECONDS.sleep(sleep);
            int k = i;
            fs.add(pool.submit(() -> {
                Object none = null;
                String body = "{\"service_name\":\"" + o.service() + "\",\"decision_type\":\"bench\",\"input\":{\"n\":" + k
                        + ",\"pad\":\"" + "x".repeat(Math.max(0, o.size() - 200)) + "\"},\"model\":{\"provider\":\"openai\","
                        + "\"name\":\"gpt-4\"},\"output\":{\"answer\":\"ok\"}}";
                Api.Reply r = o.api().postDecision(body);
                if (!r.ok(201)) {
                    synchronized (failures) {
                        failures[0]++;
                    }
                    return none;
                }
                long acked = System.nanoTime();
                String id = Json.parseStored(r.body()).get("decision_id").asText();
                return (Object) waiters.submit(() -> {
                    Api.Reply rr = o.api().get("/v1/decisions/" + id + "/receipt?wait=20");
                    if (!rr.ok(200)) {
                        synchronized (failures) {
                            failures[0]++;
                        }
                        return;
                    }
                    waits[k] = System.nanoTime() - acked;
                    sizes[k] = rr.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                });
            }));
        }
        double recordSecs = 0;
        List<Future<?>> receipts = new ArrayList<>();
        for (Future<?> f : fs) {
            try {
                Object inner = f.get();
                if (inner instanceof Future<?> g) receipts.add(g);
            } catch (java.util.concurrent.ExecutionException e) {
                failures[0]++;
            }
        }
        recordSecs = (System.nanoTime() - t0) / 1e9;
        for (Future<?> g : receipts) {
            try {
                g.get();
            } catch (java.util.concurrent.ExecutionException e) {
                failures[0]++;
            }
        }
        if (!report) return (int) failures[0];
        double secs = recordSecs;
        long[] ok = java.util.Arrays.stream(waits).filter(w -> w > 0).toArray();
        long maxSize = java.util.Arrays.stream(sizes).max().orElse(0);
        Latencies l = new Latencies(ok, ok.length);
        System.out.printf(Locale.ROOT, "receipts: rate=%d/s for %d s (%.0f decisions/s achieved) receipt after 201: %s;"
                + " receipts=%d failures=%d largest receipt=%d bytes%n", o.rate(), seconds, n / secs, l.summary(),
                ok.length, failures[0], maxSize);
        return (int) failures[0];
    }
}

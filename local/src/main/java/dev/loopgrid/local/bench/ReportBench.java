package dev.loopgrid.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.Routes;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.EmbeddedDynamo;
import dev.loopgrid.local.EmbeddedS3;
import dev.loopgrid.local.LocalHttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bench report}: latency of {@code GET /v1/compliance/report} as the ledger grows. Runs its own stack in
 * process (DynamoDB Local and S3Proxy in memory, the HTTP front on a free port), fills one service's chain to
 * each level of {@code --at} through the decision use case (with about 5 % flagged, 2 % corrected and 10 % confirmed,
 * each with latency and token usage in its metadata), then
 * over HTTP measures: the first report at the level (it verifies everything appended since the previous
 * report), REPEAT reports with nothing new (steady state: counters, one anchor entry per chain, the two stored
 * copies and their links), and REPEAT reports each after NEW more decisions. For contrast it times one full
 * {@code GET /v1/integrity/verify} per level, and REPEAT {@code GET /v1/stats} (counters and sketches only). Exit 1 when the steady-state median at the last level is more
 * than three times that at the first (report cost must not grow with the ledger).
 */
final class ReportBench {

    record Options(List<Long> levels, int repeat, int fresh, int clients, int size) {}

    private static final String SERVICE = "bench-report";
    private static final String[] TYPES = {"customer_support_reply", "refund", "triage"};
    private static final String[][] MODELS = {{"openai", "gpt-4o"}, {"anthropic", "claude-sonnet"}, {"bedrock", "nova-pro"}};

    private ReportBench() {}

    static int run(Options o) throws InterruptedException {
        System.out.printf("report: levels=%s repeat=%d new=%d clients=%d size=%d cpu=%d max_heap=%dMB%n", o.levels(),
                o.repeat(), o.fresh(), o.clients(), o.size(), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);
        EmbeddedDynamo dynamo = null;
        EmbeddedS3 s3 = null;
        LocalHttpServer http = null;
        ExecutorService pool = Executors.newFixedThreadPool(o.clients());
        try {
            dynamo = EmbeddedDynamo.start(null);
            dynamo.ensureTable("bench-report");
            s3 = EmbeddedS3.start(null, EmbeddedS3.DEFAULT_BUCKET);
            App.ReportConfig rc = new App.ReportConfig(s3.bucket(), Duration.ofMinutes(15), null, 5 * 1024 * 1024);
            App app = App.builder(dynamo.client(),
                            new App.Config("bench-report", "local", DecisionService.DEFAULT_MAX_CONTENT_BYTES),
                            Clock.systemUTC())
                    .reports(s3.reportStore(rc.urlTtl(), Clock.systemUTC()), rc)
                    .build();
            http = new LocalHttpServer(app, Routes.ALL, "127.0.0.1", 0).start();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String base = http.url();

            long have = 0;
            List<double[]> rows = new ArrayList<>();
            for (long level : o.levels()) {
                long t0 = System.nanoTime();
                fill(app, pool, o, level - have, have);
                have = level;
                double fillS = (System.nanoTime() - t0) / 1e9;
                System.out.printf("level %,d: filled in %.1f s (%.0f decisions/s)%n", level, fillS,
                        (level - (rows.isEmpty() ? 0 : o.levels().get(rows.size() - 1))) / fillS);

                Timed first = report(client, base);
                long[] warm = new long[o.repeat()];
                for (int i = 0; i < o.repeat(); i++) warm[i] = report(client, base).nanos;
                long[] afterNew = new long[o.repeat()];
                for (int i = 0; i < o.repeat(); i++) {
                    fill(app, pool, o, o.fresh(), have);
                    have += o.fresh();
                    afterNew[i] = report(client, base).nanos;
                }
                long v0 = System.nanoTime();
                HttpResponse<String> verify = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/integrity/verify"))
                        .timeout(Duration.ofMinutes(30)).build(), HttpResponse.BodyHandlers.ofString());
                double verifyMs = (System.nanoTime() - v0) / 1e6;
                if (verify.statusCode() != 200 || !Json.parseStored(verify.body()).at("/integrity/valid").asBoolean()) {
                    System.out.println("error: full verification failed: " + verify.body());
                    return 1;
                }
                long[] statsNanos = new long[o.repeat()];
                for (int i = 0; i < o.repeat(); i++) {
                    long s0 = System.nanoTime();
                    HttpResponse<String> st = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/stats"))
                            .timeout(Duration.ofMinutes(1)).build(), HttpResponse.BodyHandlers.ofString());
                    statsNanos[i] = System.nanoTime() - s0;
                    if (st.statusCode() != 200) throw new IllegalStateException("stats failed: " + st.body());
                }
                Latencies w = new Latencies(warm, warm.length);
                Latencies n = new Latencies(afterNew, afterNew.length);
                Latencies st = new Latencies(statsNanos, statsNanos.length);
                System.out.printf("level %,d: first report %.1f ms (verified %,d entries); steady %s; +%d new %s;"
                                + " full verify %.0f ms (%,d entries); stats %s%n", level, first.nanos / 1e6, first.newlyVerified,
                        w.summary(), o.fresh(), n.summary(), verifyMs,
                        Json.parseStored(verify.body()).at("/integrity/total").asLong(), st.summary());
                rows.add(new double[] {level, first.nanos / 1e6, w.ms(50), w.ms(90), n.ms(50), n.ms(90), verifyMs,
                        st.ms(50), st.ms(90)});
            }
            System.out.println();
            System.out.println("| decisions | first report (verifies all new) | steady p50 / p90 | after +" + o.fresh()
                    + " new p50 / p90 | full verify | GET /v1/stats p50 / p90 |");
            System.out.println("|---:|---:|---:|---:|---:|---:|");
            for (double[] r : rows) {
                System.out.printf("| %,d | %.0f ms | %.1f / %.1f ms | %.1f / %.1f ms | %.0f ms | %.1f / %.1f ms |%n", (long) r[0],
                        r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]);
            }
            double ratio = rows.get(rows.size() - 1)[2] / rows.get(0)[2];
            System.out.printf("steady-state p50 last/first = %.2f%n", ratio);
            return ratio > 3.0 ? 1 : 0;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            System.out.println("error: " + e);
            return 1;
        } finally {
            pool.shutdownNow();
            if (http != null) http.stop(0);
            if (s3 != null) s3.close();
            if (dynamo != null) dynamo.close();
        }
    }

    private record Timed(long nanos, long newlyVerified) {}

    private static Timed report(HttpClient client, String base) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/compliance/report"))
                .timeout(Duration.ofMinutes(30)).build(), HttpResponse.BodyHandlers.ofString());
        long nanos = System.nanoTime() - t0;
        JsonNode j = Json.parseStored(r.body());
        if (r.statusCode() != 200 || !j.at("/ledger_integrity/valid").asBoolean() || !j.hasNonNull("download_url")) {
            throw new IllegalStateException("report failed: " + r.statusCode() + " " + r.body());
        }
        return new Timed(nanos, j.at("/ledger_integrity/newly_verified").asLong());
    }

    /** Records {@code count} decisions through the use case (group commit across the clients), some flagged or corrected. */
    private static void fill(App app, ExecutorService pool, Options o, long count, long offset) throws Exception {
        AtomicLong next = new AtomicLong();
        String pad = "x".repeat(Math.max(0, o.size() - 200));
        List<Future<?>> fs = new ArrayList<>();
        for (int c = 0; c < o.clients(); c++) {
            fs.add(pool.submit(() -> {
                SplittableRandom rnd = new SplittableRandom();
                for (long i; (i = next.getAndIncrement()) < count; ) {
                    long k = offset + i;
                    ObjectNode b = Json.object();
                    b.put("service_name", SERVICE);
                    b.put("decision_type", TYPES[(int) (k % TYPES.length)]);
                    b.putObject("input").put("message", "request " + k).put("pad", pad);
                    String[] m = MODELS[(int) (k % MODELS.length)];
                    b.putObject("model").put("provider", m[0]).put("name", m[1]);
                    b.putObject("output").put("response", "answer " + k);
                    // usage as the SDK wrappers record it: the latency sketch and token sums move with every decision
                    ObjectNode meta = b.putObject("metadata");
                    meta.put("latency_ms", 50 + rnd.nextInt(3000));
                    meta.putObject("tokens").put("input", 100 + rnd.nextInt(900)).put("output", 10 + rnd.nextInt(300));
                    String id = app.decisions.record("local", b, null).decision().decisionId();
                    int roll = rnd.nextInt(100);
                    if (roll >= 90) app.decisions.confirm("local", id, Json.object().put("confirmed_by", "bench"));
                    if (roll < 7) app.decisions.markIncorrect("local", id, Json.object().put("reason", "bench flag"));
                    if (roll < 2) {
                        ObjectNode fix = Json.object();
                        fix.putObject("correction").put("response", "corrected " + k);
                        fix.put("corrected_by", "bench");
                        app.decisions.attachCorrection("local", id, fix);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : fs) f.get();
    }
}

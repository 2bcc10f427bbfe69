package dev.loopgrid.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code bench replay}: end-to-end replay latency through the local stack (HTTP front → SQS → worker →
 * ledger), as a client waiting with {@code ?wait=20} sees it, and how many replays complete per second.
 */
final class ReplayBench {

    record Options(Api api, int clients, int replays, int warmup, String service) {}

    private ReplayBench() {}

    static int run(Options o) throws InterruptedException {
        System.out.printf("replay: url=%s service=%s clients=%d replays=%d warmup=%d%n", o.api().base(), o.service(),
                o.clients(), o.replays(), o.warmup());
        if (!Bench.reachable(o.api())) return 1;
        ObjectNode decision = Json.object();
        decision.put("service_name", o.service());
        decision.put("decision_type", "customer_support_reply");
        decision.putObject("input").put("message", "I was charged twice for my subscription this month.");
        decision.putObject("model").put("provider", "openai").put("name", "gpt-4").put("temperature", 0.2);
        decision.putObject("output").put("response", "Your account looks fine.");
        decision.putObject("prompt").put("text", "You are a support agent.");
        Api.Reply rec = o.api().postDecision(Json.write(decision));
        if (!rec.ok(201)) {
            System.out.println("replay: could not record the decision: " + rec.status() + " " + rec.body());
            return 1;
        }
        String id = Json.parse(rec.body()).get("decision_id").asText();
        if (o.warmup() > 0) drive(o, id, o.warmup(), new long[o.warmup()], "w");
        long[] nanos = new long[o.replays()];
        long t0 = System.nanoTime();
        Map<String, Integer> errors = drive(o, id, o.replays(), nanos, "m");
        double wall = (System.nanoTime() - t0) / 1e9;
        int ok = o.replays() - errors.values().stream().mapToInt(Integer::intValue).sum();
        Latencies lat = new Latencies(nanos, o.replays());
        ChainCheck.Verify v = ChainCheck.verify(o.api(), o.service());
        System.out.println(v.describe());
        System.out.printf("replay: clients=%d n=%d completed=%d throughput=%.1f replays/s %s errors=%s verify=%s (%d entries)%n",
                o.clients(), o.replays(), ok, ok / wall, lat.summary(), errors, v.summary(), v.total());
        return errors.isEmpty() && v.verified() ? 0 : 1;
    }

    /** Runs n replays with the given clients; returns errors by kind, fills latencies in nanoseconds. */
    private static Map<String, Integer> drive(Options o, String decisionId, int n, long[] nanos, String tag)
            throws InterruptedException {
        Map<String, Integer> errors = new ConcurrentHashMap<>();
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(o.clients());
        for (int c = 0; c < o.clients(); c++) {
            pool.submit(() -> {
                for (int i; (i = next.getAndIncrement()) < n; ) {
                    ObjectNode body = Json.object();
                    body.put("decision_id", decisionId);
                    body.putObject("overrides").putObject("prompt").put("text", "Variant " + tag + i + ": check billing first.");
                    long s = System.nanoTime();
                    Api.Reply r = o.api().post("/v1/replays?wait=20", Json.write(body));
                    nanos[i] = System.nanoTime() - s;
                    String kind = null;
                    if (!r.ok(200)) {
                        kind = r.errorKey();
                    } else {
                        JsonNode j = Json.parse(r.body());
                        if (!"completed".equals(j.path("execution_status").asText())) kind = j.path("execution_status").asText();
                    }
                    if (kind != null) errors.merge(kind, 1, Integer::sum);
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(1, TimeUnit.HOURS);
        return new TreeMap<>(errors);
    }
}

package dev.loopgrid.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * {@code bench erase}: in process (own DynamoDB Local, S3Proxy and HTTP front), records DECISIONS decisions of one
 * data subject carrying a marker string (sealed) and as many of no subject (in the clear) with CLIENTS threads, times
 * both, erases the subject (a legal basis overriding the retention floor) and times that request, then reads a
 * sample back (erased), verifies the chain, and scans the whole table and every object of every bucket for the
 * marker. Exit 1 when the marker is found, a read is not erased, or the chain does not verify.
 */
public final class EraseBench {
    public record Options(int decisions, int clients, int size) {}

    private EraseBench() {}

    static int run(Options o) throws Exception {
        String marker = "ERASE-BENCH-MARKER-" + Long.toHexString(System.nanoTime());
        try (Main.Running stack = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0"}),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            Api api = new Api(URI.create(stack.url()), Duration.ofSeconds(600), null);
            String pad = "p".repeat(Math.max(0, o.size() - 300));
            System.out.printf("erase: decisions=%d (subject) + %d (no subject) clients=%d size≈%d%n", o.decisions(),
                    o.decisions(), o.clients(), o.size());
            double plain = record(api, o, "{\"service_name\":\"erase-bench-plain\",", pad, "plain");
            double sealed = record(api, o, "{\"service_name\":\"erase-bench\",\"subject_id\":\"bench-subject\",", pad, marker);
            System.out.printf("record: no subject %.1f decisions/s; with subject (sealed) %.1f decisions/s%n", plain, sealed);

            String body = "{\"reason\":\"bench\",\"legal_basis\":\"bench: floor waived\"}";
            long t0 = System.nanoTime();
            Api.Reply r = api.post("/v1/subjects/bench-subject/erasure", body);
            double ms = (System.nanoTime() - t0) / 1e6;
            if (!r.ok(200)) {
                System.out.println("erasure answered " + r.status() + ": " + r.body());
                return 1;
            }
            System.out.printf("erasure of a subject with %d decisions: %.1f ms (status %d)%n", o.decisions(), ms, r.status());
            t0 = System.nanoTime();
            Api.Reply again = api.post("/v1/subjects/bench-subject/erasure", body);
            System.out.printf("asking again: %.1f ms (status %d)%n", (System.nanoTime() - t0) / 1e6, again.status());

            JsonNode list = Json.parseStored(api.get("/v1/decisions?service_name=erase-bench&limit=100").body());
            int erased = 0;
            for (JsonNode d : list.get("decisions")) if (d.path("erased").asBoolean()) erased++;
            boolean valid = Json.parseStored(api.get("/v1/integrity/verify").body()).at("/integrity/valid").asBoolean();
            long table = tableHits(stack, marker);
            long bucket = bucketHits(stack, marker);
            boolean listLeaks = list.toString().contains(marker);
            System.out.printf("after: %d of %d listed decisions erased; verify valid=%s; marker in table items=%d,"
                    + " bucket objects=%d, list=%s%n", erased, list.get("decisions").size(), valid, table, bucket, listLeaks);
            boolean good = valid && table == 0 && bucket == 0 && !listLeaks && erased == list.get("decisions").size();
            System.out.println(good ? "OK" : "FAILED");
            return good ? 0 : 1;
        }
    }

    private static double record(Api api, Options o, String head, String pad, String text) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(o.clients());
        long t0 = System.nanoTime();
        Future<?>[] fs = new Future<?>[o.clients()];
        for (int c = 0; c < o.clients(); c++) {
            fs[c] = pool.submit(() -> {
                for (int i; (i = next.getAndIncrement()) < o.decisions(); ) {
                    String b = head + "\"decision_type\":\"refund\",\"input\":{\"customer\":\"" + text + " " + i
                            + "\",\"pad\":\"" + pad + "\"},\"model\":{\"provider\":\"openai\",\"name\":\"gpt-4\"},"
                            + "\"output\":{\"answer\":\"" + text + "\"}}";
                    if (!api.postDecision(b).ok(201)) failed.incrementAndGet();
                }
                return null;
            });
        }
        for (Future<?> f : fs) f.get();
        pool.shutdown();
        pool.awaitTermination(1, TimeUnit.MINUTES);
        double s = (System.nanoTime() - t0) / 1e9;
        if (failed.get() > 0) throw new IllegalStateException(failed.get() + " decisions were not recorded");
        return o.decisions() / s;
    }

    private static long tableHits(Main.Running stack, String marker) {
        long hits = 0;
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            ScanResponse r = stack.dynamo().client().scan(b -> b.tableName("loopgrid-ledger").exclusiveStartKey(from));
            for (Map<String, AttributeValue> item : r.items()) if (item.toString().contains(marker)) hits++;
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return hits;
    }

    private static long bucketHits(Main.Running stack, String marker) {
        var s3 = stack.s3().client();
        byte[] needle = marker.getBytes(StandardCharsets.ISO_8859_1);
        long hits = 0;
        for (var b : s3.listBuckets().buckets()) {
            for (var obj : s3.listObjectsV2Paginator(r -> r.bucket(b.name())).contents()) {
                byte[] bytes = s3.getObjectAsBytes(r -> r.bucket(b.name()).key(obj.key())).asByteArray();
                if (new String(bytes, StandardCharsets.ISO_8859_1).contains(new String(needle, StandardCharsets.ISO_8859_1))) hits++;
            }
        }
        return hits;
    }

}

package dev.loopgrid.local.bench;

import com.google.protobuf.ByteString;
import dev.loopgrid.core.Json;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;

/**
 * {@code bench otlp}: CLIENTS threads POST OTLP/HTTP protobuf exports of SPANS GenAI chat spans each (the v1.37+
 * conventions with input and output messages, as an instrumented OpenAI client sends them) to {@code /v1/traces};
 * GenAI spans ingested per second, export latency, errors; then every span is checked to be a decision of the chain
 * (its total) and the server verifies the chain.
 */
final class OtlpBench {

    /** @param services spread the spans over this many services (chains), {@code service-0…}; 1 = one chain named {@code service} */
    record Options(Api api, int clients, int exports, int spans, int warmup, String service, int services, boolean gzip,
                   boolean json) {}

    static String serviceOf(Options o, String base, int n) {
        return o.services() == 1 ? base : base + "-" + (n % o.services());
    }

    private OtlpBench() {}

    static int run(Options o) throws InterruptedException {
        System.out.printf("otlp: url=%s service=%s services=%d clients=%d exports=%d spans/export=%d warmup=%d encoding=%s%s%n",
                o.api().base(), o.service(), o.services(), o.clients(), o.exports(), o.spans(), o.warmup(),
                o.json() ? "json" : "protobuf", o.gzip() ? "+gzip" : "");
        if (!Bench.reachable(o.api())) return 1;
        SplittableRandom random = new SplittableRandom();
        if (o.warmup() > 0) {
            byte[][] warm = exports(o.service() + "-warmup", o.warmup(), o.spans(), random, o);
            Result w = send(o, warm);
            System.out.printf("warmup: %d exports to %s-warmup, %.0f spans/s, errors=%s%n", o.warmup(), o.service(),
                    w.spansPerSecond(o.spans()), w.errors);
        }
        byte[][] bodies = exports(o.service(), o.exports(), o.spans(), random, o);
        System.out.printf("export size: %d bytes (%d spans)%n", bodies[0].length, o.spans());
        Result r = send(o, bodies);
        System.out.printf("throughput: %.0f GenAI spans/s recorded (%d exports ok of %d in %.2f s)%n",
                r.spansPerSecond(o.spans()), r.ok.get(), o.exports(), r.wallNanos / 1e9);
        System.out.println("export latency (200s): " + r.latencies.summary());
        System.out.println("errors by status: " + r.errors);

        long expected = (long) r.ok.get() * o.spans();
        long total = 0;
        boolean verified = true;
        for (int k = 0; k < o.services(); k++) {
            String name = serviceOf(o, o.service(), k);
            Api.Reply list = o.api().get("/v1/decisions?page_size=1&service_name=" + Api.enc(name));
            total += list.status() == 200 ? Json.parseStored(list.body()).path("total").asLong(-1) : -1;
            ChainCheck.Verify v = ChainCheck.verify(o.api(), name);
            System.out.println(name + ": " + v.describe());
            verified &= v.status() == 200 && v.verified();
        }
        System.out.printf("decisions in %d chain(s): %d (expected %d)%n", o.services(), total, expected);
        boolean good = total == expected && r.rejected.get() == 0 && verified;
        System.out.printf("otlp: clients=%d exports=%d spans/export=%d throughput=%.0f spans/s p50=%.1fms p90=%.1fms "
                        + "p99=%.1fms max=%.1fms errors=%s rejected=%d decisions=%d/%d chains=%d verify=%s%n",
                o.clients(), o.exports(), o.spans(), r.spansPerSecond(o.spans()), r.latencies.ms(50), r.latencies.ms(90),
                r.latencies.ms(99), r.latencies.maxMs(), r.errors, r.rejected.get(), total, expected, o.services(),
                verified ? "valid" : "FAILED");
        return good ? 0 : 1;
    }

    private static final class Result {
        final AtomicInteger ok = new AtomicInteger();
        final AtomicLong rejected = new AtomicLong();
        final Map<String, Integer> errors = new TreeMap<>();
        Latencies latencies;
        long wallNanos;

        double spansPerSecond(int spans) {
            return wallNanos == 0 ? 0 : ok.get() * (double) spans / (wallNanos / 1e9);
        }
    }

    private static Result send(Options o, byte[][] bodies) throws InterruptedException {
        Result r = new Result();
        long[] nanos = new long[bodies.length];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(o.clients());
        long start = System.nanoTime();
        for (int c = 0; c < o.clients(); c++) {
            pool.execute(() -> {
                for (int i; (i = next.getAndIncrement()) < bodies.length; ) {
                    long t0 = System.nanoTime();
                    Api.Reply reply = o.api().postBytes("/v1/traces", bodies[i],
                            o.json() ? "application/json" : "application/x-protobuf", o.gzip() ? "gzip" : null);
                    long t = System.nanoTime() - t0;
                    if (reply.status() == 200) {
                        nanos[done.getAndIncrement()] = t;
                        r.ok.incrementAndGet();
                        r.rejected.addAndGet(rejected(reply, o.json()));
                    } else {
                        synchronized (r.errors) {
                            r.errors.merge(reply.errorKey(), 1, Integer::sum);
                        }
                    }
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(1, TimeUnit.HOURS);
        r.wallNanos = System.nanoTime() - start;
        r.latencies = new Latencies(nanos, done.get());
        return r;
    }

    /**
     * Rejected spans of a 200 answer: OTLP/JSON answers count them; a protobuf answer is empty unless it carries a
     * partial success (the bench client reads bodies as text, so a non-empty one counts as one).
     */
    private static long rejected(Api.Reply reply, boolean json) {
        if (reply.body() == null || reply.body().isEmpty()) return 0;
        if (json) return Json.parseStored(reply.body()).at("/loopgrid/rejected").asLong();
        return 1;
    }

    /** EXPORTS requests of SPANS GenAI spans each, all to one service (one chain), each span with its own ids. */
    static byte[][] exports(String service, int exports, int spans, SplittableRandom random, Options o) {
        byte[][] out = new byte[exports][];
        InstrumentationScope scope = InstrumentationScope.newBuilder().setName("opentelemetry.instrumentation.openai_v2")
                .setVersion("2.3b0").build();
        long now = System.currentTimeMillis() * 1_000_000L;
        for (int e = 0; e < exports; e++) {
            ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder();
            ByteString trace = ids(random, 16);
            java.util.Map<String, ScopeSpans.Builder> byService = new java.util.LinkedHashMap<>();
            for (int s = 0; s < spans; s++) {
                int n = e * spans + s;
                ScopeSpans.Builder ss = byService.computeIfAbsent(serviceOf(o, service, n),
                        x -> ScopeSpans.newBuilder().setScope(scope));
                ss.addSpans(Span.newBuilder().setTraceId(trace).setSpanId(ids(random, 8))
                        .setName("chat gpt-4o-mini").setKind(Span.SpanKind.SPAN_KIND_CLIENT)
                        .setStartTimeUnixNano(now + n * 1_000_000L).setEndTimeUnixNano(now + n * 1_000_000L + 850_000_000L)
                        .addAttributes(kv("gen_ai.operation.name", "chat"))
                        .addAttributes(kv("gen_ai.provider.name", "openai"))
                        .addAttributes(kv("gen_ai.request.model", "gpt-4o-mini"))
                        .addAttributes(KeyValue.newBuilder().setKey("gen_ai.request.temperature")
                                .setValue(AnyValue.newBuilder().setDoubleValue(0.2)))
                        .addAttributes(kv("gen_ai.system_instructions",
                                "[{\"type\":\"text\",\"content\":\"You are a support assistant for ACME. Be concise and polite.\"}]"))
                        .addAttributes(kv("gen_ai.input.messages", "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\","
                                + "\"content\":\"Question " + n + ": I was charged twice for order A-" + (1000 + n)
                                + ", can you check?\"}]}]"))
                        .addAttributes(kv("gen_ai.output.messages", "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\","
                                + "\"content\":\"I can see two charges for order A-" + (1000 + n) + "; I have opened a "
                                + "billing review and you will hear from us within two days.\"}],\"finish_reason\":\"stop\"}]"))
                        .addAttributes(kv("gen_ai.response.id", "chatcmpl-" + Long.toHexString(random.nextLong())))
                        .addAttributes(KeyValue.newBuilder().setKey("gen_ai.usage.input_tokens")
                                .setValue(AnyValue.newBuilder().setIntValue(60)))
                        .addAttributes(KeyValue.newBuilder().setKey("gen_ai.usage.output_tokens")
                                .setValue(AnyValue.newBuilder().setIntValue(31))));
            }
            byService.forEach((name, ss) -> req.addResourceSpans(ResourceSpans.newBuilder()
                    .setResource(Resource.newBuilder().addAttributes(kv("service.name", name))).addScopeSpans(ss)));
            byte[] body = o.json() ? json(req.build()) : req.build().toByteArray();
            out[e] = o.gzip() ? gzip(body) : body;
        }
        return out;
    }

    /** OTLP/JSON of the bench's own spans (hex ids, the few value kinds used). */
    private static byte[] json(ExportTraceServiceRequest req) {
        var root = Json.object();
        var all = root.putArray("resourceSpans");
        for (ResourceSpans r : req.getResourceSpansList()) {
            var rs = all.addObject();
            attributes(rs.putObject("resource").putArray("attributes"), r.getResource().getAttributesList());
            var ss = rs.putArray("scopeSpans").addObject();
            ss.putObject("scope").put("name", r.getScopeSpans(0).getScope().getName())
                    .put("version", r.getScopeSpans(0).getScope().getVersion());
            var spans = ss.putArray("spans");
            for (Span s : r.getScopeSpans(0).getSpansList()) {
                var js = spans.addObject().put("traceId", hex(s.getTraceId())).put("spanId", hex(s.getSpanId()))
                        .put("name", s.getName()).put("kind", s.getKindValue())
                        .put("startTimeUnixNano", Long.toUnsignedString(s.getStartTimeUnixNano()))
                        .put("endTimeUnixNano", Long.toUnsignedString(s.getEndTimeUnixNano()));
                attributes(js.putArray("attributes"), s.getAttributesList());
            }
        }
        return Json.write(root).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void attributes(com.fasterxml.jackson.databind.node.ArrayNode out, java.util.List<KeyValue> kvs) {
        for (KeyValue kv : kvs) {
            var v = out.addObject().put("key", kv.getKey()).putObject("value");
            switch (kv.getValue().getValueCase()) {
                case DOUBLE_VALUE -> v.put("doubleValue", kv.getValue().getDoubleValue());
                case INT_VALUE -> v.put("intValue", Long.toString(kv.getValue().getIntValue()));
                default -> v.put("stringValue", kv.getValue().getStringValue());
            }
        }
    }

    private static String hex(ByteString b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b.toByteArray()) sb.append(String.format("%02x", x));
        return sb.toString();
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static ByteString ids(SplittableRandom random, int bytes) {
        ByteBuffer b = ByteBuffer.allocate(bytes);
        while (b.hasRemaining()) b.putLong(random.nextLong() | 1);
        return ByteString.copyFrom(b.array());
    }

    private static byte[] gzip(byte[] b) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                gz.write(b);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

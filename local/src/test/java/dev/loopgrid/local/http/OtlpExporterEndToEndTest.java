package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.KeysCli;
import dev.loopgrid.local.Main;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenTelemetry Java SDK and its OTLP/HTTP exporter, configured as an instrumented application would
 * ({@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=<api>/v1/traces}, {@code OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer …}),
 * send GenAI spans to a local stack that requires keys: protobuf (plain and gzip) through the exporter, and the SDK's
 * own OTLP/JSON encoding of the same spans.
 */
class OtlpExporterEndToEndTest {
    static Main.Running stack;
    static String writer;
    static String auditor;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        stack = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0", "--require-keys"}),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        writer = KeysCli.create(stack, "acme", "writer");
        auditor = KeysCli.create(stack, "acme", "auditor");
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    /** Spans made by the SDK, as an instrumentation would make them: one GenAI chat span with a non-GenAI child. */
    static List<SpanData> genAiSpans(String service) {
        List<SpanData> captured = new ArrayList<>();
        SpanExporter capture = new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                captured.addAll(spans);
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service)))
                .addSpanProcessor(SimpleSpanProcessor.create(capture)).build()) {
            Tracer tracer = provider.get("opentelemetry.instrumentation.openai_v2", "2.3b0");
            Span chat = tracer.spanBuilder("chat gpt-4o-mini").setSpanKind(SpanKind.CLIENT)
                    .setAttribute("gen_ai.operation.name", "chat")
                    .setAttribute("gen_ai.provider.name", "openai")
                    .setAttribute("gen_ai.request.model", "gpt-4o-mini")
                    .setAttribute("gen_ai.request.temperature", 0.3)
                    .setAttribute("gen_ai.request.max_tokens", 256L)
                    .setAttribute(AttributeKey.stringArrayKey("gen_ai.request.stop_sequences"), List.of("END"))
                    .startSpan();
            Scope scope = chat.makeCurrent(); // the HTTP span below is the chat span's child
            try {
                tracer.spanBuilder("POST").setSpanKind(SpanKind.CLIENT).setAttribute("http.request.method", "POST")
                        .startSpan().end();
                chat.setAttribute("gen_ai.system_instructions", "[{\"type\":\"text\",\"content\":\"Answer in one sentence.\"}]");
                chat.setAttribute("gen_ai.input.messages",
                        "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Is my card blocked?\"}]}]");
                chat.setAttribute("gen_ai.output.messages", "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\","
                        + "\"content\":\"No, your card is active.\"}],\"finish_reason\":\"stop\"}]");
                chat.setAttribute("gen_ai.response.id", "chatcmpl-e2e");
                chat.setAttribute("gen_ai.usage.input_tokens", 21L);
                chat.setAttribute("gen_ai.usage.output_tokens", 7L);
            } finally {
                scope.close();
                chat.end();
            }
        }
        assertEquals(2, captured.size());
        return captured;
    }

    static OtlpHttpSpanExporter exporter(String compression) {
        return OtlpHttpSpanExporter.builder()
                .setEndpoint(stack.url() + "/v1/traces")
                .addHeader("Authorization", "Bearer " + writer)
                .setCompression(compression)
                .setTimeout(Duration.ofSeconds(30))
                .build();
    }

    /**
     * The exporter in JSON mode. The Java exporter has no public switch for OTLP/JSON; its builder delegates to the
     * SDK's internal {@code HttpExporterBuilder}, whose {@code exportAsJson()} makes the same exporter send
     * {@code application/json} with the SDK's JSON marshalers (internal API, pinned by the SDK version in the BOM).
     */
    static OtlpHttpSpanExporter jsonExporter(String endpoint, String key) throws Exception {
        var builder = OtlpHttpSpanExporter.builder().setEndpoint(endpoint)
                .addHeader("Authorization", "Bearer " + key).setTimeout(Duration.ofSeconds(30));
        java.lang.reflect.Field delegate = builder.getClass().getDeclaredField("delegate");
        delegate.setAccessible(true);
        ((io.opentelemetry.exporter.otlp.internal.HttpExporterBuilder) delegate.get(builder)).exportAsJson();
        return builder.build();
    }

    static JsonNode get(String path) throws Exception {
        return get(path, auditor);
    }

    static JsonNode get(String path, String key) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(stack.url() + path))
                .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return Json.parseStored(r.body());
    }

    static HttpResponse<String> postJson(List<SpanData> spans, String key) throws Exception {
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        TraceRequestMarshaler.create(spans).writeJsonTo(json); // the SDK's own OTLP/JSON encoding
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stack.url() + "/v1/traces"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json.toByteArray()));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void javaSdkExporter_protobufThenTheSameSpansAsJson_oneDecision() throws Exception {
        List<SpanData> spans = genAiSpans("otel-java-e2e");
        OtlpHttpSpanExporter exporter = exporter("none");
        try {
            CompletableResultCode result = exporter.export(spans).join(30, TimeUnit.SECONDS);
            assertTrue(result.isSuccess(), "the exporter's request succeeded");
        } finally {
            exporter.shutdown().join(10, TimeUnit.SECONDS);
        }
        JsonNode list = get("/v1/decisions?service_name=otel-java-e2e");
        assertEquals(1, list.get("total").asInt(), list.toString());
        JsonNode d = list.get("decisions").get(0);
        SpanData chat = spans.stream().filter(s -> s.getName().startsWith("chat")).findFirst().orElseThrow();
        assertEquals("chat", d.get("decision_type").asText());
        assertEquals("openai", d.at("/model/provider").asText());
        assertEquals("gpt-4o-mini", d.at("/model/name").asText());
        assertEquals(0.3, d.at("/model/temperature").asDouble());
        assertEquals(256, d.at("/model/max_tokens").asInt());
        assertEquals("Answer in one sentence.", d.at("/prompt/messages/0/content").asText());
        assertEquals("Is my card blocked?", d.at("/input/message").asText());
        assertEquals("No, your card is active.", d.at("/output/response").asText());
        assertEquals(28, d.at("/metadata/tokens/total").asInt());
        assertEquals(chat.getTraceId(), d.at("/metadata/otel/trace_id").asText());
        assertEquals(chat.getSpanId(), d.at("/metadata/otel/span_id").asText());

        // the same spans in the SDK's JSON encoding: the identical decision, so it is found, not recorded again
        HttpResponse<String> r = postJson(spans, writer);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = Json.parseStored(r.body());
        assertEquals(0, body.at("/loopgrid/recorded").asInt(), r.body());
        assertEquals(1, body.at("/loopgrid/already_recorded").asInt(), r.body());
        assertEquals(1, body.at("/loopgrid/skipped").asInt(), r.body());
        assertEquals(0, body.at("/loopgrid/rejected").asInt(), "different content would be rejected: " + r.body());
        assertEquals(1, get("/v1/decisions?service_name=otel-java-e2e").get("total").asInt());
        assertEquals(d.get("content_hash"), get("/v1/decisions/" + d.get("decision_id").asText()).get("content_hash"));

        // and the ingested decision replays through the replay pipeline (simulated here: no provider key)
        HttpResponse<String> replay = HTTP.send(HttpRequest.newBuilder(URI.create(stack.url() + "/v1/replays?wait=20"))
                .header("Authorization", "Bearer " + writer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"decision_id\": \"" + d.get("decision_id").asText() + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, replay.statusCode(), replay.body());
        JsonNode rp = Json.parseStored(replay.body());
        assertEquals("completed", rp.get("execution_status").asText(), replay.body());
        assertEquals("openai", rp.get("provider").asText(), replay.body());
        assertEquals("gpt-4o-mini", rp.get("model").asText(), replay.body());
        assertFalse(rp.get("output_changed").asBoolean(), "no change: the recorded output: " + replay.body());
    }

    /**
     * The same spans through the exporter in JSON mode (tenant acme) and in protobuf mode (tenant initech: idempotency
     * keys are per tenant, so both record): the two decisions have the same content hash.
     */
    @Test
    void javaSdkExporter_jsonAndProtobuf_giveTheSameDecisionContent() throws Exception {
        List<SpanData> spans = genAiSpans("otel-java-both");
        String otherWriter = KeysCli.create(stack, "initech", "writer");
        String otherAuditor = KeysCli.create(stack, "initech", "auditor");
        // the JSON mode really sends OTLP/JSON (checked against a recording server first)
        java.util.concurrent.atomic.AtomicReference<String> seen = new java.util.concurrent.atomic.AtomicReference<>();
        com.sun.net.httpserver.HttpServer probe = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        probe.createContext("/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            seen.set(ex.getRequestHeaders().getFirst("Content-Type") + " " + new String(body, StandardCharsets.UTF_8));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        probe.start();
        OtlpHttpSpanExporter probed = jsonExporter("http://127.0.0.1:" + probe.getAddress().getPort() + "/v1/traces", writer);
        try {
            assertTrue(probed.export(spans).join(30, TimeUnit.SECONDS).isSuccess());
        } finally {
            probed.shutdown().join(10, TimeUnit.SECONDS);
            probe.stop(0);
        }
        assertTrue(seen.get().startsWith("application/json {\"resourceSpans\""), seen.get());

        OtlpHttpSpanExporter json = jsonExporter(stack.url() + "/v1/traces", writer);
        OtlpHttpSpanExporter proto = OtlpHttpSpanExporter.builder().setEndpoint(stack.url() + "/v1/traces")
                .addHeader("Authorization", "Bearer " + otherWriter).build();
        try {
            assertTrue(json.export(spans).join(30, TimeUnit.SECONDS).isSuccess(), "JSON export");
            assertTrue(proto.export(spans).join(30, TimeUnit.SECONDS).isSuccess(), "protobuf export");
        } finally {
            json.shutdown().join(10, TimeUnit.SECONDS);
            proto.shutdown().join(10, TimeUnit.SECONDS);
        }
        JsonNode a = get("/v1/decisions?service_name=otel-java-both", auditor);
        JsonNode b = get("/v1/decisions?service_name=otel-java-both", otherAuditor);
        assertEquals(1, a.get("total").asInt(), a.toString());
        assertEquals(1, b.get("total").asInt(), b.toString());
        assertEquals(a.at("/decisions/0/content_hash"), b.at("/decisions/0/content_hash"));
        assertEquals("Is my card blocked?", a.at("/decisions/0/input/message").asText());
    }

    @Test
    void javaSdkExporter_gzip_andRetriedExports_recordOnce() throws Exception {
        List<SpanData> spans = genAiSpans("otel-java-gzip");
        OtlpHttpSpanExporter exporter = exporter("gzip");
        try {
            for (int i = 0; i < 3; i++) {
                assertTrue(exporter.export(spans).join(30, TimeUnit.SECONDS).isSuccess(), "export " + i);
            }
        } finally {
            exporter.shutdown().join(10, TimeUnit.SECONDS);
        }
        assertEquals(1, get("/v1/decisions?service_name=otel-java-gzip").get("total").asInt());
        JsonNode verify = get("/v1/integrity/verify?service_name=otel-java-gzip");
        assertTrue(verify.at("/integrity/valid").asBoolean(), verify.toString());
    }

    @Test
    void withoutAKey_or_withARoleThatMayNotRecord_theExportIsRefused() throws Exception {
        List<SpanData> spans = genAiSpans("otel-java-refused");
        HttpResponse<String> none = postJson(spans, null);
        assertEquals(401, none.statusCode(), none.body());
        HttpResponse<String> forbidden = postJson(spans, auditor);
        assertEquals(403, forbidden.statusCode(), forbidden.body());
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(stack.url() + "/v1/traces").build();
        try {
            assertFalse(exporter.export(spans).join(30, TimeUnit.SECONDS).isSuccess(), "the exporter sees the 401");
        } finally {
            exporter.shutdown().join(10, TimeUnit.SECONDS);
        }
        assertEquals(0, get("/v1/decisions?service_name=otel-java-refused").get("total").asInt());
    }

    /**
     * A seeded corpus of hostile bodies (random bytes, truncated and bit-flipped exports, invalid UTF-8, gzip that is
     * not, deep nesting) as protobuf and as JSON: never a 5xx, every 4xx readable, and nothing recorded.
     */
    @Test
    void hostileBodies_neverA5xx_everyRefusalReadable_nothingRecorded() throws Exception {
        long before = get("/v1/decisions?page_size=1").get("total").asLong();
        ByteArrayOutputStream good = new ByteArrayOutputStream();
        // the base export is the non-GenAI span: a flipped bit that still parses must not make a decision either
        TraceRequestMarshaler.create(genAiSpans("otel-hostile").stream().filter(sp -> sp.getName().equals("POST"))
                .toList()).writeBinaryTo(good);
        byte[] valid = good.toByteArray();
        java.util.SplittableRandom random = new java.util.SplittableRandom(20261204L);
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            byte[] b = new byte[1 + random.nextInt(2000)];
            for (int k = 0; k < b.length; k++) b[k] = (byte) random.nextInt(256);
            bodies.add(b);
        }
        for (int cut = 1; cut < valid.length; cut += Math.max(1, valid.length / 40)) {
            bodies.add(java.util.Arrays.copyOf(valid, cut));
        }
        for (int i = 0; i < 40; i++) {
            byte[] b = valid.clone();
            b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
            bodies.add(b);
        }
        bodies.add(new byte[] {(byte) 0xc3, 0x28, (byte) 0xa0, (byte) 0xa1});
        bodies.add("{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"name\": \"\u00ff\"}]}]}]}".getBytes(StandardCharsets.ISO_8859_1));
        bodies.add(("{\"resourceSpans\": " + "[".repeat(5000) + "]".repeat(5000) + "}").getBytes(StandardCharsets.UTF_8));
        int refused = 0;
        for (byte[] body : bodies) {
            for (String type : new String[] {"application/x-protobuf", "application/json"}) {
                for (String encoding : new String[] {null, "gzip"}) {
                    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stack.url() + "/v1/traces"))
                            .header("Content-Type", type).header("Authorization", "Bearer " + writer)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
                    if (encoding != null) b.header("Content-Encoding", encoding);
                    HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                    String what = type + " " + encoding + " " + body.length + " bytes: " + r.statusCode();
                    assertTrue(r.statusCode() == 200 || r.statusCode() == 400 || r.statusCode() == 413, what);
                    if (r.statusCode() == 200) continue; // bytes that happen to parse: an export without GenAI spans
                    refused++;
                    String ct = r.headers().firstValue("Content-Type").orElse("");
                    if (ct.startsWith("application/json")) {
                        assertFalse(Json.parseStored(new String(r.body(), StandardCharsets.UTF_8)).path("detail").asText().isBlank(), what);
                    } else {
                        assertEquals("application/x-protobuf", ct, what);
                        assertTrue(r.body().length > 0, what + ": a google.rpc.Status");
                    }
                }
            }
        }
        assertTrue(refused > bodies.size(), "most of the corpus is refused: " + refused);
        assertEquals(before, get("/v1/decisions?page_size=1").get("total").asLong(), "nothing recorded");
    }
}

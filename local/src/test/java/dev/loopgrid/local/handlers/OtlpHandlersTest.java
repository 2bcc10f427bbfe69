package dev.loopgrid.local.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.CodedInputStream;
import dev.loopgrid.aws.handlers.ListDecisionsHandler;
import dev.loopgrid.aws.handlers.OtlpLogsHandler;
import dev.loopgrid.aws.handlers.OtlpTracesHandler;
import dev.loopgrid.aws.handlers.VerifyIntegrityHandler;
import dev.loopgrid.core.Ids;
import dev.loopgrid.core.otel.GenAiMapper;
import dev.loopgrid.core.otel.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code POST /v1/traces} and {@code /v1/logs} through their handler classes against DynamoDB Local: the sample events,
 * protobuf and gzip bodies as API Gateway passes them (base64), redelivery, and every kind of bad request (4xx with a
 * readable message, nothing recorded).
 */
class OtlpHandlersTest extends HandlerTestSupport {

    static byte[] fixture(String name) throws IOException {
        return Files.readAllBytes(Path.of("../events/otlp", name));
    }

    /** The sample event with another body: protobuf/gzip bytes go base64-encoded, as API Gateway sends binary media types. */
    static APIGatewayProxyRequestEvent event(byte[] body, String contentType, String encoding, boolean base64) {
        APIGatewayProxyRequestEvent e = load("otlp-traces.json");
        Map<String, String> h = new HashMap<>(e.getHeaders());
        h.put("Content-Type", contentType);
        if (encoding != null) h.put("Content-Encoding", encoding);
        e.setHeaders(h);
        e.setBody(base64 ? Base64.getEncoder().encodeToString(body) : new String(body, StandardCharsets.UTF_8));
        e.setIsBase64Encoded(base64);
        return e;
    }

    static byte[] protobuf(String fixture) throws IOException {
        return ((ExportTraceServiceRequest) OtlpJson.parse(fixture(fixture), ExportTraceServiceRequest.newBuilder())).toByteArray();
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    APIGatewayProxyResponseEvent traces(APIGatewayProxyRequestEvent e) {
        return invoke(new OtlpTracesHandler(app), e);
    }

    /** Decisions of one service, as GET /v1/decisions counts them. */
    long decisions(String service) {
        APIGatewayProxyRequestEvent e = load("list-decisions.json");
        e.setQueryStringParameters(Map.of("service_name", service, "page_size", "100"));
        return body(invoke(new ListDecisionsHandler(app), e)).get("total").asLong();
    }

    JsonNode onlyDecision(String service) {
        APIGatewayProxyRequestEvent e = load("list-decisions.json");
        e.setQueryStringParameters(Map.of("service_name", service));
        JsonNode list = body(invoke(new ListDecisionsHandler(app), e)).get("decisions");
        assertEquals(1, list.size(), list.toString());
        return list.get(0);
    }

    /** google.rpc.Status.message (field 2) of a protobuf error answer. */
    static String statusMessage(APIGatewayProxyResponseEvent r) throws IOException {
        assertEquals("application/x-protobuf", r.getHeaders().get("Content-Type"));
        assertTrue(r.getIsBase64Encoded());
        CodedInputStream in = CodedInputStream.newInstance(Base64.getDecoder().decode(r.getBody()));
        String message = null;
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (tag >>> 3 == 2) message = in.readString();
            else in.skipField(tag);
        }
        return message;
    }

    @Test
    void sampleTracesEvent_recordsTheGenAiSpan_skipsTheHttpSpan_andSaysSo() {
        APIGatewayProxyResponseEvent r = traces(load("otlp-traces.json"));
        assertEquals(200, r.getStatusCode(), r.getBody());
        JsonNode b = body(r);
        assertEquals(2, b.at("/loopgrid/received").asInt());
        assertEquals(1, b.at("/loopgrid/recorded").asInt());
        assertEquals(1, b.at("/loopgrid/skipped").asInt());
        assertEquals(1, b.at("/loopgrid/skipped_reasons/not a GenAI span").asInt(), b.toString());
        assertEquals("0", b.at("/partialSuccess/rejectedSpans").asText(), "skipped spans are a warning, not rejections");
        assertTrue(b.at("/partialSuccess/errorMessage").asText().contains("skipped 1"), b.toString());

        JsonNode d = onlyDecision("refund-agent");
        assertDecision(d);
        assertEquals("chat", d.get("decision_type").asText());
        assertEquals("lookup_order", d.at("/tool_calls/0/name").asText());
        assertEquals("00f067aa0ba902b7", d.at("/metadata/otel/span_id").asText());
    }

    @Test
    void redeliveredExport_recordsNothingNew() {
        assertEquals(1, body(traces(load("otlp-traces.json"))).at("/loopgrid/recorded").asInt());
        JsonNode again = body(traces(load("otlp-traces.json")));
        assertEquals(0, again.at("/loopgrid/recorded").asInt());
        assertEquals(1, again.at("/loopgrid/already_recorded").asInt());
        assertEquals(1, decisions("refund-agent"));

        // the decision's id derives from the tenant and the span's ids, and the projection is the claim: no claim item,
        // so no claim that expires (a redelivery a week later is found just the same)
        List<String> tenants = dynamo.tenants(TABLE);
        assertEquals(1, tenants.size(), tenants.toString());
        assertEquals(Ids.decision(tenants.get(0), GenAiMapper.idempotencyKey("4bf92f3577b34da6a3ce929d0e0e4736",
                "00f067aa0ba902b7")), onlyDecision("refund-agent").get("decision_id").asText());
        assertEquals(0, itemsStartingWith("IDEM#"), "an OTLP span writes no idempotency claim item");
    }

    long itemsStartingWith(String prefix) {
        return dynamo.client().scanPaginator(b -> b.tableName(TABLE).filterExpression("begins_with(pk, :p)")
                .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(prefix)))).items().stream().count();
    }

    @Test
    void spanSentAgainWithOtherContent_isRejectedWithAReason_andRecordsNothing() throws IOException {
        String json = new String(fixture("openllmetry-anthropic-message.json"), StandardCharsets.UTF_8);
        assertEquals(1, body(traces(event(json.getBytes(StandardCharsets.UTF_8), "application/json", null, false)))
                .at("/loopgrid/recorded").asInt());
        JsonNode first = onlyDecision("support-agent");
        String changed = json.replace("claude", "claudf"); // the same trace and span ids, another model
        assertFalse(changed.equals(json));
        JsonNode b = body(traces(event(changed.getBytes(StandardCharsets.UTF_8), "application/json", null, false)));
        assertEquals(0, b.at("/loopgrid/recorded").asInt(), b.toString());
        assertEquals(1, b.at("/loopgrid/rejected").asInt(), b.toString());
        assertTrue(b.at("/loopgrid/rejections/0/reason").asText().contains("recorded before with different content"),
                b.toString());
        assertEquals(first, onlyDecision("support-agent"), "the recorded decision is untouched");
    }

    /** Six exporters deliver the same export of 40 GenAI spans at once: each span is recorded exactly once. */
    @Test
    void concurrentDeliveriesOfOneExport_recordEachSpanOnce() throws Exception {
        byte[] export = dev.loopgrid.core.Json.write(genAiExport("concurrent-export", 40)).getBytes(StandardCharsets.UTF_8);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            List<java.util.concurrent.Future<JsonNode>> answers = new java.util.ArrayList<>();
            for (int t = 0; t < 6; t++) {
                answers.add(pool.submit(() -> body(traces(event(export, "application/json", null, false))).get("loopgrid")));
            }
            int recorded = 0;
            int already = 0;
            for (var f : answers) {
                JsonNode lg = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(0, lg.get("rejected").asInt(), lg.toString());
                recorded += lg.get("recorded").asInt();
                already += lg.get("already_recorded").asInt();
            }
            assertEquals(40, recorded);
            assertEquals(5 * 40, already);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(40, decisions("concurrent-export"));
        JsonNode verified = body(invoke(new VerifyIntegrityHandler(app), load("verify-integrity.json")));
        assertTrue(verified.at("/integrity/valid").asBoolean(), verified.toString());
    }

    /** An OTLP/JSON export of {@code n} GenAI chat spans of one service, each with its own span id. */
    static com.fasterxml.jackson.databind.node.ObjectNode genAiExport(String service, int n) {
        var root = dev.loopgrid.core.Json.object();
        var rs = root.putArray("resourceSpans").addObject();
        rs.putObject("resource").putArray("attributes").addObject().put("key", "service.name")
                .putObject("value").put("stringValue", service);
        var spans = rs.putArray("scopeSpans").addObject().putArray("spans");
        for (int i = 0; i < n; i++) {
            var attrs = spans.addObject().put("traceId", "0af7651916cd43dd8448eb211c80319c")
                    .put("spanId", String.format("%016x", 0x2000 + i)).put("name", "chat " + i).putArray("attributes");
            java.util.function.BiConsumer<String, String> attr = (k, v) ->
                    attrs.addObject().put("key", k).putObject("value").put("stringValue", v);
            attr.accept("gen_ai.operation.name", "chat");
            attr.accept("gen_ai.provider.name", "openai");
            attr.accept("gen_ai.request.model", "gpt-4o-mini");
            attr.accept("gen_ai.input.messages", "[{\"role\": \"user\", \"parts\": [{\"type\": \"text\", \"content\": \"question " + i + "\"}]}]");
        }
        return root;
    }

    @Test
    void sameSpanAsProtobufGzipAndJson_isOneIdenticalDecision() throws IOException {
        // protobuf, gzip, base64 as API Gateway passes a binary media type
        APIGatewayProxyResponseEvent r = traces(event(gzip(protobuf("openllmetry-anthropic-message.json")),
                "application/x-protobuf", "gzip", true));
        assertEquals(200, r.getStatusCode(), r.getBody());
        assertEquals("application/x-protobuf", r.getHeaders().get("Content-Type"));
        assertEquals(0, Base64.getDecoder().decode(r.getBody()).length, "all recorded: an empty ExportTraceServiceResponse");
        JsonNode first = onlyDecision("support-agent");

        // the same span as OTLP/JSON: the same content (same idempotency key and hash), so nothing new
        JsonNode b = body(traces(event(fixture("openllmetry-anthropic-message.json"), "application/json", null, false)));
        assertEquals(1, b.at("/loopgrid/already_recorded").asInt(), b.toString());
        assertEquals(0, b.at("/loopgrid/rejected").asInt(), "different content would be a 409, reported as rejected");
        assertEquals(first.get("content_hash"), onlyDecision("support-agent").get("content_hash"));

        // and on an empty ledger, JSON alone gives the same content hash as protobuf did
        dynamo.resetTable(TABLE);
        freshTable();
        traces(event(fixture("openllmetry-anthropic-message.json"), "application/json; charset=utf-8", null, false));
        assertEquals(first.get("content_hash"), onlyDecision("support-agent").get("content_hash"));
    }

    @Test
    void protobufPartialSuccess_isAnExportTraceServiceResponse() throws IOException {
        APIGatewayProxyResponseEvent r = traces(event(protobuf("openllmetry-openai-chat-tool-call.json"),
                "application/x-protobuf", null, true));
        assertEquals(200, r.getStatusCode());
        ExportTraceServiceResponse resp = ExportTraceServiceResponse.parseFrom(Base64.getDecoder().decode(r.getBody()));
        assertEquals(0, resp.getPartialSuccess().getRejectedSpans());
        assertTrue(resp.getPartialSuccess().getErrorMessage().contains("recorded 1"), resp.toString());
    }

    @Test
    void malformedProtobuf_is400WithAStatusMessage_andRecordsNothing() throws IOException {
        byte[] good = protobuf("openllmetry-openai-chat-tool-call.json");
        byte[] truncated = java.util.Arrays.copyOf(good, good.length / 2);
        for (byte[] bad : new byte[][] {truncated, "not protobuf at all".getBytes(StandardCharsets.UTF_8),
                {(byte) 0xff, (byte) 0xff, (byte) 0xff}}) {
            APIGatewayProxyResponseEvent r = traces(event(bad, "application/x-protobuf", null, true));
            assertEquals(400, r.getStatusCode());
            assertTrue(statusMessage(r).startsWith("Malformed OTLP protobuf"), statusMessage(r));
        }
        APIGatewayProxyResponseEvent r = traces(event(new byte[] {0x1f, (byte) 0x8b, 1, 2, 3}, "application/x-protobuf", "gzip", true));
        assertEquals(400, r.getStatusCode());
        assertTrue(statusMessage(r).contains("not valid gzip"), statusMessage(r));
        assertEquals(0, decisions("refund-agent"));
    }

    @Test
    void malformedJson_wrongContentTypes_andEncodings_are4xxWithDetail_andRecordNothing() throws IOException {
        JsonNode e = assertError(traces(event("{\"resourceSpans\": [".getBytes(StandardCharsets.UTF_8),
                "application/json", null, false)), 400, "malformed_otlp");
        assertEquals(e.get("detail"), e.get("message"), "the Status message beside detail");
        assertError(traces(event("{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"traceId\": \"W47/NXezTaajzpKdDg5HNg==\"}]}]}]}"
                .getBytes(StandardCharsets.UTF_8), "application/json", null, false)), 400, "malformed_otlp");
        for (String type : new String[] {"text/plain", "application/grpc", "application/xml"}) {
            JsonNode b = assertError(traces(event(fixture("openllmetry-openai-chat-tool-call.json"), type, null, false)),
                    415, "unsupported_media_type");
            assertTrue(b.get("detail").asText().contains("application/x-protobuf"), b.toString());
        }
        APIGatewayProxyRequestEvent none = event(fixture("openllmetry-openai-chat-tool-call.json"), "x", null, false);
        none.getHeaders().remove("Content-Type");
        assertError(traces(none), 415, "unsupported_media_type");
        assertError(traces(event(fixture("openllmetry-openai-chat-tool-call.json"), "application/json", "br", false)),
                415, "unsupported_media_type");
        assertEquals(0, decisions("refund-agent"));
    }

    @Test
    void hugeAttributeArrays_refuseTheWholeExport_andRecordNothing() throws IOException {
        ExportTraceServiceRequest good = OtlpJson.parse(fixture("openllmetry-openai-chat-tool-call.json"),
                ExportTraceServiceRequest.newBuilder());
        ArrayValue.Builder huge = ArrayValue.newBuilder();
        for (int i = 0; i < 50_000; i++) huge.addValues(AnyValue.newBuilder().setStringValue("stop" + i));
        Span bad = good.getResourceSpans(0).getScopeSpans(0).getSpans(0).toBuilder()
                .setSpanId(com.google.protobuf.ByteString.copyFrom(new byte[] {9, 9, 9, 9, 9, 9, 9, 9}))
                .addAttributes(KeyValue.newBuilder().setKey("gen_ai.request.stop_sequences")
                        .setValue(AnyValue.newBuilder().setArrayValue(huge))).build();
        ExportTraceServiceRequest req = good.toBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(good.getResourceSpans(0).getResource())
                .addScopeSpans(good.getResourceSpans(0).getScopeSpans(0).toBuilder().clearSpans().addSpans(bad))).build();
        APIGatewayProxyResponseEvent r = traces(event(req.toByteArray(), "application/x-protobuf", null, true));
        assertEquals(400, r.getStatusCode());
        String message = statusMessage(r);
        assertTrue(message.contains("gen_ai.request.stop_sequences") && message.contains("50000 values"), message);
        assertEquals(0, decisions("refund-agent"), "the valid span of the same export is not recorded either");
    }

    @Test
    void logsEvent_recordsTheOperationDetailsEvent_andSkipsOtherRecords() {
        APIGatewayProxyResponseEvent r = invoke(new OtlpLogsHandler(app), load("otlp-logs.json"));
        assertEquals(200, r.getStatusCode(), r.getBody());
        JsonNode b = body(r);
        assertEquals(1, b.at("/loopgrid/recorded").asInt(), b.toString());
        assertEquals(1, b.at("/loopgrid/skipped").asInt());
        assertEquals("0", b.at("/partialSuccess/rejectedLogRecords").asText());
        JsonNode d = onlyDecision("support-agent");
        assertEquals("anthropic", d.at("/model/provider").asText());
        assertEquals("I have opened a billing review.", d.at("/output/response").asText());
        assertEquals("4a5b6c7d8e9f0a1b", d.at("/metadata/otel/span_id").asText());
    }

    /**
     * 1,000 spans in one OTLP/JSON export: 500 GenAI inferences, 400 other spans, 100 that cannot be recorded (a
     * service name over 100 characters). Each one is accounted for, and exactly the 500 are in the ledger.
     */
    @Test
    void mixedExportOfAThousandSpans_everySpanIsAccountedFor() {
        var root = dev.loopgrid.core.Json.object();
        var rs = root.putArray("resourceSpans").addObject();
        rs.putObject("resource").putArray("attributes").addObject().put("key", "service.name")
                .putObject("value").put("stringValue", "mixed-export");
        var spans = rs.putArray("scopeSpans").addObject().putArray("spans");
        for (int i = 0; i < 1_000; i++) {
            var s = spans.addObject().put("traceId", "5b8efff798038103d269b633813fc60c")
                    .put("spanId", String.format("%016x", 0x1000 + i)).put("name", "span " + i);
            var attrs = s.putArray("attributes");
            java.util.function.BiConsumer<String, String> attr = (k, v) ->
                    attrs.addObject().put("key", k).putObject("value").put("stringValue", v);
            if (i % 10 >= 5 && i % 10 < 9) {
                attr.accept("db.system.name", "dynamodb");
                continue;
            }
            attr.accept("gen_ai.operation.name", "chat");
            attr.accept("gen_ai.provider.name", "openai");
            attr.accept("gen_ai.request.model", "gpt-4o-mini");
            attr.accept("gen_ai.input.messages", "[{\"role\": \"user\", \"parts\": [{\"type\": \"text\", \"content\": \"question " + i + "\"}]}]");
            if (i % 10 == 9) attr.accept("loopgrid.service_name", "x".repeat(150));
        }
        JsonNode b = body(traces(event(dev.loopgrid.core.Json.write(root).getBytes(StandardCharsets.UTF_8),
                "application/json", null, false)));
        JsonNode lg = b.get("loopgrid");
        assertEquals(1_000, lg.get("received").asInt());
        assertEquals(500, lg.get("recorded").asInt(), b.toString());
        assertEquals(400, lg.get("skipped").asInt());
        assertEquals(100, lg.get("rejected").asInt());
        assertEquals(0, lg.get("already_recorded").asInt());
        assertEquals(1_000, lg.get("recorded").asInt() + lg.get("skipped").asInt() + lg.get("rejected").asInt()
                + lg.get("already_recorded").asInt());
        assertEquals(400, lg.at("/skipped_reasons/not a GenAI span").asInt());
        assertEquals("100", b.at("/partialSuccess/rejectedSpans").asText());
        assertEquals(100, lg.get("rejections").size());
        for (JsonNode rej : lg.get("rejections")) {
            assertTrue(rej.get("reason").asText().contains("service_name must be 1..100 characters"), rej.toString());
            assertEquals(9, (Integer.parseInt(rej.get("span_id").asText(), 16) - 0x1000) % 10);
        }
        assertEquals(500, decisions("mixed-export"));
        JsonNode verified = body(invoke(new VerifyIntegrityHandler(app), load("verify-integrity.json")));
        assertTrue(verified.at("/integrity/valid").asBoolean(), verified.toString());
    }
}

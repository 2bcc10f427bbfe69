package dev.loopgrid.core.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.LedgerException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The GenAI mapping on OTLP/JSON fixtures (events/otlp) as OpenLLMetry, OpenInference and the GenAI conventions emit them. */
class GenAiMapperTest {
    static final Path FIXTURES = Path.of("../../events/otlp");
    private static final OtlpIngest SHAPE = new OtlpIngest(null, Runnable::run, OtlpIngest.Limits.defaults());

    static ExportTraceServiceRequest fixture(String name) throws IOException {
        return OtlpJson.parse(Files.readAllBytes(FIXTURES.resolve(name)), ExportTraceServiceRequest.newBuilder());
    }

    static List<GenAiMapper.Mapped> map(ExportTraceServiceRequest r) {
        return SHAPE.spans(r).stream().map(GenAiMapper::map).toList();
    }

    static ObjectNode decision(String fixture) throws IOException {
        GenAiMapper.Mapped m = map(fixture(fixture)).get(0);
        return assertInstanceOf(GenAiMapper.Decision.class, m).body();
    }

    @Test
    void openLlmetryOpenAiChat_withToolCall_becomesTheWrappersShape() throws IOException {
        List<GenAiMapper.Mapped> mapped = map(fixture("openllmetry-openai-chat-tool-call.json"));
        assertEquals(2, mapped.size());
        GenAiMapper.Decision d = assertInstanceOf(GenAiMapper.Decision.class, mapped.get(0));
        assertEquals("otel-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", d.idempotencyKey());
        assertEquals("not a GenAI span", assertInstanceOf(GenAiMapper.Skipped.class, mapped.get(1)).reason());

        JsonNode b = d.body();
        assertEquals("refund-agent", b.get("service_name").asText());
        assertEquals("chat", b.get("decision_type").asText());
        assertJson(Json.parse("""
                {"provider": "openai", "name": "gpt-4o-2024-08-06", "temperature": 0.2, "max_tokens": 512}"""),
                b.get("model"));
        assertJson(Json.parse("""
                [{"role": "system", "content": "You are a refunds assistant for ACME. Be concise."},
                 {"role": "user", "content": "Where is my refund for order A-1042?"}]"""), b.at("/prompt/messages"));
        assertEquals("lookup_order", b.at("/prompt/tools/0/function/name").asText());
        assertEquals("object", b.at("/prompt/tools/0/function/parameters/type").asText());
        assertEquals("Where is my refund for order A-1042?", b.at("/input/message").asText());
        assertJson(Json.parse("""
                {"response": "", "tool_calls": [{"name": "lookup_order", "arguments": {"order_id": "A-1042"}}]}"""),
                b.get("output"));
        assertJson(Json.parse("""
                [{"id": "call_Qx7", "name": "lookup_order", "arguments": {"order_id": "A-1042"}}]"""), b.get("tool_calls"));
        JsonNode m = b.get("metadata");
        assertJson(Json.parse("{\"input\": 86, \"output\": 18, \"total\": 104}"), m.get("tokens"));
        assertEquals("tool_calls", m.get("finish_reason").asText());
        assertEquals("chatcmpl-AbC123", m.get("response_id").asText());
        assertEquals("fp_7b5f5e", m.get("system_fingerprint").asText());
        assertEquals(1240, m.get("latency_ms").asLong());
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", m.at("/otel/trace_id").asText());
        assertEquals("00f067aa0ba902b7", m.at("/otel/span_id").asText());
        assertEquals("openllmetry", m.at("/otel/convention").asText());
        assertEquals("2025-12-04T12:00:00Z", m.at("/otel/start_time").asText());
    }

    @Test
    void openInferenceOpenAiChat_recordsTheSameCallAsOpenLlmetry() throws IOException {
        JsonNode oi = decision("openinference-openai-chat-tool-call.json");
        JsonNode ol = decision("openllmetry-openai-chat-tool-call.json");
        for (String part : List.of("model", "input", "output", "tool_calls")) {
            assertJson(ol.get(part), oi.get(part));
        }
        assertJson(ol.at("/prompt/messages"), oi.at("/prompt/messages"));
        assertJson(ol.at("/prompt/tools"), oi.at("/prompt/tools"));
        assertJson(ol.at("/metadata/tokens"), oi.at("/metadata/tokens"));
        assertEquals("openinference", oi.at("/metadata/otel/convention").asText());
    }

    @Test
    void anthropicMessage_fromOpenLlmetryAndOpenInference() throws IOException {
        JsonNode ol = decision("openllmetry-anthropic-message.json");
        JsonNode oi = decision("openinference-anthropic-message.json");
        for (JsonNode b : List.of(ol, oi)) {
            assertEquals("support-agent", b.get("service_name").asText());
            assertEquals("chat", b.get("decision_type").asText());
            assertEquals("anthropic", b.at("/model/provider").asText(), "provider names are lower-cased");
            assertEquals("claude-sonnet-4-5-20250929", b.at("/model/name").asText());
            assertEquals(1024, b.at("/model/max_tokens").asInt());
            assertEquals("system", b.at("/prompt/messages/0/role").asText());
            assertEquals("I was charged twice for my subscription.", b.at("/input/message").asText());
            assertTrue(b.at("/output/response").asText().startsWith("I can see two charges"));
            assertFalse(b.has("tool_calls"));
            assertEquals(73, b.at("/metadata/tokens/total").asInt());
        }
        assertJson(ol.at("/prompt/messages"), oi.at("/prompt/messages"));
        assertJson(ol.get("output"), oi.get("output"));
        assertEquals("end_turn", ol.at("/metadata/finish_reason").asText());
        assertEquals("Anthropic", ol.at("/metadata/otel/provider_name").asText(), "the sender's spelling is kept");
        assertEquals("2.3.1", ol.at("/metadata/otel/service_version").asText());
    }

    @Test
    void latestConventions_partsToolCallsAndToolResponses() throws IOException {
        JsonNode b = decision("genai-semconv-chat-tool-call.json");
        assertJson(Json.parse("""
                [{"role": "system", "content": "You are a refunds assistant for ACME. Be concise."},
                 {"role": "user", "content": "Where is my refund for order A-1042?"},
                 {"role": "assistant", "content": "", "tool_calls": [{"id": "call_Qx7", "type": "function",
                   "function": {"name": "lookup_order", "arguments": "{\\"order_id\\":\\"A-1042\\"}"}}]},
                 {"role": "tool", "tool_call_id": "call_Qx7", "content": "{\\"status\\":\\"refund_pending\\",\\"total\\":49.9}"}]"""),
                b.at("/prompt/messages"));
        assertEquals("Your refund of 49.90 is pending; I have asked to speed it up.", b.at("/output/response").asText());
        assertEquals("expedite_refund", b.at("/output/tool_calls/0/name").asText());
        assertEquals("call_R2d", b.at("/tool_calls/0/id").asText());
        assertEquals("expedite_refund", b.at("/prompt/tools/0/name").asText());
        assertJson(Json.parse("[\"\\nUser:\"]"), b.at("/model/stop_sequences"));
        assertEquals("tool_call", b.at("/metadata/finish_reason").asText());
        assertEquals(175, b.at("/metadata/tokens/total").asInt());
        assertEquals("conv_5j66UpCpwteGg4YSxUnt7lPY", b.at("/metadata/conversation_id").asText());
        assertEquals("7a085853722dc6d2", b.at("/metadata/otel/parent_span_id").asText());
        assertEquals("gen_ai", b.at("/metadata/otel/convention").asText());
    }

    @Test
    void olderConventions_messagesAsSpanEvents() throws IOException {
        JsonNode b = decision("genai-events-legacy.json");
        assertJson(Json.parse("""
                [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Is my card blocked?"}]"""),
                b.at("/prompt/messages"));
        assertEquals("No, it is active.", b.at("/output/response").asText());
        assertEquals("stop", b.at("/metadata/finish_reason").asText());
        assertEquals("openai", b.at("/model/provider").asText(), "gen_ai.system before v1.37");
    }

    @Test
    void withoutContent_theDecisionHoldsModelUsageAndIds() {
        Span s = span("chat", List.of(kv("gen_ai.provider.name", "aws.bedrock"), kv("gen_ai.request.model", "anthropic.claude-3"),
                KeyValue.newBuilder().setKey("gen_ai.usage.input_tokens").setValue(AnyValue.newBuilder().setIntValue(12)).build()));
        JsonNode b = assertInstanceOf(GenAiMapper.Decision.class, GenAiMapper.map(one(s))).body();
        assertEquals("bedrock", b.at("/model/provider").asText());
        assertJson(Json.object(), b.get("input"));
        assertJson(Json.object(), b.get("output"));
        assertFalse(b.has("prompt"));
        assertFalse(b.at("/metadata/content_captured").asBoolean(true));
        assertEquals(12, b.at("/metadata/tokens/input").asInt());
        assertEquals("unknown_service", b.get("service_name").asText());
    }

    @Test
    void loopgridAttributes_nameServiceAndDecisionType() {
        Span s = span("chat", List.of(kv("gen_ai.provider.name", "openai"), kv("gen_ai.request.model", "gpt-4o"),
                kv("loopgrid.service_name", "credit-limits"), kv("loopgrid.decision_type", "credit_limit_increase")));
        JsonNode b = assertInstanceOf(GenAiMapper.Decision.class, GenAiMapper.map(one(s))).body();
        assertEquals("credit-limits", b.get("service_name").asText());
        assertEquals("credit_limit_increase", b.get("decision_type").asText());
    }

    @Test
    void nonInferenceOperations_andOtherSpans_areSkipped() {
        for (String op : List.of("embeddings", "execute_tool", "invoke_agent", "create_agent")) {
            Span s = span(op, List.of(kv("gen_ai.provider.name", "openai")));
            GenAiMapper.Skipped sk = assertInstanceOf(GenAiMapper.Skipped.class, GenAiMapper.map(one(s)));
            assertTrue(sk.reason().contains(op), sk.reason());
        }
        Span http = Span.newBuilder().setTraceId(id(16)).setSpanId(id(8)).setName("GET /")
                .addAttributes(kv("http.request.method", "GET")).build();
        assertInstanceOf(GenAiMapper.Skipped.class, GenAiMapper.map(one(http)));
        Span oiChain = span(null, List.of(kv("openinference.span.kind", "CHAIN")));
        assertInstanceOf(GenAiMapper.Skipped.class, GenAiMapper.map(one(oiChain)));
    }

    @Test
    void aGenAiSpanWithoutIds_isRefused() {
        Span s = Span.newBuilder().addAttributes(kv("gen_ai.operation.name", "chat")).build();
        assertThrows(IllegalArgumentException.class, () -> GenAiMapper.map(one(s)));
    }

    /** The same export as protobuf and as JSON gives byte-identical decision content. */
    @Test
    void protobufAndJsonOfTheSameExport_giveTheSameDecisions() throws Exception {
        for (String f : List.of("openllmetry-openai-chat-tool-call.json", "openinference-anthropic-message.json",
                "genai-semconv-chat-tool-call.json", "genai-events-legacy.json")) {
            ExportTraceServiceRequest fromJson = fixture(f);
            ExportTraceServiceRequest fromProto = ExportTraceServiceRequest.parseFrom(fromJson.toByteArray());
            GenAiMapper.Decision a = (GenAiMapper.Decision) map(fromJson).get(0);
            GenAiMapper.Decision b = (GenAiMapper.Decision) map(fromProto).get(0);
            assertEquals(Canonical.canonicalize(a.body()), Canonical.canonicalize(b.body()), f);
            assertEquals(a.idempotencyKey(), b.idempotencyKey());
        }
    }

    @Test
    void limits_hugeArraysAndTooManyAttributes_areRefusedBeforeMapping() {
        ArrayValue.Builder big = ArrayValue.newBuilder();
        for (int i = 0; i < 1_001; i++) big.addValues(AnyValue.newBuilder().setIntValue(i));
        Span s = span("chat", List.of(KeyValue.newBuilder().setKey("gen_ai.request.stop_sequences")
                .setValue(AnyValue.newBuilder().setArrayValue(big)).build()));
        LedgerException.Malformed e = assertThrows(LedgerException.Malformed.class, () -> SHAPE.spans(request(s)));
        assertTrue(e.detail().contains("gen_ai.request.stop_sequences") && e.detail().contains("1001 values"), e.detail());

        Span.Builder many = Span.newBuilder().setTraceId(id(16)).setSpanId(id(8));
        for (int i = 0; i < 1_001; i++) many.addAttributes(kv("a" + i, "v"));
        assertThrows(LedgerException.Malformed.class, () -> SHAPE.spans(request(many.build())));
    }

    // ------------------------------------------------------------------ helpers

    /** Equal as hashed: RFC 8785 canonical form (0.2 parsed from text and 0.2 from a protobuf double are one number). */
    static void assertJson(JsonNode expected, JsonNode actual) {
        assertEquals(Canonical.canonicalize(expected), Canonical.canonicalize(actual));
    }

    static KeyValue kv(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }

    static com.google.protobuf.ByteString id(int bytes) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) b[i] = (byte) (i + 1);
        return com.google.protobuf.ByteString.copyFrom(b);
    }

    static Span span(String operation, List<KeyValue> attributes) {
        Span.Builder b = Span.newBuilder().setTraceId(id(16)).setSpanId(id(8)).setName("span");
        if (operation != null) b.addAttributes(kv("gen_ai.operation.name", operation));
        b.addAllAttributes(attributes);
        return b.build();
    }

    static ExportTraceServiceRequest request(Span s) {
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .addScopeSpans(ScopeSpans.newBuilder().addSpans(s))).build();
    }

    static OtlpData.Span one(Span s) {
        return SHAPE.spans(request(s)).get(0);
    }
}

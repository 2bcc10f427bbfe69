package dev.loopgrid.core.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.core.ledger.LedgerException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** OTLP/JSON's deviations from protobuf's JSON mapping, read through the official descriptors. */
class OtlpJsonTest {

    private static ExportTraceServiceRequest parse(String json) {
        return OtlpJson.parse(json.getBytes(StandardCharsets.UTF_8), ExportTraceServiceRequest.newBuilder());
    }

    private static Span onlySpan(String spanJson) {
        return parse("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" + spanJson + "]}]}]}")
                .getResourceSpans(0).getScopeSpans(0).getSpans(0);
    }

    @Test
    void idsAreHex_enumsIntegers_int64DecimalStrings_unknownFieldsIgnored() {
        Span s = onlySpan("""
                {"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "eee19b7ec3c1b174", "kind": 3,
                 "startTimeUnixNano": "1764849800000000000", "endTimeUnixNano": 1764849801100000000,
                 "status": {"code": 2, "message": "boom"}, "someFutureField": {"x": 1},
                 "attributes": [{"key": "n", "value": {"intValue": "-7"}}, {"key": "b", "value": {"bytesValue": "AQI="}}]}""");
        assertEquals("5b8efff798038103d269b633813fc60c", OtlpData.hex(s.getTraceId()));
        assertEquals("eee19b7ec3c1b174", OtlpData.hex(s.getSpanId()));
        assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, s.getKind());
        assertEquals(1764849800000000000L, s.getStartTimeUnixNano());
        assertEquals(1764849801100000000L, s.getEndTimeUnixNano());
        assertEquals(2, s.getStatus().getCodeValue());
        assertEquals(-7, s.getAttributes(0).getValue().getIntValue());
        assertEquals(2, s.getAttributes(1).getValue().getBytesValue().size(), "other bytes fields stay base64");
    }

    @Test
    void protoFieldNamesAndEnumNames_areAcceptedToo() {
        Span s = onlySpan("{\"trace_id\": \"00000000000000000000000000000001\", \"kind\": \"SPAN_KIND_SERVER\"}");
        assertEquals(Span.SpanKind.SPAN_KIND_SERVER, s.getKind());
        assertEquals(16, s.getTraceId().size());
    }

    @Test
    void base64Ids_wrongTypes_andBrokenJson_areMalformed_namingThePath() {
        LedgerException.Malformed e = assertThrows(LedgerException.Malformed.class,
                () -> onlySpan("{\"traceId\": \"W47/NXezTaajzpKdDg5HNg==\"}"));
        assertTrue(e.detail().contains("$.resourceSpans[0].scopeSpans[0].spans[0].traceId"), e.detail());
        assertTrue(e.detail().contains("hex"), e.detail());
        assertThrows(LedgerException.Malformed.class, () -> onlySpan("{\"name\": 5}"));
        assertThrows(LedgerException.Malformed.class, () -> onlySpan("{\"startTimeUnixNano\": \"soon\"}"));
        assertThrows(LedgerException.Malformed.class, () -> onlySpan("{\"startTimeUnixNano\": \"-1\"}"));
        assertThrows(LedgerException.Malformed.class, () -> onlySpan("{\"attributes\": {\"key\": \"a\"}}"));
        assertThrows(LedgerException.Malformed.class, () -> parse("{\"resourceSpans\": [}"));
        assertThrows(LedgerException.Malformed.class, () -> parse("[]"));
        assertThrows(LedgerException.Malformed.class, () -> parse(""));
    }
}

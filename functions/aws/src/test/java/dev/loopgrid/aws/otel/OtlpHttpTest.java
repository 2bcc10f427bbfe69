package dev.loopgrid.aws.otel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.CodedInputStream;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.otel.OtlpIngest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** OTLP/HTTP request decoding and answers, without a ledger. */
class OtlpHttpTest {

    static APIGatewayProxyRequestEvent event(byte[] body, String type, String encoding, boolean base64) {
        Map<String, String> h = new HashMap<>();
        if (type != null) h.put("content-type", type);
        if (encoding != null) h.put("Content-Encoding", encoding);
        return new APIGatewayProxyRequestEvent().withHeaders(h).withIsBase64Encoded(base64)
                .withBody(base64 ? Base64.getEncoder().encodeToString(body) : new String(body, StandardCharsets.UTF_8));
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    @Test
    void contentTypes_areMatchedOnTheMediaTypeOnly() {
        assertTrue(OtlpHttp.isProtobuf(event(new byte[0], "Application/X-Protobuf; proto=opentelemetry", null, true)));
        assertFalse(OtlpHttp.isProtobuf(event(new byte[0], "application/json; charset=utf-8", null, false)));
        assertThrows(LedgerException.UnsupportedMediaType.class,
                () -> OtlpHttp.isProtobuf(event(new byte[0], "application/x-ndjson", null, false)));
        assertThrows(LedgerException.UnsupportedMediaType.class, () -> OtlpHttp.isProtobuf(event(new byte[0], null, null, false)));
    }

    @Test
    void gzipIsDecompressed_andABodyApiGatewayAlreadyDecompressedPassesAsIs() throws IOException {
        byte[] plain = "{\"resourceSpans\": []}".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(plain, OtlpHttp.body(event(gzip(plain), "application/json", "gzip", true)));
        assertArrayEquals(plain, OtlpHttp.body(event(plain, "application/json", "gzip", false)));
        assertArrayEquals(plain, OtlpHttp.body(event(plain, "application/json", "identity", false)));
        assertThrows(LedgerException.UnsupportedMediaType.class,
                () -> OtlpHttp.body(event(plain, "application/json", "deflate", false)));
    }

    @Test
    void aGzipBombStopsAtTheLimit_with413() throws IOException {
        byte[] bomb = gzip(new byte[OtlpHttp.MAX_BODY_BYTES + 1]); // about 6 KB compressed
        assertTrue(bomb.length < 100_000);
        LedgerException.TooLarge e = assertThrows(LedgerException.TooLarge.class,
                () -> OtlpHttp.body(event(bomb, "application/x-protobuf", "gzip", true)));
        assertTrue(e.detail().contains("after decompression"), e.detail());
    }

    @Test
    void spansThatCannotBeRecordedNow_are503WithRetryAfter_inTheRequestsEncoding() throws IOException {
        OtlpIngest.Result r = new OtlpIngest.Result(List.of(
                new OtlpIngest.Outcome("t", "s1", OtlpIngest.Kind.RECORDED, null, "dec_1"),
                new OtlpIngest.Outcome("t", "s2", OtlpIngest.Kind.RETRY, "the chain head kept moving", null)));
        APIGatewayProxyResponseEvent proto = OtlpHttp.respond(r, OtlpHttp.Signal.TRACES, true);
        assertEquals(503, proto.getStatusCode());
        assertEquals("1", proto.getHeaders().get("Retry-After"));
        assertEquals("application/x-protobuf", proto.getHeaders().get("Content-Type"));
        CodedInputStream in = CodedInputStream.newInstance(Base64.getDecoder().decode(proto.getBody()));
        int code = -1;
        String message = null;
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (tag >>> 3 == 1) code = in.readInt32();
            else if (tag >>> 3 == 2) message = in.readString();
            else in.skipField(tag);
        }
        assertEquals(14, code, "google.rpc.Code UNAVAILABLE");
        assertTrue(message.startsWith("1 of the spans could not be recorded now"), message);

        APIGatewayProxyResponseEvent json = OtlpHttp.respond(r, OtlpHttp.Signal.LOGS, false);
        assertEquals(503, json.getStatusCode());
        assertEquals("1", json.getHeaders().get("Retry-After"));
        JsonNode b = Json.parseStored(json.getBody());
        assertEquals("otlp_retry", b.get("code").asText());
        assertEquals(b.get("detail"), b.get("message"));
    }

    @Test
    void rejectedSpans_areAPartialSuccessNamingEachSpanAndWhy() {
        OtlpIngest.Result r = new OtlpIngest.Result(List.of(
                new OtlpIngest.Outcome("aa", "01", OtlpIngest.Kind.RECORDED, null, "dec_1"),
                new OtlpIngest.Outcome("aa", "02", OtlpIngest.Kind.REJECTED, "service_name must be 1..100 characters", null),
                new OtlpIngest.Outcome("aa", "03", OtlpIngest.Kind.SKIPPED, "not a GenAI span", null)));
        JsonNode b = Json.parseStored(OtlpHttp.respond(r, OtlpHttp.Signal.TRACES, false).getBody());
        assertEquals("1", b.at("/partialSuccess/rejectedSpans").asText());
        assertTrue(b.at("/partialSuccess/errorMessage").asText()
                .contains("span 02 of trace aa: service_name must be 1..100 characters"), b.toString());
        assertEquals(3, b.at("/loopgrid/received").asInt());
        assertEquals("02", b.at("/loopgrid/rejections/0/span_id").asText());
    }

    @Test
    void statusIsGoogleRpcStatusOnTheWire() throws IOException {
        byte[] s = OtlpHttp.status(3, "bad");
        CodedInputStream in = CodedInputStream.newInstance(s);
        assertEquals((1 << 3), in.readTag());
        assertEquals(3, in.readInt32());
        assertEquals((2 << 3) | 2, in.readTag());
        assertEquals("bad", in.readString());
    }
}

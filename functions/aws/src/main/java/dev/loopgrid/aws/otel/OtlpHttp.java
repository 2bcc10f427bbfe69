package dev.loopgrid.aws.otel;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.aws.telemetry.Telemetry;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.otel.OtlpIngest;
import dev.loopgrid.core.otel.OtlpJson;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * OTLP/HTTP (opentelemetry-proto {@code docs/specification.md}, "OTLP/HTTP") for the two ingestion handlers: reads
 * the request (binary protobuf or OTLP/JSON, optionally gzip), runs {@link OtlpIngest} and answers as the
 * specification says, in the request's encoding:
 * <ul>
 *   <li>200 with an {@code Export…ServiceResponse}: empty when every span was recorded (or found recorded before);
 *       with {@code partial_success} when spans were rejected ({@code rejected_spans} and the reasons in
 *       {@code error_message}) or skipped as not GenAI ({@code rejected_spans} 0 and a non-empty
 *       {@code error_message}, the specification's "warning"). JSON answers add a {@code loopgrid} member with the
 *       counts and each rejection (receivers ignore unknown fields).</li>
 *   <li>4xx for a request that cannot be read (400 malformed, 413 too large, 415 unsupported type or encoding):
 *       nothing is recorded. The body is a {@code google.rpc.Status} (protobuf) for protobuf requests, and LoopGrid's
 *       JSON error ({@code detail}, {@code code}) with the Status's {@code message} for all others.</li>
 *   <li>503 with {@code Retry-After} when some spans could not be recorded now (ledger contention, store or executor
 *       busy); the exporter retries the whole request, and what was recorded is then found recorded.</li>
 * </ul>
 * Binary bodies arrive base64-encoded ({@code isBase64Encoded}) from API Gateway when the RestApi lists
 * {@code application/x-protobuf} among its binary media types, and from the local front.
 */
public final class OtlpHttp {
    /** Largest body after decompression (= the Lambda payload limit, also what the local front reads). */
    public static final int MAX_BODY_BYTES = 6 * 1024 * 1024;
    public static final String PROTOBUF = "application/x-protobuf";
    public static final String JSON = "application/json";
    private static final int MAX_REJECTIONS_LISTED = 100;

    public enum Signal {
        TRACES("spans", "rejectedSpans"), LOGS("log records", "rejectedLogRecords");
        final String items;
        final String rejectedField;

        Signal(String items, String rejectedField) {
            this.items = items;
            this.rejectedField = rejectedField;
        }
    }

    /**
     * Default recording threads per process: enough concurrent appends to fill the ledger's group-commit batches
     * (32 entries per transaction) on a chain while another batch commits.
     */
    public static final int DEFAULT_CONCURRENCY = 64;

    private static volatile ThreadPoolExecutor executor;

    private OtlpHttp() {}

    /**
     * The ingestion use case over the app's decisions, recording on one bounded executor per process
     * ({@link #DEFAULT_CONCURRENCY} threads, {@code LOOPGRID_OTLP_CONCURRENCY}; a full queue answers 503). Concurrent appends to one chain are group-committed by the ledger.
     */
    public static OtlpIngest ingest(App app) {
        return new OtlpIngest(app.decisions, executor(), OtlpIngest.Limits.defaults());
    }

    private static ThreadPoolExecutor executor() {
        ThreadPoolExecutor e = executor;
        if (e == null) {
            synchronized (OtlpHttp.class) {
                e = executor;
                if (e == null) {
                    AtomicInteger n = new AtomicInteger();
                    int threads = concurrency(System.getenv("LOOPGRID_OTLP_CONCURRENCY"));
                    e = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(20_000), r -> {
                        Thread t = new Thread(r, "loopgrid-otlp-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    }, new ThreadPoolExecutor.AbortPolicy());
                    e.allowCoreThreadTimeOut(true);
                    executor = e;
                }
            }
        }
        return e;
    }

    /** Recording threads per process: {@code LOOPGRID_OTLP_CONCURRENCY} (1..256), default {@value #DEFAULT_CONCURRENCY}. */
    static int concurrency(String configured) {
        if (configured == null || configured.isBlank()) return DEFAULT_CONCURRENCY;
        int n = Integer.parseInt(configured.trim());
        if (n < 1 || n > 256) throw new IllegalStateException("LOOPGRID_OTLP_CONCURRENCY must be 1..256, got " + n);
        return n;
    }

    /** Serves one export request of {@code signal} for {@code tenant}. */
    public static APIGatewayProxyResponseEvent serve(APIGatewayProxyRequestEvent event, String tenant, Signal signal,
                                                     OtlpIngest ingest) {
        boolean protobuf = false;
        try {
            protobuf = isProtobuf(event);
            byte[] body = body(event);
            OtlpIngest.Result result = signal == Signal.TRACES
                    ? ingest.traces(tenant, protobuf ? parseTraces(body) : OtlpJson.parse(body, ExportTraceServiceRequest.newBuilder()))
                    : ingest.logs(tenant, protobuf ? parseLogs(body) : OtlpJson.parse(body, ExportLogsServiceRequest.newBuilder()));
            long recorded = result.count(OtlpIngest.Kind.RECORDED);
            if (recorded > 0) Telemetry.count(Telemetry.DECISIONS_RECORDED, recorded);
            return respond(result, signal, protobuf);
        } catch (LedgerException e) {
            return error(e, protobuf);
        }
    }

    // ------------------------------------------------------------------ request

    /** True for {@code application/x-protobuf}, false for {@code application/json}; anything else is 415. */
    static boolean isProtobuf(APIGatewayProxyRequestEvent event) {
        String ct = dev.loopgrid.aws.auth.AuthorizerContext.header(event.getHeaders(), "Content-Type");
        String media = ct == null ? "" : ct.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (media.equals(PROTOBUF)) return true;
        if (media.equals(JSON)) return false;
        throw new LedgerException.UnsupportedMediaType("OTLP/HTTP takes Content-Type " + PROTOBUF + " or " + JSON
                + (ct == null ? ", and the request has none" : ", got \"" + clip(ct) + "\""));
    }

    /** The body's bytes: base64-decoded when API Gateway encoded it, gunzipped when gzip, at most {@link #MAX_BODY_BYTES}. */
    static byte[] body(APIGatewayProxyRequestEvent event) {
        String raw = event.getBody();
        byte[] bytes;
        if (raw == null) {
            bytes = new byte[0];
        } else if (Boolean.TRUE.equals(event.getIsBase64Encoded())) {
            try {
                bytes = Base64.getDecoder().decode(raw);
            } catch (IllegalArgumentException e) {
                throw new LedgerException.Malformed("malformed_otlp", "Request body is not valid base64");
            }
        } else {
            bytes = raw.getBytes(StandardCharsets.UTF_8);
        }
        String encoding = dev.loopgrid.aws.auth.AuthorizerContext.header(event.getHeaders(), "Content-Encoding");
        String coding = encoding == null ? "" : encoding.trim().toLowerCase(Locale.ROOT);
        if (coding.isEmpty() || coding.equals("identity")) return limit(bytes);
        if (!coding.equals("gzip") && !coding.equals("x-gzip")) {
            throw new LedgerException.UnsupportedMediaType("Content-Encoding \"" + clip(encoding)
                    + "\" is not supported; send gzip or no Content-Encoding");
        }
        // API Gateway decompresses gzip request bodies itself and may keep the header: only gunzip gzip bytes
        if (bytes.length < 2 || (bytes[0] & 0xff) != 0x1f || (bytes[1] & 0xff) != 0x8b) return limit(bytes);
        return gunzip(bytes);
    }

    private static byte[] limit(byte[] bytes) {
        if (bytes.length > MAX_BODY_BYTES) throw tooLarge();
        return bytes;
    }

    private static byte[] gunzip(byte[] gz) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz), 16 * 1024)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(MAX_BODY_BYTES, gz.length * 4));
            byte[] buf = new byte[16 * 1024];
            int n;
            while ((n = in.read(buf)) != -1) {
                if (out.size() + n > MAX_BODY_BYTES) throw tooLarge();
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (ZipException | java.io.EOFException e) {
            throw new LedgerException.Malformed("malformed_otlp", "Request body is not valid gzip (Content-Encoding: gzip): "
                    + clip(String.valueOf(e.getMessage())));
        } catch (IOException e) {
            throw new LedgerException.Malformed("malformed_otlp", "Request body could not be decompressed: "
                    + clip(String.valueOf(e.getMessage())));
        }
    }

    private static LedgerException.TooLarge tooLarge() {
        return new LedgerException.TooLarge("OTLP request body is larger than " + MAX_BODY_BYTES
                + " bytes (6 MiB) after decompression; export smaller batches");
    }

    static ExportTraceServiceRequest parseTraces(byte[] body) {
        try {
            return ExportTraceServiceRequest.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw malformedProtobuf(e);
        }
    }

    static ExportLogsServiceRequest parseLogs(byte[] body) {
        try {
            return ExportLogsServiceRequest.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw malformedProtobuf(e);
        }
    }

    private static LedgerException.Malformed malformedProtobuf(InvalidProtocolBufferException e) {
        return new LedgerException.Malformed("malformed_otlp", "Malformed OTLP protobuf: " + clip(String.valueOf(e.getMessage()))
                + " (is the body an Export…ServiceRequest for this path, sent as " + PROTOBUF + "?)");
    }

    // ------------------------------------------------------------------ response

    static APIGatewayProxyResponseEvent respond(OtlpIngest.Result r, Signal signal, boolean protobuf) {
        long recorded = r.count(OtlpIngest.Kind.RECORDED);
        long duplicates = r.count(OtlpIngest.Kind.DUPLICATE);
        long skipped = r.count(OtlpIngest.Kind.SKIPPED);
        long rejected = r.count(OtlpIngest.Kind.REJECTED);
        long retry = r.count(OtlpIngest.Kind.RETRY);
        String summary = summary(r, signal, recorded, duplicates, skipped, rejected, retry);
        if (retry > 0) {
            LedgerException.Unavailable busy = new LedgerException.Unavailable("otlp_retry",
                    retry + " of the " + signal.items + " could not be recorded now; retry the export (what was recorded"
                            + " is recognised by trace and span id and not recorded twice). " + summary,
                    r.retryAfterSeconds());
            return error(busy, protobuf);
        }
        boolean partial = rejected > 0 || skipped > 0;
        if (protobuf) {
            byte[] bytes;
            if (signal == Signal.TRACES) {
                ExportTraceServiceResponse.Builder b = ExportTraceServiceResponse.newBuilder();
                if (partial) b.setPartialSuccess(ExportTracePartialSuccess.newBuilder().setRejectedSpans(rejected).setErrorMessage(summary));
                bytes = b.build().toByteArray();
            } else {
                ExportLogsServiceResponse.Builder b = ExportLogsServiceResponse.newBuilder();
                if (partial) b.setPartialSuccess(ExportLogsPartialSuccess.newBuilder().setRejectedLogRecords(rejected).setErrorMessage(summary));
                bytes = b.build().toByteArray();
            }
            return binary(200, bytes);
        }
        ObjectNode body = Json.object();
        if (partial) {
            ObjectNode ps = body.putObject("partialSuccess");
            ps.put(signal.rejectedField, Long.toString(rejected)); // int64: a decimal string in protobuf's JSON mapping
            ps.put("errorMessage", summary);
        }
        ObjectNode lg = body.putObject("loopgrid");
        lg.put("received", r.outcomes().size());
        lg.put("recorded", recorded);
        lg.put("already_recorded", duplicates);
        lg.put("skipped", skipped);
        lg.put("rejected", rejected);
        Map<String, Integer> reasons = new LinkedHashMap<>();
        ArrayNode rejections = lg.putArray("rejections");
        for (OtlpIngest.Outcome o : r.outcomes()) {
            if (o.kind() == OtlpIngest.Kind.SKIPPED) reasons.merge(o.reason(), 1, Integer::sum);
            if (o.kind() == OtlpIngest.Kind.REJECTED && rejections.size() < MAX_REJECTIONS_LISTED) {
                rejections.addObject().put("trace_id", o.traceId()).put("span_id", o.spanId()).put("reason", o.reason());
            }
        }
        ObjectNode sk = lg.putObject("skipped_reasons");
        reasons.forEach(sk::put);
        return ApiResponses.json(200, body);
    }

    private static String summary(OtlpIngest.Result r, Signal signal, long recorded, long duplicates, long skipped,
                                  long rejected, long retry) {
        StringBuilder sb = new StringBuilder();
        sb.append("LoopGrid: ").append(r.outcomes().size()).append(' ').append(signal.items).append(": recorded ")
                .append(recorded).append(", already recorded ").append(duplicates).append(", skipped ").append(skipped)
                .append(" (not GenAI inferences), rejected ").append(rejected);
        if (retry > 0) sb.append(", to retry ").append(retry);
        int listed = 0;
        for (OtlpIngest.Outcome o : r.outcomes()) {
            if (o.kind() != OtlpIngest.Kind.REJECTED) continue;
            if (sb.length() > 1500) {
                sb.append("; …");
                break;
            }
            sb.append(listed++ == 0 ? ": " : "; ").append("span ").append(o.spanId()).append(" of trace ")
                    .append(o.traceId()).append(": ").append(o.reason());
        }
        return sb.toString();
    }

    /**
     * An error answer: protobuf requests get a {@code google.rpc.Status} (code, message), as OTLP/HTTP specifies;
     * everything else LoopGrid's JSON error with the Status's {@code message} beside {@code detail}.
     */
    static APIGatewayProxyResponseEvent error(LedgerException e, boolean protobuf) {
        APIGatewayProxyResponseEvent json = ApiResponses.error(e);
        if (!protobuf) {
            ObjectNode body = (ObjectNode) Json.parseStored(json.getBody());
            body.put("message", e.detail());
            json.setBody(Json.write(body));
            return json;
        }
        APIGatewayProxyResponseEvent r = binary(json.getStatusCode(), status(grpcCode(json.getStatusCode()), e.detail()));
        for (Map.Entry<String, String> h : json.getHeaders().entrySet()) {
            if (!h.getKey().equalsIgnoreCase("Content-Type")) r.getHeaders().put(h.getKey(), h.getValue());
        }
        return r;
    }

    /** google.rpc.Status {int32 code = 1; string message = 2;} in protobuf's wire format. */
    static byte[] status(int code, String message) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            CodedOutputStream c = CodedOutputStream.newInstance(out);
            if (code != 0) c.writeInt32(1, code);
            c.writeString(2, message);
            c.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int grpcCode(int http) {
        return switch (http) {
            case 400, 415 -> 3;   // INVALID_ARGUMENT
            case 401 -> 16;       // UNAUTHENTICATED
            case 403 -> 7;        // PERMISSION_DENIED
            case 413 -> 8;        // RESOURCE_EXHAUSTED
            case 429 -> 8;
            case 503 -> 14;       // UNAVAILABLE
            default -> 2;         // UNKNOWN
        };
    }

    private static APIGatewayProxyResponseEvent binary(int status, byte[] bytes) {
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", PROTOBUF);
        return new APIGatewayProxyResponseEvent().withStatusCode(status).withHeaders(headers)
                .withBody(Base64.getEncoder().encodeToString(bytes)).withIsBase64Encoded(true);
    }

    private static String clip(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}

package dev.loopgrid.core.otel;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.StoreException;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The OTLP ingestion use case: every span of an export request is accounted for — recorded as a decision, found
 * already recorded (an exporter's retry, at any later time: the decision's id derives from the tenant and the span's
 * trace and span id, {@link DecisionService.Keys#IDENTIFYING}, so no claim item is written), skipped as not a
 * model inference, or rejected with a reason. The request's decisions go through the batch append path
 * ({@link DecisionService#recordBatch}, as {@code POST /v1/decisions/batch}), up to 100 per batch, the batches of one
 * request concurrently on {@code executor}.
 *
 * <p>Structural limits ({@link Limits}) are checked before anything is recorded: a request beyond them is refused
 * whole ({@link LedgerException.Malformed} or {@link LedgerException.TooLarge}) and records nothing.
 */
public final class OtlpIngest {
    private static final System.Logger LOG = System.getLogger(OtlpIngest.class.getName());

    /**
     * @param maxItems        spans (or log records) per request
     * @param maxAttributes   attributes per span, event, log record or resource
     * @param maxArrayValues  values of one array attribute, and members of one key-value list
     * @param maxEvents       events per span
     * @param maxDepth        nesting of arrays and key-value lists inside one attribute value
     */
    public record Limits(int maxItems, int maxAttributes, int maxArrayValues, int maxEvents, int maxDepth) {
        public static Limits defaults() {
            return new Limits(5_000, 1_000, 1_000, 1_000, 16);
        }
    }

    /** What became of one span or log record. */
    public enum Kind {
        /** recorded as a new decision */
        RECORDED,
        /** recorded before (an exporter retry): nothing new */
        DUPLICATE,
        /** not a model inference, or a log record that is not a GenAI inference event */
        SKIPPED,
        /** cannot be recorded; the reason says why (resending it will not help) */
        REJECTED,
        /** could not be recorded now (the ledger or the content store is busy); resending it will */
        RETRY
    }

    public record Outcome(String traceId, String spanId, Kind kind, String reason, String decisionId) {}

    /** The outcomes in request order. */
    public record Result(List<Outcome> outcomes) {
        public long count(Kind k) {
            return outcomes.stream().filter(o -> o.kind() == k).count();
        }

        /** The largest Retry-After of the outcomes to retry, in seconds (at least 1). */
        public int retryAfterSeconds() {
            return 1;
        }
    }

    private final DecisionService decisions;
    private final Executor executor;
    private final Limits limits;

    public OtlpIngest(DecisionService decisions, Executor executor, Limits limits) {
        this.decisions = decisions;
        this.executor = executor;
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /** Records the GenAI spans of a trace export. */
    public Result traces(String tenant, ExportTraceServiceRequest request) {
        return record(tenant, spans(request));
    }

    /** The spans of a trace export in the mapping's form, after checking the {@link Limits}. */
    public List<OtlpData.Span> spans(ExportTraceServiceRequest request) {
        List<OtlpData.Span> spans = new ArrayList<>();
        int count = 0;
        for (ResourceSpans rs : request.getResourceSpansList()) {
            for (ScopeSpans ss : rs.getScopeSpansList()) count += ss.getSpansCount();
        }
        if (count > limits.maxItems()) {
            throw new LedgerException.TooLarge("The export holds " + count + " spans; at most " + limits.maxItems()
                    + " per request (send smaller batches: OTEL_BSP_MAX_EXPORT_BATCH_SIZE)");
        }
        for (ResourceSpans rs : request.getResourceSpansList()) {
            check(rs.getResource().getAttributesList(), "resource");
            Map<String, JsonNode> resource = OtlpData.attributes(rs.getResource().getAttributesList());
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                check(ss.getScope().getAttributesList(), "scope " + ss.getScope().getName());
                for (Span s : ss.getSpansList()) {
                    String where = "span " + OtlpData.hex(s.getSpanId());
                    check(s.getAttributesList(), where);
                    if (s.getEventsCount() > limits.maxEvents()) {
                        throw new LedgerException.Malformed("otlp_limit", where + " has " + s.getEventsCount()
                                + " events; at most " + limits.maxEvents());
                    }
                    List<OtlpData.Event> events = new ArrayList<>(s.getEventsCount());
                    for (Span.Event e : s.getEventsList()) {
                        check(e.getAttributesList(), where + " event " + e.getName());
                        events.add(new OtlpData.Event(e.getName(), e.getTimeUnixNano(),
                                OtlpData.attributes(e.getAttributesList()), null));
                    }
                    spans.add(new OtlpData.Span(OtlpData.hex(s.getTraceId()), OtlpData.hex(s.getSpanId()),
                            OtlpData.hex(s.getParentSpanId()), s.getName(), s.getKindValue(), s.getStartTimeUnixNano(),
                            s.getEndTimeUnixNano(), s.getStatus().getCodeValue(), s.getStatus().getMessage(),
                            OtlpData.attributes(s.getAttributesList()), events, resource, ss.getScope().getName(),
                            ss.getScope().getVersion()));
                }
            }
        }
        return spans;
    }

    /** The log event that carries a GenAI inference with its content (semantic conventions v1.37+). */
    public static final String DETAILS_EVENT = "gen_ai.client.inference.operation.details";

    /**
     * Records the GenAI inference events of a log export: each {@value #DETAILS_EVENT} record (event name, or the
     * {@code event.name} attribute) is one decision, keyed by the trace and span id it carries, like the span.
     * Other log records are skipped.
     */
    public Result logs(String tenant, ExportLogsServiceRequest request) {
        List<OtlpData.Span> items = new ArrayList<>();
        List<Outcome> skipped = new ArrayList<>();
        int count = 0;
        for (ResourceLogs rl : request.getResourceLogsList()) {
            for (ScopeLogs sl : rl.getScopeLogsList()) count += sl.getLogRecordsCount();
        }
        if (count > limits.maxItems()) {
            throw new LedgerException.TooLarge("The export holds " + count + " log records; at most " + limits.maxItems()
                    + " per request");
        }
        for (ResourceLogs rl : request.getResourceLogsList()) {
            check(rl.getResource().getAttributesList(), "resource");
            Map<String, JsonNode> resource = OtlpData.attributes(rl.getResource().getAttributesList());
            for (ScopeLogs sl : rl.getScopeLogsList()) {
                for (LogRecord r : sl.getLogRecordsList()) {
                    String where = "log record of span " + OtlpData.hex(r.getSpanId());
                    check(r.getAttributesList(), where);
                    checkValue(r.getBody(), where + " body", 0);
                    Map<String, JsonNode> attributes = OtlpData.attributes(r.getAttributesList());
                    String name = r.getEventName();
                    if (name.isEmpty() && attributes.get("event.name") != null) name = attributes.get("event.name").asText();
                    String trace = OtlpData.hex(r.getTraceId());
                    String span = OtlpData.hex(r.getSpanId());
                    if (!DETAILS_EVENT.equals(name)) {
                        skipped.add(new Outcome(trace, span, Kind.SKIPPED, name.isEmpty() ? "not a GenAI event"
                                : "event " + clip(name) + " is not " + DETAILS_EVENT, null));
                        continue;
                    }
                    // the body may hold the content too (an object of the same attributes)
                    JsonNode body = OtlpData.json(r.getBody());
                    if (body.isObject()) body.properties().forEach(f -> attributes.putIfAbsent(f.getKey(), f.getValue()));
                    items.add(new OtlpData.Span(trace, span, "", "", 0, 0, 0, 0, "", attributes, List.of(), resource,
                            sl.getScope().getName(), sl.getScope().getVersion()));
                }
            }
        }
        Result recorded = record(tenant, items);
        List<Outcome> all = new ArrayList<>(recorded.outcomes());
        all.addAll(skipped);
        return new Result(all);
    }

    private Result record(String tenant, List<OtlpData.Span> spans) {
        Outcome[] out = new Outcome[spans.size()];
        List<Integer> pending = new ArrayList<>();
        List<GenAiMapper.Decision> mappedDecisions = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < spans.size(); i++) {
            OtlpData.Span s = spans.get(i);
            GenAiMapper.Mapped mapped;
            try {
                mapped = GenAiMapper.map(s);
            } catch (IllegalArgumentException e) {
                out[i] = new Outcome(s.traceId(), s.spanId(), Kind.REJECTED, e.getMessage(), null);
                continue;
            }
            if (mapped instanceof GenAiMapper.Skipped sk) {
                out[i] = new Outcome(s.traceId(), s.spanId(), Kind.SKIPPED, sk.reason(), null);
                continue;
            }
            GenAiMapper.Decision d = (GenAiMapper.Decision) mapped;
            if (!seen.add(d.idempotencyKey())) {
                out[i] = new Outcome(s.traceId(), s.spanId(), Kind.DUPLICATE, "the same span appears twice in this request", null);
                continue;
            }
            pending.add(i);
            mappedDecisions.add(d);
        }
        // the batch append path: up to MAX_BATCH decisions per call, as few transactions per chain as fit (and, on
        // Lambda, staged together); the batches of one export go concurrently
        List<CompletableFuture<Void>> batches = new ArrayList<>();
        for (int from = 0; from < pending.size(); from += DecisionService.MAX_BATCH) {
            List<Integer> idx = pending.subList(from, Math.min(from + DecisionService.MAX_BATCH, pending.size()));
            List<GenAiMapper.Decision> ds = mappedDecisions.subList(from, from + idx.size());
            try {
                batches.add(CompletableFuture.runAsync(() -> recordBatch(tenant, spans, idx, ds, out), executor));
            } catch (RejectedExecutionException e) {
                for (int i : idx) {
                    out[i] = new Outcome(spans.get(i).traceId(), spans.get(i).spanId(), Kind.RETRY, "the server is busy", null);
                }
            }
        }
        for (CompletableFuture<Void> f : batches) f.join();
        return new Result(java.util.Arrays.asList(out));
    }

    /** Records one batch of mapped spans ({@code idx}: their places in {@code out}) through the batch append path. */
    private void recordBatch(String tenant, List<OtlpData.Span> spans, List<Integer> idx, List<GenAiMapper.Decision> ds,
                             Outcome[] out) {
        com.fasterxml.jackson.databind.node.ObjectNode body = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        com.fasterxml.jackson.databind.node.ArrayNode items = body.putArray("decisions");
        for (GenAiMapper.Decision d : ds) items.add(d.body().deepCopy().put("idempotency_key", d.idempotencyKey()));
        List<DecisionService.BatchItem> results;
        try {
            results = decisions.recordBatch(tenant, body, DecisionService.Keys.IDENTIFYING);
        } catch (RuntimeException e) {
            for (int i : idx) out[i] = failed(spans.get(i), e);
            return;
        }
        for (int k = 0; k < idx.size(); k++) {
            OtlpData.Span s = spans.get(idx.get(k));
            DecisionService.BatchItem r = results.get(k);
            out[idx.get(k)] = r.recorded() != null
                    ? new Outcome(s.traceId(), s.spanId(), r.recorded().created() ? Kind.RECORDED : Kind.DUPLICATE,
                            r.recorded().created() ? null : "recorded before", r.recorded().decision().decisionId())
                    : failed(s, r.error());
        }
    }

    private static Outcome failed(OtlpData.Span s, RuntimeException error) {
        if (error instanceof LedgerException.Unavailable e) return new Outcome(s.traceId(), s.spanId(), Kind.RETRY, e.detail(), null);
        if (error instanceof StoreException.Unavailable) {
            return new Outcome(s.traceId(), s.spanId(), Kind.RETRY, "the ledger store is temporarily unavailable", null);
        }
        if (error instanceof LedgerException.Conflict e) {
            return new Outcome(s.traceId(), s.spanId(), Kind.REJECTED,
                    "this span was recorded before with different content (" + e.detail() + ")", null);
        }
        if (error instanceof LedgerException e) return new Outcome(s.traceId(), s.spanId(), Kind.REJECTED, e.detail(), null);
        LOG.log(System.Logger.Level.ERROR, "recording span " + s.spanId() + " of trace " + s.traceId() + " failed", error);
        return new Outcome(s.traceId(), s.spanId(), Kind.REJECTED, "internal error while recording it", null);
    }

    private void check(List<KeyValue> attributes, String where) {
        if (attributes.size() > limits.maxAttributes()) {
            throw new LedgerException.Malformed("otlp_limit", clip(where) + " has " + attributes.size()
                    + " attributes; at most " + limits.maxAttributes());
        }
        for (KeyValue kv : attributes) checkValue(kv.getValue(), clip(where) + " attribute " + clip(kv.getKey()), 0);
    }

    private void checkValue(AnyValue v, String where, int depth) {
        if (depth > limits.maxDepth()) {
            throw new LedgerException.Malformed("otlp_limit", where + " nests deeper than " + limits.maxDepth() + " levels");
        }
        if (v.hasArrayValue()) {
            int n = v.getArrayValue().getValuesCount();
            if (n > limits.maxArrayValues()) {
                throw new LedgerException.Malformed("otlp_limit", where + " is an array of " + n + " values; at most "
                        + limits.maxArrayValues());
            }
            for (AnyValue e : v.getArrayValue().getValuesList()) checkValue(e, where, depth + 1);
        } else if (v.hasKvlistValue()) {
            int n = v.getKvlistValue().getValuesCount();
            if (n > limits.maxArrayValues()) {
                throw new LedgerException.Malformed("otlp_limit", where + " is a list of " + n + " key-values; at most "
                        + limits.maxArrayValues());
            }
            for (KeyValue e : v.getKvlistValue().getValuesList()) checkValue(e.getValue(), where, depth + 1);
        }
    }

    private static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }
}

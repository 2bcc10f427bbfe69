package dev.loopgrid.sdk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Client of the LoopGrid REST API (version 1). Thread-safe; build one per process and share it.
 *
 * <pre>{@code
 * LoopGrid grid = LoopGrid.builder().baseUrl("http://localhost:8000").serviceName("support-agent").build();
 * Decision d = grid.recordDecision(NewDecision.builder("customer_support_reply")
 *         .input(Map.of("message", "I was charged twice"))
 *         .model("openai", "gpt-4")
 *         .output(Map.of("response", "Your account looks fine."))
 *         .build());
 * }</pre>
 *
 * <p><b>Errors.</b> An error answer throws {@link LoopGridApiException} (status, {@code code}, {@code detail});
 * no answer (connection refused, timeout, unreadable response) throws {@link LoopGridException}.
 *
 * <p><b>Retries.</b> Answers 429 and 503 are retried (honouring {@code Retry-After}), as are connection
 * failures where the request was never sent (refused, connect timeout), up to {@code maxRetries} times with
 * jittered exponential backoff. Requests that may safely run twice — reads, and {@code recordDecision}, which
 * always sends an {@code Idempotency-Key} (one per call, the same on every retry) — are also retried when the
 * connection breaks after sending. Flags, corrections and replays are not, since a second delivery would append
 * a second entry. A request that times out waiting for its answer is not retried: the timeout is the caller's budget.
 */
public final class LoopGrid {
    public static final String VERSION = "0.2.0";
    /**
     * Sent as {@code X-LoopGrid-Client} on every request: the server records it as a replay's {@code triggered_by}
     * when the request names none.
     */
    public static final String CLIENT = "sdk-java/" + VERSION;
    /** The longest the server holds a replay creation waiting for it to finish ({@code wait=N}). */
    public static final int MAX_SERVER_WAIT_SECONDS = 20;
    /** The most decisions one {@code POST /v1/decisions/batch} takes; {@link #recordDecisions} splits longer lists. */
    public static final int MAX_BATCH = 100;
    /** The largest body one batch request may have (5 MiB); lists are split below it. */
    public static final int MAX_BATCH_BYTES = 5 * 1024 * 1024;

    private enum Retry {
        /** may run twice: retry on 429/503 and on any connection failure */
        SAFE,
        /** may not run twice: retry on 429/503 and only when the request cannot have been sent */
        UNSENT
    }

    private final String baseUrl;
    private final String serviceName;
    private final String apiKey;
    private final Duration timeout;
    private final int maxRetries;
    private final Duration retryDelay;
    private final Duration maxRetryDelay;
    private final HttpClient http;
    private final ObjectMapper mapper;

    private LoopGrid(Builder b) {
        String url = b.baseUrl.endsWith("/") ? b.baseUrl.substring(0, b.baseUrl.length() - 1) : b.baseUrl;
        URI uri = URI.create(url);
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null) {
            throw new IllegalArgumentException("baseUrl must be an http(s) URL, got \"" + b.baseUrl + "\"");
        }
        this.baseUrl = url;
        this.serviceName = Objects.requireNonNull(b.serviceName, "serviceName");
        this.apiKey = b.apiKey;
        this.timeout = b.timeout;
        this.maxRetries = b.maxRetries;
        this.retryDelay = b.retryDelay;
        this.maxRetryDelay = b.maxRetryDelay;
        this.mapper = b.mapper != null ? b.mapper : new ObjectMapper();
        this.http = b.httpClient != null ? b.httpClient : HttpClient.newBuilder()
                // HTTP/2 over TLS (ALPN); plain HTTP/1.1 otherwise, without an h2c upgrade attempt
                .version(uri.getScheme().equals("https") ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
                .connectTimeout(b.connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public String baseUrl() {
        return baseUrl;
    }

    public String serviceName() {
        return serviceName;
    }

    Duration retryDelay() {
        return retryDelay;
    }

    Duration maxRetryDelay() {
        return maxRetryDelay;
    }

    @Override
    public String toString() {
        return "LoopGrid[baseUrl=" + baseUrl + ", serviceName=" + serviceName + "]"; // never the key
    }

    // ---------------------------------------------------------------- decisions

    /** Records a decision (under the client's service name unless the decision names one). */
    public Decision recordDecision(NewDecision d) {
        ObjectNode body = mapper.createObjectNode();
        body.put("service_name", d.serviceName != null ? d.serviceName : serviceName);
        body.put("decision_type", d.decisionType);
        body.set("input", tree(d.input));
        body.set("model", tree(d.model));
        body.set("output", tree(d.output));
        if (d.prompt != null) body.set("prompt", tree(d.prompt));
        if (d.toolCalls != null) body.set("tool_calls", tree(d.toolCalls));
        if (d.metadata != null) body.set("metadata", tree(d.metadata));
        if (d.subjectId != null) body.put("subject_id", d.subjectId);
        String key = d.idempotencyKey != null ? d.idempotencyKey : UUID.randomUUID().toString();
        return Decision.of(call("POST", "/v1/decisions", Map.of(), body, Map.of("Idempotency-Key", key), Retry.SAFE, timeout));
    }

    /**
     * Records many decisions with {@code POST /v1/decisions/batch}; returns one {@link DecisionResult} per item, in
     * order. An item that fails (e.g. 422 {@code validation_error}) does not fail the others. Each item is sent with
     * its {@link NewDecision.Builder#idempotencyKey} or a fresh UUID, so the client's retries never record twice.
     * Lists longer than {@value #MAX_BATCH} items (or 5 MiB) go in several requests, one after the other; an error of
     * a whole request throws as usual, the items of the requests before it being recorded (retry with your own keys
     * to finish safely).
     */
    public List<DecisionResult> recordDecisions(List<NewDecision> decisions) {
        List<ObjectNode> items = new ArrayList<>(decisions.size());
        for (NewDecision d : decisions) items.add(batchItem(d));
        List<DecisionResult> results = new ArrayList<>(items.size());
        for (List<ObjectNode> chunk : chunks(items)) results.addAll(sendBatch(chunk, maxRetries));
        return results;
    }

    /**
     * A background recorder with the default options ({@link Batcher.Builder}): {@link Batcher#record} queues a
     * decision and returns at once; batches are sent from a thread. Close it when done.
     */
    public Batcher batcher() {
        return Batcher.builder(this).build();
    }

    /** The options of a background recorder ({@code grid.batcherBuilder().maxBatch(50).build()}). */
    public Batcher.Builder batcherBuilder() {
        return Batcher.builder(this);
    }

    /** The body of one batch item: the decision, its service name and idempotency key filled in. */
    ObjectNode batchItem(NewDecision d) {
        ObjectNode item = mapper.createObjectNode();
        item.put("service_name", d.serviceName != null ? d.serviceName : serviceName);
        item.put("decision_type", d.decisionType);
        item.set("input", tree(d.input));
        item.set("model", tree(d.model));
        item.set("output", tree(d.output));
        if (d.prompt != null) item.set("prompt", tree(d.prompt));
        if (d.toolCalls != null) item.set("tool_calls", tree(d.toolCalls));
        if (d.metadata != null) item.set("metadata", tree(d.metadata));
        if (d.subjectId != null) item.put("subject_id", d.subjectId);
        item.put("idempotency_key", d.idempotencyKey != null ? d.idempotencyKey : UUID.randomUUID().toString());
        return item;
    }

    /** {@code items} in runs of at most {@value #MAX_BATCH} whose JSON stays under 5 MiB (a bigger item goes alone). */
    List<List<ObjectNode>> chunks(List<ObjectNode> items) {
        List<List<ObjectNode>> out = new ArrayList<>();
        List<ObjectNode> chunk = new ArrayList<>();
        long size = 16; // {"decisions":[]}
        for (ObjectNode item : items) {
            long n;
            try {
                n = mapper.writeValueAsBytes(item).length + 1L;
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("cannot write a decision: " + e.getMessage(), e);
            }
            if (!chunk.isEmpty() && (chunk.size() >= MAX_BATCH || size + n > MAX_BATCH_BYTES)) {
                out.add(chunk);
                chunk = new ArrayList<>();
                size = 16;
            }
            chunk.add(item);
            size += n;
        }
        if (!chunk.isEmpty()) out.add(chunk);
        return out;
    }

    /** One {@code POST /v1/decisions/batch} of at most 100 items, each with its key (so safe to retry). */
    List<DecisionResult> sendBatch(List<ObjectNode> items, int retries) {
        ObjectNode body = mapper.createObjectNode();
        body.putArray("decisions").addAll(items);
        JsonNode answers = parse(send("POST", "/v1/decisions/batch", Map.of(), body, Map.of(), Retry.SAFE, timeout,
                retries)).get("results");
        if (answers == null || !answers.isArray() || answers.size() != items.size()) {
            throw new LoopGridException("LoopGrid answered a batch of " + items.size() + " with "
                    + (answers != null && answers.isArray() ? answers.size() : "no") + " results");
        }
        List<DecisionResult> results = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            results.add(batchResult(answers.get(i), items.get(i).path("idempotency_key").asText(null)));
        }
        return results;
    }

    private static DecisionResult batchResult(JsonNode a, String key) {
        if (a == null || !a.isObject()) throw new LoopGridException("LoopGrid answered a batch item that is not an object: " + a);
        JsonNode status = a.get("status");
        if (status != null && status.isTextual() && a.path("decision_id").isTextual()) {
            // the item's HTTP status and the Decision's own "status" share a key: a decision came back, so it is recorded
            return new DecisionResult(201, Decision.of(a), null, null, List.of(), key);
        }
        if (status == null || !status.isIntegralNumber()) {
            throw new LoopGridException("LoopGrid answered a batch item without a status: " + abbreviate(a.toString()));
        }
        int code = status.intValue();
        if (code >= 200 && code < 300) {
            ObjectNode decision = a.deepCopy();
            decision.remove("status");
            return new DecisionResult(code, Decision.of(decision), null, null, List.of(), key);
        }
        JsonNode d = a.get("detail");
        String detail = d == null || d.isNull() ? "HTTP " + code : d.isTextual() ? d.textValue() : d.toString();
        List<LoopGridApiException.FieldError> errors = new ArrayList<>();
        for (JsonNode e : a.path("errors")) {
            errors.add(new LoopGridApiException.FieldError(Nodes.text(e, "field"), Nodes.text(e, "message")));
        }
        return new DecisionResult(code, null, Nodes.text(a, "code"), detail, errors, key);
    }

    /** Records a decision with the required members only. */
    public Decision recordDecision(String decisionType, Object input, Object model, Object output) {
        return recordDecision(NewDecision.builder(decisionType).input(input).model(model).output(output).build());
    }

    public Decision getDecision(String decisionId) {
        return Decision.of(get("/v1/decisions/" + segment(decisionId), Map.of()));
    }

    /** One page of decisions, newest first. */
    public DecisionPage listDecisions(DecisionQuery query) {
        return DecisionPage.of(get("/v1/decisions", query.toQuery()));
    }

    public DecisionPage listDecisions() {
        return listDecisions(DecisionQuery.all());
    }

    /**
     * Every decision matching the query, newest first, fetched page by page (following {@code next_cursor}) as
     * the iteration advances. Pages hold {@code pageSize} decisions (100 when the query sets none).
     */
    public Iterable<Decision> iterateDecisions(DecisionQuery query) {
        DecisionQuery first = query.pageSize() != null ? query : query.toBuilder().pageSize(100).build();
        return () -> new PageIterator(first);
    }

    /** {@link #iterateDecisions} as a sequential stream. */
    public Stream<Decision> streamDecisions(DecisionQuery query) {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterateDecisions(query).iterator(),
                Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    /** Flags a decision as incorrect; {@code reason} may be null. */
    public Decision markIncorrect(String decisionId, String reason) {
        ObjectNode body = mapper.createObjectNode();
        if (reason != null) body.put("reason", reason);
        return Decision.of(call("POST", "/v1/decisions/" + segment(decisionId) + "/incorrect", Map.of(), body, Map.of(),
                Retry.UNSENT, timeout));
    }

    public Decision markIncorrect(String decisionId) {
        return markIncorrect(decisionId, null);
    }

    /**
     * Confirms a decision as right (status {@code confirmed}; a later flag or correction still wins). Not retried once
     * sent (it appends an entry).
     *
     * @param notes may be null
     * @throws LoopGridApiException 409 {@code verdict_superseded} when the decision is already incorrect or corrected
     */
    public Decision confirmDecision(String decisionId, String confirmedBy, String notes) {
        ObjectNode body = mapper.createObjectNode();
        body.put("confirmed_by", confirmedBy);
        if (notes != null) body.put("notes", notes);
        return Decision.of(call("POST", "/v1/decisions/" + segment(decisionId) + "/confirm", Map.of(), body, Map.of(),
                Retry.UNSENT, timeout));
    }

    /**
     * {@code GET /v1/stats} as JSON: verdict counts, {@code accuracy_percent} (confirmed / reviewed), {@code
     * review_coverage_percent}, {@code time_to_verdict}, and per model ({@code models}) latency p50/p95, tokens and cost.
     *
     * @param serviceName one service, or null for all
     */
    public JsonNode stats(String serviceName) {
        return get("/v1/stats", serviceQuery(serviceName));
    }

    /** One page of a decision's replays, oldest first ({@code cursor} null: the first page; pageSize 1..100). */
    public ReplayPage listDecisionReplays(String decisionId, int pageSize, String cursor) {
        Map<String, String> q = new java.util.LinkedHashMap<>();
        q.put("page_size", Integer.toString(pageSize));
        if (cursor != null) q.put("cursor", cursor);
        return ReplayPage.of(get("/v1/decisions/" + segment(decisionId) + "/replays", q));
    }

    /** Every replay of a decision, oldest first (all pages). */
    public List<Replay> decisionReplays(String decisionId) {
        List<Replay> out = new ArrayList<>();
        String cursor = null;
        do {
            ReplayPage p = listDecisionReplays(decisionId, 100, cursor);
            out.addAll(p.replays());
            cursor = p.hasMore() ? p.nextCursor() : null;
        } while (cursor != null);
        return out;
    }

    /** Attaches a human correction (the corrected output); {@code notes} may be null. */
    public Decision attachCorrection(String decisionId, Object correction, String correctedBy, String notes) {
        ObjectNode body = mapper.createObjectNode();
        body.set("correction", tree(correction));
        body.put("corrected_by", correctedBy);
        if (notes != null) body.put("notes", notes);
        return Decision.of(call("POST", "/v1/decisions/" + segment(decisionId) + "/correction", Map.of(), body, Map.of(),
                Retry.UNSENT, timeout));
    }

    public Decision attachCorrection(String decisionId, Object correction, String correctedBy) {
        return attachCorrection(decisionId, correction, correctedBy, null);
    }

    // ---------------------------------------------------------------- replays

    /** Queues a replay and returns it pending (the server answers 202 at once). */
    public Replay createReplay(ReplayRequest request) {
        return Replay.of(call("POST", "/v1/replays", Map.of(), replayBody(request), Map.of(), Retry.UNSENT, timeout));
    }

    /** Queues a replay of {@code decisionId} with {@code overrides} ({prompt, model, input}; may be null). */
    public Replay createReplay(String decisionId, Object overrides) {
        return createReplay(ReplayRequest.builder(decisionId).overrides(overrides).build());
    }

    /**
     * Creates a replay and waits up to {@code timeout} for it to finish: the server holds the answer for up to
     * {@value #MAX_SERVER_WAIT_SECONDS} s, then the replay is polled. Returns the replay as last seen; check
     * {@link Replay#isFinished()} (false when the timeout passed first).
     */
    public Replay createReplayAndWait(ReplayRequest request, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int serverWait = (int) Math.min(MAX_SERVER_WAIT_SECONDS, Math.max(0, (timeout.toMillis() + 999) / 1000));
        Replay r = Replay.of(call("POST", "/v1/replays", Map.of("wait", Integer.toString(serverWait)),
                replayBody(request), Map.of(), Retry.UNSENT, this.timeout.plusSeconds(serverWait)));
        return r.isFinished() ? r : poll(r, deadline);
    }

    public Replay createReplayAndWait(String decisionId, Object overrides, Duration timeout) {
        return createReplayAndWait(ReplayRequest.builder(decisionId).overrides(overrides).build(), timeout);
    }

    /** Polls a replay until it finishes or {@code timeout} passes; returns it as last seen. */
    public Replay waitForReplay(String replayId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Replay r = getReplay(replayId);
        return r.isFinished() ? r : poll(r, deadline);
    }

    public Replay getReplay(String replayId) {
        return Replay.of(get("/v1/replays/" + segment(replayId), Map.of()));
    }

    /** The decision's recorded output against the replay's, with a JSON-pointer diff. */
    public Comparison compare(String decisionId, String replayId) {
        return Comparison.of(get("/v1/decisions/" + segment(decisionId) + "/compare/" + segment(replayId), Map.of()));
    }

    // ---------------------------------------------------------------- verifiable log: receipts

    /**
     * The receipt of a decision ({@code GET /v1/decisions/{id}/receipt}: its entry, inclusion proof and signed
     * checkpoint, {@code loopgrid-receipt/v1}), or empty while the decision is not yet in a signed checkpoint (the
     * server answered 202). Check it offline with {@link Receipts#verify} and the log's pinned key ({@link #logKey()}).
     *
     * @throws LoopGridApiException 404 for an unknown decision
     */
    public Optional<JsonNode> receipt(String decisionId) {
        return receipt(decisionId, Duration.ZERO);
    }

    /** {@link #receipt(String)}, the server holding the answer up to {@code wait} (at most {@value #MAX_SERVER_WAIT_SECONDS} s) for it. */
    public Optional<JsonNode> receipt(String decisionId, Duration wait) {
        return fetchReceipt("/v1/decisions/" + segment(decisionId) + "/receipt", wait);
    }

    /** The receipt of any ledger entry (decision, flag, correction, replay) by chain and sequence; empty while pending. */
    public Optional<JsonNode> entryReceipt(String chainId, long sequence) {
        return entryReceipt(chainId, sequence, Duration.ZERO);
    }

    /** {@link #entryReceipt(String, long)}, the server holding the answer up to {@code wait} for it. */
    public Optional<JsonNode> entryReceipt(String chainId, long sequence, Duration wait) {
        if (sequence < 1) throw new IllegalArgumentException("sequence must be positive");
        return fetchReceipt("/v1/entries/" + segment(chainId) + "/" + sequence + "/receipt", wait);
    }

    /**
     * The log's verifier key ({@code GET /v1/log/key}, a C2SP vkey). Fetch it once, out of band if you can, and pin it:
     * a key fetched along with the receipt proves nothing against whoever runs the server.
     */
    public String logKey() {
        return text("/v1/log/key", Map.of(), "text/plain").strip();
    }

    /** The latest signed checkpoint of the tenant's log ({@code GET /v1/log/checkpoint}, a C2SP signed note). */
    public String logCheckpoint() {
        return text("/v1/log/checkpoint", Map.of(), "text/plain");
    }

    private Optional<JsonNode> fetchReceipt(String path, Duration wait) {
        int serverWait = (int) Math.min(MAX_SERVER_WAIT_SECONDS, Math.max(0, (wait.toMillis() + 999) / 1000));
        Map<String, String> query = serverWait > 0 ? Map.of("wait", Integer.toString(serverWait)) : Map.of();
        HttpResponse<String> response = send("GET", path, query, null, Map.of(), Retry.SAFE, timeout.plusSeconds(serverWait));
        if (response.statusCode() == 202) return Optional.empty();
        return Optional.of(parse(response));
    }

    // ---------------------------------------------------------------- integrity, compliance, health

    /** Verifies every chain of the ledger. */
    public IntegrityReport verifyIntegrity() {
        return verifyIntegrity(null);
    }

    /** Verifies one service's chain ({@code null}: every chain). */
    public IntegrityReport verifyIntegrity(String serviceName) {
        return IntegrityReport.of(get("/v1/integrity/verify", serviceQuery(serviceName)));
    }

    public ComplianceReport complianceReport() {
        return complianceReport(null);
    }

    /** The compliance report for one service ({@code null}: all). */
    public ComplianceReport complianceReport(String serviceName) {
        return ComplianceReport.of(get("/v1/compliance/report", serviceQuery(serviceName)));
    }

    /**
     * The compliance report as a printable, self-contained HTML page ({@code GET /v1/compliance/report/html};
     * {@code null}: every service).
     */
    public String complianceReportHtml(String serviceName) {
        return text("/v1/compliance/report/html", serviceQuery(serviceName), "text/html");
    }

    public String complianceReportHtml() {
        return complianceReportHtml(null);
    }

    public Health health() {
        return Health.of(get("/health", Map.of()));
    }

    // ---------------------------------------------------------------- exports

    /**
     * One page of the JSON export ({@code GET /v1/export/decisions}): every decision matching the service and
     * status filters, no row cap, up to {@code pageSize} (≤ 1000) decisions a page; follow {@code nextCursor}
     * with {@link DecisionQuery.Builder#cursor}. The export filters by service and status only.
     *
     * @throws IllegalArgumentException when the query sets a decision type, a time range or a page number
     */
    public DecisionPage exportDecisions(DecisionQuery query) {
        Map<String, String> q = query.toQuery();
        for (String unsupported : List.of("decision_type", "since", "until", "page")) {
            if (q.containsKey(unsupported)) {
                throw new IllegalArgumentException("the export filters by serviceName and status and pages with "
                        + "pageSize and cursor; it takes no " + unsupported);
            }
        }
        return DecisionPage.of(get("/v1/export/decisions", q));
    }

    /** Every decision matching the service and status filters, fetched export page by export page. */
    public Iterable<Decision> iterateExport(DecisionQuery query) {
        return () -> new Iterator<>() {
            private DecisionQuery next = query;
            private Iterator<Decision> current = java.util.Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && next != null) {
                    DecisionPage p = exportDecisions(next);
                    current = p.decisions().iterator();
                    next = p.hasMore() && p.nextCursor() != null ? next.withCursor(p.nextCursor()) : null;
                }
                return current.hasNext();
            }

            @Override
            public Decision next() {
                if (!hasNext()) throw new NoSuchElementException();
                return current.next();
            }
        };
    }

    /**
     * The CSV export of every decision of a service ({@code null}: all) with a status ({@code null}: any): a header
     * row starting {@code decision_id,created_at,service_name,decision_type,status,content_hash}, one row per
     * decision. A large file comes as a link to the stored copy, which this method downloads (without the API key).
     */
    public String exportDecisionsCsv(String serviceName, String status) {
        return exportDecisionsCsv(serviceName, status, false);
    }

    /**
     * {@link #exportDecisionsCsv(String, String)}; with {@code raw} every cell is written exactly as stored. By
     * default a cell starting with {@code =}, {@code +}, {@code -}, {@code @}, tab or CR is prefixed with a single
     * quote so spreadsheets show it as text.
     */
    public String exportDecisionsCsv(String serviceName, String status, boolean raw) {
        Map<String, String> q = new java.util.LinkedHashMap<>(serviceQuery(serviceName));
        if (status != null) q.put("status", status);
        q.put("format", "csv");
        if (raw) q.put("raw", "true");
        return text("/v1/export/decisions", q, "text/csv");
    }

    /**
     * The ground truth ({@code GET /v1/export/ground-truth}): one record per corrected decision — input, prompt,
     * model, the original output, the correction, who made it, and the hashes of both ledger entries.
     */
    public List<JsonNode> exportGroundTruth(String serviceName) {
        String jsonl = text("/v1/export/ground-truth", serviceQuery(serviceName), "application/x-ndjson");
        List<JsonNode> records = new ArrayList<>();
        int line = 0;
        for (String l : jsonl.split("\n")) {
            line++;
            if (l.isBlank()) continue;
            try {
                records.add(mapper.readTree(l));
            } catch (IOException e) {
                throw new LoopGridException("the ground-truth export's line " + line + " is not JSON: " + abbreviate(l), e);
            }
        }
        return List.copyOf(records);
    }

    public List<JsonNode> exportGroundTruth() {
        return exportGroundTruth(null);
    }

    // ---------------------------------------------------------------- API keys (admin)

    /**
     * Creates an API key in the caller's tenant (admin keys only). The answer's {@link ApiKey#apiKey()} is the secret,
     * returned this once: LoopGrid stores only its hash.
     *
     * @param role {@code writer}, {@code reviewer}, {@code auditor} or {@code admin}
     * @param name a label, e.g. what uses the key; may be null
     */
    public ApiKey createApiKey(String role, String name) {
        if (role == null || role.isBlank()) throw new IllegalArgumentException("role must not be empty");
        ObjectNode body = mapper.createObjectNode();
        body.put("role", role);
        if (name != null) body.put("name", name);
        // not retried once sent: a second delivery would make a second key
        return ApiKey.of(call("POST", "/v1/admin/keys", Map.of(), body, Map.of(), Retry.UNSENT, timeout));
    }

    /** Every key of the caller's tenant, active and revoked, oldest first (never a secret). */
    public List<ApiKey> listApiKeys() {
        List<ApiKey> keys = new ArrayList<>();
        for (JsonNode k : get("/v1/admin/keys", Map.of()).path("keys")) keys.add(ApiKey.of(k));
        return List.copyOf(keys);
    }

    /** Revokes a key of the caller's tenant and returns its record; revoking again returns the same record. */
    public ApiKey revokeApiKey(String keyId) {
        // revoking twice changes nothing: safe to retry
        return ApiKey.of(call("DELETE", "/v1/admin/keys/" + segment(keyId), Map.of(), null, Map.of(), Retry.SAFE, timeout));
    }

    // ---------------------------------------------------------------- erasure, legal holds, retention (admin)

    /**
     * Erases a data subject (crypto-shredding, see docs/erasure.md). {@link Erasure#scheduled()} is true when the
     * server answered 202: the retention floor delays the erasure until {@link Erasure#runAt()}. Erasing again
     * answers the same erasure, so the request is retried like a read.
     *
     * @param reason      why, e.g. a GDPR Art. 17 request; may be null when {@code requestRef} is given
     * @param requestRef  the request's reference (ticket, DSR id); may be null when {@code reason} is given
     * @param legalBasis  a stated legal basis that overrides the retention floor (erase now); may be null
     * @param requestedBy who asked; may be null
     * @throws LoopGridApiException 409 {@code legal_hold} when a hold covers the subject, 404 {@code subject_not_found}
     */
    public Erasure eraseSubject(String subjectId, String reason, String requestRef, String legalBasis, String requestedBy) {
        ObjectNode body = mapper.createObjectNode();
        if (reason != null) body.put("reason", reason);
        if (requestRef != null) body.put("request_ref", requestRef);
        if (legalBasis != null) body.put("legal_basis", legalBasis);
        if (requestedBy != null) body.put("requested_by", requestedBy);
        HttpResponse<String> response = send("POST", "/v1/subjects/" + segment(subjectId) + "/erasure", Map.of(), body,
                Map.of(), Retry.SAFE, timeout);
        return Erasure.of(parse(response), response.statusCode() == 202);
    }

    /** {@link #eraseSubject(String, String, String, String, String)} without a legal basis or requester. */
    public Erasure eraseSubject(String subjectId, String reason, String requestRef) {
        return eraseSubject(subjectId, reason, requestRef, null, null);
    }

    /** A data subject's erasure state: {@code none}, {@code scheduled} (with run at) or {@code erased}. */
    public Erasure getErasure(String subjectId) {
        return Erasure.of(get("/v1/subjects/" + segment(subjectId) + "/erasure", Map.of()));
    }

    /**
     * Places a legal hold. Not retried once sent: a second delivery would place a second hold.
     *
     * @param scope   {@code decision}, {@code subject} or {@code service}
     * @param target  the decision id, subject id or service name
     * @param caseRef may be null
     * @param placedBy may be null
     */
    public Hold placeHold(String scope, String target, String reason, String caseRef, String placedBy) {
        ObjectNode body = mapper.createObjectNode();
        body.put("scope", scope);
        body.put("target", target);
        body.put("reason", reason);
        if (caseRef != null) body.put("case_ref", caseRef);
        if (placedBy != null) body.put("placed_by", placedBy);
        return Hold.of(call("POST", "/v1/holds", Map.of(), body, Map.of(), Retry.UNSENT, timeout));
    }

    public Hold placeHold(String scope, String target, String reason) {
        return placeHold(scope, target, reason, null, null);
    }

    /** The tenant's legal holds in place, oldest first. */
    public List<Hold> listHolds() {
        List<Hold> holds = new ArrayList<>();
        for (JsonNode h : get("/v1/holds", Map.of()).path("holds")) holds.add(Hold.of(h));
        return List.copyOf(holds);
    }

    /**
     * Releases a legal hold and returns it ({@link Hold#released()} true); {@code reason} may be null. Not retried
     * once sent.
     *
     * @throws LoopGridApiException 404 {@code hold_not_found} when no such hold is in place
     */
    public Hold releaseHold(String holdId, String reason) {
        Map<String, String> q = reason == null ? Map.of() : Map.of("reason", reason);
        return Hold.of(call("DELETE", "/v1/holds/" + segment(holdId), q, null, Map.of(), Retry.UNSENT, timeout));
    }

    public Hold releaseHold(String holdId) {
        return releaseHold(holdId, null);
    }

    /** The tenant's retention floor. */
    public Retention getRetention() {
        return Retention.of(get("/v1/retention", Map.of()));
    }

    /** Sets the tenant's retention floor (0..36500 days; a {@code retention} entry records it). Not retried once sent. */
    public Retention setRetention(int floorDays) {
        ObjectNode body = mapper.createObjectNode();
        body.put("floor_days", floorDays);
        return Retention.of(call("PUT", "/v1/retention", Map.of(), body, Map.of(), Retry.UNSENT, timeout));
    }

    // ---------------------------------------------------------------- plumbing

    private Replay poll(Replay r, long deadline) {
        long delay = 200;
        while (!r.isFinished()) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) return r;
            sleep(Math.min(delay, left));
            delay = Math.min(delay * 2, 2000);
            r = getReplay(r.replayId());
        }
        return r;
    }

    private ObjectNode replayBody(ReplayRequest request) {
        ObjectNode body = mapper.createObjectNode();
        body.put("decision_id", request.decisionId);
        ObjectNode overrides = null;
        if (request.overrides != null) {
            JsonNode o = tree(request.overrides);
            if (!o.isObject()) throw new IllegalArgumentException("overrides must be a JSON object");
            overrides = ((ObjectNode) o).deepCopy();
        }
        if (request.prompt != null || request.model != null || request.input != null) {
            if (overrides == null) overrides = mapper.createObjectNode();
            if (request.prompt != null) overrides.set("prompt", tree(request.prompt));
            if (request.model != null) overrides.set("model", tree(request.model));
            if (request.input != null) overrides.set("input", tree(request.input));
        }
        if (overrides != null) body.set("overrides", overrides);
        if (request.triggeredBy != null) body.put("triggered_by", request.triggeredBy);
        return body;
    }

    private static Map<String, String> serviceQuery(String serviceName) {
        return serviceName == null ? Map.of() : Map.of("service_name", serviceName);
    }

    private JsonNode tree(Object value) {
        if (value instanceof JsonNode n) return n;
        try {
            return mapper.valueToTree(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot turn " + value.getClass().getName() + " into JSON: " + e.getMessage(), e);
        }
    }

    private JsonNode get(String path, Map<String, String> query) {
        return call("GET", path, query, null, Map.of(), Retry.SAFE, timeout);
    }

    private JsonNode call(String method, String path, Map<String, String> query, JsonNode body,
                          Map<String, String> headers, Retry retry, Duration requestTimeout) {
        return parse(send(method, path, query, body, headers, retry, requestTimeout));
    }

    /**
     * A GET whose answer is a file (HTML, CSV, JSON Lines), as text. A {@code 303 See Other} (a large export, stored)
     * is followed to its presigned link, which is fetched without the API key: the link carries its own signature.
     */
    private String text(String path, Map<String, String> query, String accept) {
        HttpResponse<String> response = send("GET", path, query, null, Map.of("Accept", accept), Retry.SAFE, timeout);
        int status = response.statusCode();
        if (status >= 300 && status < 400) {
            String location = response.headers().firstValue("Location").orElseThrow(() -> new LoopGridException(
                    "LoopGrid answered " + status + " without a Location to " + path));
            return download(response.uri().resolve(location), path);
        }
        return response.body();
    }

    private String download(URI link, String path) {
        HttpRequest request = HttpRequest.newBuilder(link).timeout(timeout).GET()
                .header("User-Agent", "loopgrid-java/" + VERSION).build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new LoopGridException("Could not download the stored export of " + path + " from " + link.getHost()
                    + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoopGridException("Interrupted while downloading the stored export of " + path, e);
        }
        if (response.statusCode() != 200) {
            throw new LoopGridApiException(response.statusCode(), null, "the stored export of " + path
                    + " could not be downloaded (HTTP " + response.statusCode() + "): " + abbreviate(response.body()));
        }
        return response.body();
    }

    /** Sends with retries; an error answer (≥ 400) throws, anything else (2xx, 3xx) is returned. */
    private HttpResponse<String> send(String method, String path, Map<String, String> query, JsonNode body,
                                      Map<String, String> headers, Retry retry, Duration requestTimeout) {
        return send(method, path, query, body, headers, retry, requestTimeout, maxRetries);
    }

    private HttpResponse<String> send(String method, String path, Map<String, String> query, JsonNode body,
                                      Map<String, String> headers, Retry retry, Duration requestTimeout, int maxRetries) {
        HttpRequest request = request(method, path, query, body, headers, requestTimeout);
        for (int attempt = 0; ; attempt++) {
            boolean canRetry = attempt < maxRetries;
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (HttpConnectTimeoutException e) { // never sent
                if (canRetry) { backoff(attempt, null); continue; }
                throw new LoopGridException("Cannot connect to LoopGrid at " + baseUrl + ": connection timed out", e);
            } catch (HttpTimeoutException e) {
                throw new LoopGridException("Request to LoopGrid timed out after " + requestTimeout.toMillis() + " ms ("
                        + method + " " + path + ")", e);
            } catch (ConnectException e) { // refused: never sent
                if (canRetry) { backoff(attempt, null); continue; }
                throw new LoopGridException("Cannot connect to LoopGrid at " + baseUrl + ". Is the server running? ("
                        + e + ")", e);
            } catch (IOException e) { // broke after connecting: the request may have been delivered
                if (canRetry && retry == Retry.SAFE) { backoff(attempt, null); continue; }
                throw new LoopGridException("Connection to LoopGrid at " + baseUrl + " failed during " + method + " "
                        + path + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LoopGridException("Interrupted while calling LoopGrid", e);
            }
            int status = response.statusCode();
            if ((status == 429 || status == 503) && canRetry) {
                backoff(attempt, response.headers().firstValue("Retry-After").orElse(null));
                continue;
            }
            if (status >= 400) throw apiError(response);
            return response;
        }
    }

    private HttpRequest request(String method, String path, Map<String, String> query, JsonNode body,
                                Map<String, String> headers, Duration requestTimeout) {
        StringBuilder url = new StringBuilder(baseUrl).append(path);
        char sep = '?';
        for (Map.Entry<String, String> q : query.entrySet()) {
            url.append(sep).append(encode(q.getKey())).append('=').append(encode(q.getValue()));
            sep = '&';
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url.toString()))
                .timeout(requestTimeout)
                .header("Accept", "application/json")
                .header("User-Agent", "loopgrid-java/" + VERSION)
                .header("X-LoopGrid-Client", CLIENT);
        if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
        headers.forEach(b::setHeader);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            try {
                b.method(method, HttpRequest.BodyPublishers.ofByteArray(mapper.writeValueAsBytes(body)));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("cannot write the request body: " + e.getMessage(), e);
            }
            b.header("Content-Type", "application/json");
        }
        return b.build();
    }

    private JsonNode parse(HttpResponse<String> response) {
        String text = response.body();
        try {
            JsonNode n = text == null || text.isBlank() ? null : mapper.readTree(text);
            if (n == null || !n.isObject()) throw new IOException("not a JSON object");
            return n;
        } catch (IOException e) {
            throw new LoopGridException("LoopGrid answered " + response.statusCode() + " with a body that is not a JSON "
                    + "object: " + abbreviate(text), e);
        }
    }

    private LoopGridApiException apiError(HttpResponse<String> response) {
        String text = response.body();
        JsonNode json = null;
        try {
            json = text == null || text.isBlank() ? null : mapper.readTree(text);
        } catch (IOException e) {
            json = null;
        }
        String detail = null;
        String code = null;
        List<LoopGridApiException.FieldError> errors = new ArrayList<>();
        if (json != null && json.isObject()) {
            JsonNode d = json.get("detail");
            if (d != null && d.isTextual()) detail = d.textValue();
            else if (d != null && !d.isNull()) detail = d.toString();
            else if (json.path("message").isTextual()) detail = json.get("message").textValue(); // API Gateway's own errors
            if (json.path("code").isTextual()) code = json.get("code").textValue();
            for (JsonNode e : json.path("errors")) {
                errors.add(new LoopGridApiException.FieldError(Nodes.text(e, "field"), Nodes.text(e, "message")));
            }
        } else {
            json = null;
        }
        if (detail == null) detail = text != null && !text.isBlank() ? abbreviate(text.strip()) : "HTTP " + response.statusCode();
        return new LoopGridApiException(response.statusCode(), code, detail, errors, json);
    }

    /** Sleeps before the next attempt: {@code Retry-After} seconds when given, else jittered exponential backoff. */
    private void backoff(int attempt, String retryAfter) {
        long max = maxRetryDelay.toMillis();
        long millis = -1;
        if (retryAfter != null) {
            try {
                millis = Math.min(max, Long.parseLong(retryAfter.trim()) * 1000);
            } catch (NumberFormatException e) {
                millis = -1; // an HTTP date: fall back to backoff
            }
        }
        if (millis < 0) {
            long exp = Math.min(max, retryDelay.toMillis() << Math.min(attempt, 20));
            millis = exp / 2 + ThreadLocalRandom.current().nextLong(exp / 2 + 1);
        }
        sleep(millis);
    }

    private static void sleep(long millis) {
        if (millis <= 0) return;
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoopGridException("Interrupted while waiting to retry", e);
        }
    }

    private static String segment(String id) {
        if (id == null || id.isEmpty()) throw new IllegalArgumentException("id must not be empty");
        return encode(id);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviate(String s) {
        if (s == null) return "";
        return s.length() <= 500 ? s : s.substring(0, 500) + "…";
    }

    /** Walks the pages of a query, following {@code next_cursor} (or page numbers, from servers without cursors). */
    private final class PageIterator implements Iterator<Decision> {
        private DecisionQuery next;
        private Iterator<Decision> current = java.util.Collections.emptyIterator();
        private int page = 1;

        PageIterator(DecisionQuery first) {
            this.next = first;
        }

        @Override
        public boolean hasNext() {
            while (!current.hasNext() && next != null) {
                DecisionPage p = listDecisions(next);
                current = p.decisions().iterator();
                if (p.hasMore() && p.nextCursor() != null) next = next.withCursor(p.nextCursor());
                else if (p.hasMore() && !p.decisions().isEmpty()) next = next.toBuilder().cursor(null).page(++page).build();
                else next = null;
            }
            return current.hasNext();
        }

        @Override
        public Decision next() {
            if (!hasNext()) throw new NoSuchElementException();
            return current.next();
        }
    }

    /** Settings of a {@link LoopGrid} client. */
    public static final class Builder {
        private String baseUrl = "http://localhost:8000";
        private String serviceName = "default";
        private String apiKey;
        private Duration timeout = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private int maxRetries = 3;
        private Duration retryDelay = Duration.ofMillis(250);
        private Duration maxRetryDelay = Duration.ofSeconds(10);
        private HttpClient httpClient;
        private ObjectMapper mapper;

        private Builder() {}

        /** The API's base URL, e.g. {@code https://abc.execute-api.eu-west-1.amazonaws.com/prod}; default {@code http://localhost:8000}. */
        public Builder baseUrl(String v) { this.baseUrl = Objects.requireNonNull(v); return this; }
        /** The service decisions are recorded under; default {@code default}. */
        public Builder serviceName(String v) { this.serviceName = Objects.requireNonNull(v); return this; }
        /** Sent as {@code Authorization: Bearer <key>}; none by default (the local stack runs open). */
        public Builder apiKey(String v) { this.apiKey = v; return this; }
        /** How long one request may take, answer included; default 30 s. */
        public Builder timeout(Duration v) { this.timeout = positive(v, "timeout"); return this; }
        /** How long connecting may take; default 10 s (ignored with {@link #httpClient}). */
        public Builder connectTimeout(Duration v) { this.connectTimeout = positive(v, "connectTimeout"); return this; }
        /** Retries after the first attempt on 429/503/connection failures; default 3, 0 disables. */
        public Builder maxRetries(int v) {
            if (v < 0) throw new IllegalArgumentException("maxRetries must be >= 0");
            this.maxRetries = v;
            return this;
        }
        /** First backoff delay, doubled per retry and jittered; default 250 ms. */
        public Builder retryDelay(Duration v) { this.retryDelay = Objects.requireNonNull(v); return this; }
        /** Cap on one backoff delay and on honoured {@code Retry-After}; default 10 s. */
        public Builder maxRetryDelay(Duration v) { this.maxRetryDelay = Objects.requireNonNull(v); return this; }
        /** A client of your own (proxy, TLS, executor); default a new one per LoopGrid. */
        public Builder httpClient(HttpClient v) { this.httpClient = v; return this; }
        /** The mapper that turns your objects into JSON; default a plain {@code ObjectMapper}. */
        public Builder objectMapper(ObjectMapper v) { this.mapper = v; return this; }

        public LoopGrid build() {
            return new LoopGrid(this);
        }

        private static Duration positive(Duration v, String name) {
            if (v == null || v.isNegative() || v.isZero()) throw new IllegalArgumentException(name + " must be positive");
            return v;
        }
    }

}

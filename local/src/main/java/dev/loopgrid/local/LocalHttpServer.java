package dev.loopgrid.local;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.Routes;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.auth.ApiKeys;
import dev.loopgrid.core.auth.Permission;
import dev.loopgrid.core.auth.Principal;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local HTTP front: serves the route table over HTTP by turning every request into the
 * {@link APIGatewayProxyRequestEvent} API Gateway's REST proxy integration would send, calling the very
 * handler class a Lambda function would run, and writing its {@link APIGatewayProxyResponseEvent} back.
 *
 * <p>Connections are accepted and request heads read by {@link HttpFront}, which enforces the {@link Limits}
 * (header and idle timeouts, a connection cap) and refuses malformed heads (bad percent-escapes, raw non-ASCII in
 * the path, CR or LF inside a header value, ambiguous body framing) with JSON 400s before a handler runs.
 *
 * <p>What API Gateway answers by itself is answered here too, as JSON with {@code detail} and {@code code}:
 * unknown path (404), known path with another method (405 with {@code Allow}), body above Lambda's 6 MiB
 * payload limit (413), body that is not UTF-8 (400). Nothing a client sends produces a stack trace.
 *
 * <p>Bodies of the binary media types ({@link Routes#BINARY_MEDIA_TYPES}: OTLP protobuf) and bodies with a
 * {@code Content-Encoding} reach the handler base64-encoded with {@code isBase64Encoded}, as API Gateway passes a body
 * of one of the RestApi's {@code binaryMediaTypes}; handlers that read text decode them ({@code ApiHandler.bodyText}).
 */
public final class LocalHttpServer {
    /** Lambda's synchronous invocation payload limit. */
    public static final int MAX_BODY_BYTES = 6 * 1024 * 1024;
    /** Over-limit bodies up to this size are read and discarded so the client gets to read the 413. */
    static final long DRAIN_LIMIT_BYTES = 16L * 1024 * 1024;
    public static final int DEFAULT_THREADS = 256; // receipts may be long-polled (?wait=N): a waiting request holds one

    /**
     * The connection limits of the front ({@link HttpFront}).
     *
     * @param headerTimeout  a request's line and headers must arrive within this (from the accept, or from the first
     *                       byte of a later request on a kept-alive connection); else 408 and close
     * @param idleTimeout    a kept-alive connection without a new request, or a body that stops arriving, is closed
     *                       after this
     * @param maxConnections open connections at most; one more gets 503 {@code too_many_connections} and is closed
     * @param maxHeaderBytes request line and headers at most (431 beyond)
     * @param maxHeaders     header lines at most (431 beyond)
     */
    public record Limits(java.time.Duration headerTimeout, java.time.Duration idleTimeout, int maxConnections,
                         int maxHeaderBytes, int maxHeaders) {
        public static final Limits DEFAULTS = new Limits(java.time.Duration.ofSeconds(10),
                java.time.Duration.ofSeconds(30), 1000, 384 * 1024, 200);

        public Limits {
            if (headerTimeout.isNegative() || headerTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
            if (maxConnections < 1 || maxHeaderBytes < 1024 || maxHeaders < 1) {
                throw new IllegalArgumentException("limits must be positive");
            }
        }

        public Limits withHeaderTimeout(java.time.Duration d) {
            return new Limits(d, idleTimeout, maxConnections, maxHeaderBytes, maxHeaders);
        }

        public Limits withIdleTimeout(java.time.Duration d) {
            return new Limits(headerTimeout, d, maxConnections, maxHeaderBytes, maxHeaders);
        }

        public Limits withMaxConnections(int n) {
            return new Limits(headerTimeout, idleTimeout, n, maxHeaderBytes, maxHeaders);
        }
    }
    public static final String STAGE = "local";

    private static final Logger LOG = LoggerFactory.getLogger(LocalHttpServer.class);
    private static final Logger ACCESS = LoggerFactory.getLogger("dev.loopgrid.local.access");
    private static final DateTimeFormatter REQUEST_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH);

    /** A route with its template split into segments and its handler instance (built once). */
    private record Bound(Routes.Route route, String[] segments, int literals, ApiHandler handler) {}

    private final List<Bound> routes;
    private final String host;
    private final int requestedPort;
    private final int threads;
    private volatile HttpFront server;
    private volatile Limits limits = Limits.DEFAULTS;
    /** Non-null when keys are required: the same check the Lambda authorizer runs. */
    private volatile ApiKeys keys;
    /** Non-null when a per-tenant rate is configured. */
    private volatile TenantRateLimiter limiter;
    private final String openTenant;

    /** Builds every route's handler once, through its factory, over {@code app}. */
    public LocalHttpServer(App app, List<Routes.Route> routeTable, String host, int port) {
        this(app, routeTable, host, port, DEFAULT_THREADS);
    }

    public LocalHttpServer(App app, List<Routes.Route> routeTable, String host, int port, int threads) {
        List<Bound> bound = new ArrayList<>();
        for (Routes.Route r : routeTable) {
            String[] segments = segments(r.path());
            int literals = 0;
            for (String s : segments) if (!isParam(s)) literals++;
            bound.add(new Bound(r, segments, literals, r.factory().apply(app)));
        }
        this.routes = List.copyOf(bound);
        this.openTenant = app == null ? null : app.config.tenant();
        this.host = host;
        this.requestedPort = port;
        this.threads = threads;
    }

    /**
     * Requires an API key on every non-public route, checked as the Lambda authorizer checks it; the principal
     * (tenant, role, key id) reaches the handler in {@code requestContext.authorizer} as it does behind API
     * Gateway. Call before {@link #start()}.
     */
    public LocalHttpServer requireKeys(ApiKeys keys) {
        this.keys = keys;
        return this;
    }

    /** Limits each tenant to {@code perSecond} requests on non-public routes (bursts of {@code burst}); beyond: 429. */
    public LocalHttpServer rateLimit(double perSecond, int burst) {
        this.limiter = new TenantRateLimiter(perSecond, burst);
        return this;
    }

    /** Sets the connection limits (header and idle timeouts, connection cap). Call before {@link #start()}. */
    public LocalHttpServer limits(Limits limits) {
        this.limits = java.util.Objects.requireNonNull(limits);
        return this;
    }

    /** The connection limits in force. */
    public Limits limits() {
        return limits;
    }

    /**
     * Binds and starts serving; with port 0 the system picks a free port ({@link #port()}). At most {@code threads}
     * requests run handlers at once; connections still sending their head hold none of them.
     */
    public synchronized LocalHttpServer start() throws IOException {
        if (server != null) throw new IllegalStateException("already started");
        this.server = new HttpFront(host, requestedPort, limits, threads, this::exchange).start();
        return this;
    }

    /** Connections open right now (tests). */
    int openConnections() {
        HttpFront s = server;
        return s == null ? 0 : s.openConnections();
    }

    /** The bound port. */
    public int port() {
        HttpFront s = server;
        if (s == null) throw new IllegalStateException("not started");
        return s.port();
    }

    /** The base URL, e.g. {@code http://127.0.0.1:8000}. */
    public String url() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port();
    }

    /** Stops accepting requests, gives running ones up to {@code graceSeconds}, and stops the threads. */
    public synchronized void stop(int graceSeconds) {
        HttpFront s = server;
        if (s == null) return;
        server = null;
        s.stop(Math.max(0, graceSeconds));
    }

    public void stop() {
        stop(0);
    }

    // ---------------------------------------------------------------- request handling

    private void exchange(HttpExchange ex) {
        long started = System.nanoTime();
        String method = ex.getRequestMethod();
        String rawPath = ex.getRequestURI().getRawPath();
        String requestId = UUID.randomUUID().toString();
        int status = 0;
        try {
            APIGatewayProxyResponseEvent response;
            try {
                response = dispatch(ex, method, rawPath, requestId);
            } catch (Throwable t) { // an Error escaping a handler, or a bug here: never a stack trace to the client
                LOG.error("unexpected failure serving {} {} (request {})", method, rawPath, requestId, t);
                response = internalError();
            }
            status = write(ex, response, requestId);
        } catch (IOException e) {
            LOG.debug("client went away during {} {}: {}", method, rawPath, e.toString());
        } catch (RuntimeException e) {
            LOG.error("failed to write the response to {} {}", method, rawPath, e);
        } finally {
            ex.close();
            long ms = (System.nanoTime() - started) / 1_000_000;
            ACCESS.info("{} {} {} {} ms", method, abbreviate(redactKeys(rawPath), 200), status == 0 ? "-" : status, ms);
        }
    }

    private APIGatewayProxyResponseEvent dispatch(HttpExchange ex, String method, String rawPath, String requestId)
            throws IOException {
        List<Bound> pathMatches = new ArrayList<>();
        String[] parts = rawPath == null || !rawPath.startsWith("/") ? null : segments(rawPath);
        if (parts != null) {
            for (Bound b : routes) if (matches(b.segments(), parts)) pathMatches.add(b);
        }
        if (pathMatches.isEmpty()) {
            return ApiResponses.error(new LedgerException.NotFound("route_not_found",
                    "No route for " + method + " " + abbreviate(rawPath == null ? String.valueOf(ex.getRequestURI())
                            : rawPath, 200)));
        }
        Bound chosen = null;
        for (Bound b : pathMatches) {
            if (b.route().method().equals(method) && (chosen == null || b.literals() > chosen.literals())) {
                chosen = b;
            }
        }
        if (chosen == null) {
            Set<String> allowed = new LinkedHashSet<>();
            for (Bound b : pathMatches) allowed.add(b.route().method().toUpperCase(Locale.ROOT));
            String allow = String.join(", ", allowed);
            ObjectNode body = Json.object();
            body.put("detail", "Method " + abbreviate(method, 20) + " is not allowed for " + abbreviate(rawPath, 200)
                    + "; allowed: " + allow);
            body.put("code", "method_not_allowed");
            APIGatewayProxyResponseEvent r = ApiResponses.json(405, body);
            r.getHeaders().put("Allow", allow);
            return r;
        }

        Map<String, String> pathParameters = new LinkedHashMap<>();
        for (int i = 0; i < chosen.segments().length; i++) {
            String t = chosen.segments()[i];
            if (isParam(t)) {
                boolean greedy = isGreedy(t);
                String name = t.substring(1, t.length() - (greedy ? 2 : 1));
                String raw = greedy ? String.join("/", java.util.Arrays.copyOfRange(parts, i, parts.length)) : parts[i];
                String value = percentDecode(raw, false);
                if (value == null) {
                    return malformed("Path parameter " + name + " is not valid percent-encoded UTF-8");
                }
                pathParameters.put(name, value);
            }
        }

        Map<String, List<String>> query = new LinkedHashMap<>();
        String rawQuery = ex.getRequestURI().getRawQuery();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) continue;
                int eq = pair.indexOf('=');
                String k = percentDecode(eq < 0 ? pair : pair.substring(0, eq), true);
                String v = percentDecode(eq < 0 ? "" : pair.substring(eq + 1), true);
                if (k == null || v == null) {
                    return malformed("Query string is not valid percent-encoded UTF-8");
                }
                query.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
            }
        }

        byte[] bytes = readBody(ex);
        if (bytes == null) {
            return ApiResponses.error(new LedgerException.TooLarge("Request body is larger than " + MAX_BODY_BYTES
                    + " bytes (6 MiB, the Lambda payload limit)"));
        }
        String body = null;
        boolean base64 = false;
        if (bytes.length > 0 && binary(ex)) {
            // as API Gateway passes a body of one of the RestApi's binaryMediaTypes (and bytes it cannot read as text)
            body = Base64.getEncoder().encodeToString(bytes);
            base64 = true;
        } else if (bytes.length > 0) {
            try {
                body = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                return malformed("Request body is not valid UTF-8");
            }
        }

        Map<String, Object> authorizer = null;
        if (chosen.route().permission() != Permission.PUBLIC) {
            String tenant = openTenant;
            ApiKeys k = keys;
            if (k != null) {
                Principal p;
                try {
                    p = k.authenticate(ex.getRequestHeaders().getFirst("Authorization"),
                            ex.getRequestHeaders().getFirst("X-Api-Key"));
                } catch (LedgerException.Unauthorized e) {
                    return ApiResponses.error(e);
                }
                authorizer = dev.loopgrid.aws.auth.AuthorizerContext.of(p);
                authorizer.put("principalId", p.keyId()); // API Gateway adds the authorizer's principalId too
                tenant = p.tenant();
            }
            TenantRateLimiter l = limiter;
            if (l != null) {
                long waitMillis = l.acquire(tenant);
                if (waitMillis > 0) {
                    return ApiResponses.error(new LedgerException.Throttled("Too many requests for tenant " + tenant
                            + ": the configured rate is " + l.describe() + "; retry after the Retry-After seconds",
                            (int) Math.max(1, (waitMillis + 999) / 1000)));
                }
            }
        }

        APIGatewayProxyRequestEvent event = event(ex, method, rawPath, chosen.route(), pathParameters, query, body,
                base64, requestId, authorizer);
        APIGatewayProxyResponseEvent response = chosen.handler().handleRequest(event,
                new LocalLambdaContext(requestId, chosen.route().name()));
        if (response == null || response.getStatusCode() == null) {
            LOG.error("handler {} returned no status code (request {})", chosen.route().name(), requestId);
            return internalError();
        }
        return response;
    }

    /** The event API Gateway's REST proxy integration would send for this request. */
    private static APIGatewayProxyRequestEvent event(HttpExchange ex, String method, String rawPath,
                                                     Routes.Route route, Map<String, String> pathParameters,
                                                     Map<String, List<String>> query, String body,
                                                     boolean base64, String requestId,
                                                     Map<String, Object> authorizer) {
        String sourceIp = ex.getRemoteAddress() != null && ex.getRemoteAddress().getAddress() != null
                ? ex.getRemoteAddress().getAddress().getHostAddress() : "127.0.0.1";

        Map<String, String> headers = new LinkedHashMap<>();
        Map<String, List<String>> multiHeaders = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
            if (h.getValue() == null || h.getValue().isEmpty()) continue;
            String name = canonicalHeaderName(h.getKey());
            multiHeaders.computeIfAbsent(name, x -> new ArrayList<>()).addAll(h.getValue());
        }
        int localPort = ex.getLocalAddress() != null ? ex.getLocalAddress().getPort() : 0;
        multiHeaders.putIfAbsent("X-Forwarded-For", List.of(sourceIp));
        multiHeaders.putIfAbsent("X-Forwarded-Proto", List.of("http"));
        multiHeaders.putIfAbsent("X-Forwarded-Port", List.of(Integer.toString(localPort)));
        for (Map.Entry<String, List<String>> h : multiHeaders.entrySet()) {
            headers.put(h.getKey(), h.getValue().get(h.getValue().size() - 1)); // API Gateway keeps the last value
        }

        Map<String, String> singleQuery = null;
        Map<String, List<String>> multiQuery = null;
        if (!query.isEmpty()) {
            singleQuery = new LinkedHashMap<>();
            multiQuery = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> q : query.entrySet()) {
                singleQuery.put(q.getKey(), q.getValue().get(q.getValue().size() - 1));
                multiQuery.put(q.getKey(), List.copyOf(q.getValue()));
            }
        }

        String path = percentDecode(rawPath, false);
        if (path == null) path = rawPath;

        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        APIGatewayProxyRequestEvent.RequestIdentity identity = new APIGatewayProxyRequestEvent.RequestIdentity()
                .withSourceIp(sourceIp)
                .withUserAgent(headers.get("User-Agent"));
        APIGatewayProxyRequestEvent.ProxyRequestContext context = new APIGatewayProxyRequestEvent.ProxyRequestContext()
                .withAccountId("000000000000")
                .withApiId("local")
                .withResourceId(route.name())
                .withResourcePath(route.path())
                .withHttpMethod(method)
                .withPath(path)
                .withStage(STAGE)
                .withRequestId(requestId)
                .withExtendedRequestId(requestId)
                .withRequestTime(REQUEST_TIME.format(now))
                .withRequestTimeEpoch(now.toInstant().toEpochMilli())
                .withProtocol(ex.getProtocol())
                .withDomainName(headers.getOrDefault("Host", "localhost"))
                .withDomainPrefix("localhost")
                .withIdentity(identity);
        if (authorizer != null) context.setAuthorizer(authorizer);

        return new APIGatewayProxyRequestEvent()
                .withResource(route.path())
                .withPath(path)
                .withHttpMethod(method)
                .withHeaders(headers)
                .withMultiValueHeaders(multiHeaders)
                .withQueryStringParameters(singleQuery)
                .withMultiValueQueryStringParameters(multiQuery)
                .withPathParameters(pathParameters.isEmpty() ? null : pathParameters)
                .withStageVariables(null)
                .withRequestContext(context)
                .withBody(body)
                .withIsBase64Encoded(base64);
    }

    /**
     * True when the body is binary: its Content-Type is one of {@link Routes#BINARY_MEDIA_TYPES}, or it carries a
     * Content-Encoding (gzip): the handler gets it base64-encoded and decodes it itself.
     */
    private static boolean binary(HttpExchange ex) {
        String ct = ex.getRequestHeaders().getFirst("Content-Type");
        String media = ct == null ? "" : ct.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (Routes.BINARY_MEDIA_TYPES.contains(media)) return true;
        String ce = ex.getRequestHeaders().getFirst("Content-Encoding");
        return ce != null && !ce.isBlank() && !ce.trim().equalsIgnoreCase("identity");
    }

    /**
     * Reads the body, or returns null when it is larger than {@link #MAX_BODY_BYTES}. Never holds more than
     * the limit in memory; an over-limit body of at most {@link #DRAIN_LIMIT_BYTES} is read and discarded
     * (so the client, still sending, gets to read the 413), a larger one is not read at all and the
     * connection is closed after the answer.
     */
    private static byte[] readBody(HttpExchange ex) throws IOException {
        long declared = -1;
        String cl = ex.getRequestHeaders().getFirst("Content-Length");
        if (cl != null) {
            try {
                declared = Long.parseLong(cl.trim());
            } catch (NumberFormatException e) {
                declared = -1;
            }
        }
        InputStream in = ex.getRequestBody();
        if (declared > MAX_BODY_BYTES) {
            if (declared <= DRAIN_LIMIT_BYTES) drain(in, declared);
            else ex.getResponseHeaders().set("Connection", "close");
            return null;
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream(declared > 0 ? (int) declared : 1024);
        byte[] chunk = new byte[16 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(chunk)) != -1) {
            total += n;
            if (total > MAX_BODY_BYTES) {
                if (!drain(in, DRAIN_LIMIT_BYTES - total)) ex.getResponseHeaders().set("Connection", "close");
                return null;
            }
            buf.write(chunk, 0, n);
        }
        return buf.toByteArray();
    }

    /** Reads and discards up to {@code limit} bytes; true when the stream ended within it. */
    private static boolean drain(InputStream in, long limit) throws IOException {
        byte[] sink = new byte[64 * 1024];
        long left = limit;
        while (left > 0) {
            int n = in.read(sink, 0, (int) Math.min(sink.length, left));
            if (n < 0) return true;
            left -= n;
        }
        return in.read() < 0;
    }

    private static int write(HttpExchange ex, APIGatewayProxyResponseEvent response, String requestId)
            throws IOException {
        int status = response.getStatusCode();
        Headers out = ex.getResponseHeaders();
        if (response.getHeaders() != null) {
            for (Map.Entry<String, String> h : response.getHeaders().entrySet()) {
                if (h.getKey() == null || h.getValue() == null || reserved(h.getKey())) continue;
                out.set(h.getKey(), h.getValue());
            }
        }
        if (response.getMultiValueHeaders() != null) {
            for (Map.Entry<String, List<String>> h : response.getMultiValueHeaders().entrySet()) {
                if (h.getKey() == null || h.getValue() == null || reserved(h.getKey())) continue;
                for (String v : h.getValue()) if (v != null) out.add(h.getKey(), v);
            }
        }
        if (!out.containsKey("X-amzn-requestid")) out.set("x-amzn-RequestId", requestId);
        byte[] bytes;
        String body = response.getBody();
        if (body == null) {
            bytes = new byte[0];
        } else if (Boolean.TRUE.equals(response.getIsBase64Encoded())) {
            bytes = Base64.getDecoder().decode(body);
        } else {
            bytes = body.getBytes(StandardCharsets.UTF_8);
        }
        boolean noBody = bytes.length == 0 || status == 204 || status == 304 || "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(status, noBody ? -1 : bytes.length);
        if (!noBody) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(bytes);
            }
        }
        return status;
    }

    private static boolean reserved(String header) {
        String h = header.toLowerCase(Locale.ROOT);
        return h.equals("content-length") || h.equals("transfer-encoding") || h.equals("connection");
    }

    private static APIGatewayProxyResponseEvent malformed(String detail) {
        return ApiResponses.error(new LedgerException.Malformed(detail));
    }

    private static APIGatewayProxyResponseEvent internalError() {
        ObjectNode body = Json.object();
        body.put("detail", "Internal error");
        body.put("code", "internal_error");
        return ApiResponses.json(500, body);
    }

    // ---------------------------------------------------------------- paths

    /** Splits {@code /a/b} into {@code [a, b]}; {@code /} into {@code []}; keeps empty segments. */
    static String[] segments(String path) {
        if (path.equals("/")) return new String[0];
        return path.substring(1).split("/", -1);
    }

    private static boolean isParam(String segment) {
        return segment.length() > 2 && segment.startsWith("{") && segment.endsWith("}");
    }

    /** A greedy parameter ({@code {path+}}, last segment only): one or more segments, as API Gateway's proxy resources. */
    private static boolean isGreedy(String segment) {
        return isParam(segment) && segment.endsWith("+}");
    }

    private static boolean matches(String[] template, String[] parts) {
        int n = template.length;
        if (n > 0 && isGreedy(template[n - 1])) {
            if (parts.length < n) return false;
            for (int i = n - 1; i < parts.length; i++) if (parts[i].isEmpty()) return false;
        } else if (n != parts.length) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (isGreedy(template[i])) continue;
            if (isParam(template[i])) {
                if (parts[i].isEmpty()) return false;
            } else if (!template[i].equals(parts[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Strict percent-decoding to UTF-8; {@code plusIsSpace} for query strings. Null when an escape is broken
     * or the bytes are not UTF-8.
     */
    static String percentDecode(String s, boolean plusIsSpace) {
        if (s.indexOf('%') < 0 && !(plusIsSpace && s.indexOf('+') >= 0)) return s;
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); ) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) return null;
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) return null;
                out.write((hi << 4) | lo);
                i += 3;
            } else if (c == '+' && plusIsSpace) {
                out.write(' ');
                i++;
            } else {
                int cp = s.codePointAt(i);
                byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                i += Character.charCount(cp);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** {@code content-type} → {@code Content-Type} (the JDK hands header names over as {@code Content-type}). */
    static String canonicalHeaderName(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        boolean upper = true;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            sb.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
            upper = c == '-';
        }
        return sb.toString();
    }

    private static final java.util.regex.Pattern KEY_LIKE = java.util.regex.Pattern.compile("lg_[A-Za-z0-9_-]{20,}");

    /** An API key pasted into a URL (a client mistake) is not written to the access log. */
    static String redactKeys(String s) {
        return s == null || !s.contains("lg_") ? s : KEY_LIKE.matcher(s).replaceAll("lg_***");
    }

    private static String abbreviate(String s, int max) {
        if (s == null) return "";
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }
}

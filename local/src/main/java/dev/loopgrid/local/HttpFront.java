package dev.loopgrid.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;
import dev.loopgrid.core.Json;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local stack's HTTP/1.1 connection layer: accepts connections, reads each request's head itself — within a
 * deadline, strictly, from the raw bytes — and hands well-formed requests to a {@link HttpHandler} as an
 * {@link HttpExchange}. It replaces the JDK's {@code com.sun.net.httpserver} server, which (JDK 17) reads request
 * heads on its executor's threads without a deadline unless {@code sun.net.httpserver.maxReqTime} is set JVM-wide,
 * answers a request line it cannot parse with an HTML page, and ends a header line at a bare CR.
 *
 * <p>What it enforces ({@link LocalHttpServer.Limits}):
 * <ul>
 *   <li>a connection cap: beyond {@code maxConnections} open connections a new one gets {@code 503 too_many_connections}
 *       and is closed;</li>
 *   <li>a header timeout: a request's line and headers must arrive within {@code headerTimeout} of the connection
 *       being accepted (first request) or of its first byte (later requests on a kept-alive connection); else
 *       {@code 408 request_timeout} and the connection is closed. The deadline is absolute: a client that drips one
 *       byte a second does not extend it;</li>
 *   <li>an idle timeout: a kept-alive connection with no new request, or a body that stops arriving, for
 *       {@code idleTimeout} is closed;</li>
 *   <li>no thread per waiting connection is taken from the handlers: at most {@code handlerThreads} requests run
 *       handlers at once; a connection that is still sending its head holds none.</li>
 * </ul>
 * Heads are parsed strictly (RFC 9112): lines end with CRLF (a bare CR or LF anywhere is 400), no obsolete line
 * folding, header names are tokens, values carry no control characters, the request target is an ASCII path with
 * well-formed percent escapes, and the body is framed by one Content-Length or by chunked transfer coding (both, or
 * any other transfer coding, is 400). Every refusal is JSON with {@code detail} and {@code code}, and closes the
 * connection.
 */
final class HttpFront {
    private static final Logger LOG = LoggerFactory.getLogger(HttpFront.class);
    private static final Logger ACCESS = LoggerFactory.getLogger("dev.loopgrid.local.access");
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;
    /** Body bytes read and discarded after a handler that did not read its body, before the connection is reused. */
    private static final long DRAIN_AFTER_BYTES = 64 * 1024;

    private final LocalHttpServer.Limits limits;
    private final HttpHandler handler;
    private final ServerSocket listener;
    private final ThreadPoolExecutor connections;
    private final Semaphore handlerPermits;

    /** The handler slots this thread's running request holds one of, while it runs. */
    private static final ThreadLocal<Semaphore> HELD = new ThreadLocal<>();

    /**
     * Runs {@code wait} (a blocking wait) without holding the calling request's handler slot: the slot is given back
     * for the wait and taken again (behind anyone already waiting for one) before the request goes on. A long-polled
     * receipt ({@code ?wait=N}) spends nearly all its time here, so requests that only wait no longer keep recording
     * requests from running. Outside a request it just runs the wait.
     */
    static void idle(dev.loopgrid.core.log.LogService.Idle wait) throws InterruptedException {
        Semaphore held = HELD.get();
        if (held == null) {
            wait.run();
            return;
        }
        held.release();
        try {
            wait.run();
        } finally {
            held.acquireUninterruptibly();
        }
    }

    private final AtomicInteger open = new AtomicInteger();
    private final Set<Connection> live = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    /** Lingering closes of connections refused over the cap. */
    private final ThreadPoolExecutor refusals = new ThreadPoolExecutor(0, 4, 10, TimeUnit.SECONDS,
            new java.util.concurrent.ArrayBlockingQueue<>(256), r -> {
                Thread t = new Thread(r, "loopgrid-http-refuse");
                t.setDaemon(true);
                return t;
            });
    private volatile boolean stopping;

    HttpFront(String host, int port, LocalHttpServer.Limits limits, int handlerThreads, HttpHandler handler)
            throws IOException {
        this.limits = limits;
        this.handler = handler;
        this.handlerPermits = new Semaphore(handlerThreads, true);
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(host, port), 1024);
        this.listener = ss;
        AtomicInteger n = new AtomicInteger();
        this.connections = new ThreadPoolExecutor(0, limits.maxConnections() + 16, 30, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "loopgrid-http-" + n.incrementAndGet());
                    t.setDaemon(false);
                    return t;
                });
        this.acceptor = new Thread(this::acceptLoop, "loopgrid-http-accept");
        this.acceptor.setDaemon(false);
    }

    HttpFront start() {
        acceptor.start();
        return this;
    }

    int port() {
        return listener.getLocalPort();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** Open connections (for tests and the bench). */
    int openConnections() {
        return open.get();
    }

    /**
     * Stops accepting, closes idle connections at once, gives requests in handlers up to {@code graceSeconds}, then
     * closes everything.
     */
    void stop(int graceSeconds) {
        stopping = true;
        try {
            listener.close();
        } catch (IOException e) {
            LOG.debug("closing the listener: {}", e.toString());
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Connection c : live) if (!c.busy) c.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(0, graceSeconds));
        while (!live.isEmpty() && System.nanoTime() < deadline) {
            for (Connection c : live) if (!c.busy) c.close();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Connection c : live) c.close();
        connections.shutdown();
        refusals.shutdown();
        try {
            if (!connections.awaitTermination(Math.max(1, graceSeconds), TimeUnit.SECONDS)) connections.shutdownNow();
        } catch (InterruptedException e) {
            connections.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- accepting

    private void acceptLoop() {
        while (!stopping) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                if (!stopping) LOG.warn("accept failed: {}", e.toString());
                if (listener.isClosed()) return;
                continue;
            }
            if (open.incrementAndGet() > limits.maxConnections()) {
                open.decrementAndGet();
                refuseOverCap(s);
                continue;
            }
            Connection c = new Connection(s, System.nanoTime());
            live.add(c);
            try {
                connections.execute(c::serve);
            } catch (RejectedExecutionException e) {
                live.remove(c);
                open.decrementAndGet();
                refuseOverCap(s);
            }
        }
    }

    /**
     * Answers a connection beyond the cap without reading its request: a short JSON 503 and FIN; a small pool then
     * drops what the client still sends for up to 500 ms before closing (a close with unread bytes would be a reset
     * that destroys the answer). When that pool is busy too, the socket is closed at once.
     */
    private void refuseOverCap(Socket s) {
        try {
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write(errorResponse(503, "too_many_connections", "The server has " + limits.maxConnections()
                    + " connections open, its limit; retry after the Retry-After seconds", Map.of("Retry-After", "1")));
            out.flush();
            s.shutdownOutput();
        } catch (IOException e) {
            LOG.debug("refusing a connection over the cap: {}", e.toString());
        }
        ACCESS.info("- - 503 (connection over the cap of {})", limits.maxConnections());
        try {
            refusals.execute(() -> {
                try (s) {
                    InputStream in = s.getInputStream();
                    byte[] sink = new byte[4096];
                    long left = 64 * 1024;
                    int n;
                    while (left > 0 && (n = in.read(sink)) >= 0) left -= n;
                } catch (IOException e) {
                    // closing anyway
                }
            });
        } catch (RejectedExecutionException e) {
            try {
                s.close();
            } catch (IOException x) {
                // closing anyway
            }
        }
    }

    // ---------------------------------------------------------------- one connection

    /** A head the server refuses: answered with {@code status} and closed. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String code;

        BadRequest(int status, String code, String detail) {
            super(detail, null, false, false);
            this.status = status;
            this.code = code;
        }
    }

    /** The head did not arrive in time; {@code started}: some of it had. */
    private static final class HeadTimeout extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean started;

        HeadTimeout(boolean started) {
            super(null, null, false, false);
            this.started = started;
        }
    }

    /** A parsed request head. */
    record Head(String method, String target, URI uri, String protocol, Headers headers, long contentLength,
                boolean chunked, boolean expectContinue, boolean keepAlive) {}

    private final class Connection {
        final Socket socket;
        final long acceptedNanos;
        volatile boolean busy;

        Connection(Socket socket, long acceptedNanos) {
            this.socket = socket;
            this.acceptedNanos = acceptedNanos;
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }

        /**
         * Sends FIN, then reads and drops what the client still sends (briefly), so that unread request bytes do
         * not turn the close into a reset that destroys the response before the client has read it.
         */
        void lingeringClose() {
            try {
                if (!socket.isClosed() && !stopping) {
                    socket.shutdownOutput();
                    socket.setSoTimeout(500);
                    InputStream in = socket.getInputStream();
                    byte[] sink = new byte[8192];
                    long left = 256 * 1024;
                    int n;
                    while (left > 0 && (n = in.read(sink)) >= 0) left -= n;
                }
            } catch (IOException e) {
                // closing anyway
            }
            close();
        }

        void serve() {
            try {
                socket.setTcpNoDelay(true);
                InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
                OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
                boolean first = true;
                while (!stopping) {
                    Head head;
                    try {
                        head = readHead(in, first);
                    } catch (HeadTimeout t) {
                        if (t.started) {
                            writeQuietly(out, errorResponse(408, "request_timeout", "The request line and headers did"
                                    + " not arrive within " + limits.headerTimeout().toSeconds() + " s", Map.of()));
                            ACCESS.info("- - 408 (request head not complete within {} s)", limits.headerTimeout().toSeconds());
                        }
                        return;
                    } catch (BadRequest e) {
                        writeQuietly(out, errorResponse(e.status, e.code, e.getMessage(), Map.of()));
                        ACCESS.info("- - {} ({})", e.status, e.code);
                        return;
                    }
                    if (head == null) return; // closed by the client between requests
                    first = false;
                    socket.setSoTimeout((int) Math.max(1, limits.idleTimeout().toMillis()));
                    if (!exchange(head, in, out)) return;
                }
            } catch (IOException e) {
                LOG.debug("connection ended: {}", e.toString());
            } catch (RuntimeException e) {
                LOG.error("connection failed", e);
            } finally {
                lingeringClose();
                live.remove(this);
                open.decrementAndGet();
            }
        }

        /** Runs one exchange; true when the connection can carry another request. */
        private boolean exchange(Head head, InputStream in, OutputStream out) throws IOException {
            BodyStream body = head.chunked() ? new ChunkedBody(in) : new FixedBody(in, head.contentLength());
            Exchange ex = new Exchange(head, body, out, socket);
            if (head.expectContinue()) body.onFirstRead(() -> {
                if (!ex.responseStarted) {
                    out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            });
            try {
                handlerPermits.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            busy = true;
            HELD.set(handlerPermits);
            try {
                handler.handle(ex);
            } finally {
                HELD.remove();
                busy = false;
                handlerPermits.release();
            }
            ex.finish();
            if (ex.closeAfter || !head.keepAlive() || stopping) return false;
            try {
                return body.drain(DRAIN_AFTER_BYTES);
            } catch (IOException e) {
                return false;
            }
        }

        /**
         * Reads one request head within the header deadline; null when the connection was closed before any byte.
         * The first request's deadline runs from the accept; a later one waits up to the idle timeout for its first
         * byte and then has the header timeout from it.
         */
        private Head readHead(InputStream in, boolean first) throws IOException, HeadTimeout, BadRequest {
            long deadline;
            int c;
            if (first) {
                deadline = acceptedNanos + limits.headerTimeout().toNanos();
                c = readBefore(in, deadline, false);
            } else {
                socket.setSoTimeout((int) Math.max(1, limits.idleTimeout().toMillis()));
                try {
                    c = in.read();
                } catch (SocketTimeoutException e) {
                    return null; // idle too long: close quietly
                }
                deadline = System.nanoTime() + limits.headerTimeout().toNanos();
            }
            // RFC 9112 2.2: ignore empty lines before the request line
            while (c == '\r' || c == '\n') {
                if (c == '\r' && readBefore(in, deadline, true) != '\n') throw bareCr();
                c = readBefore(in, deadline, true);
            }
            if (c < 0) return null;
            ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
            List<String> lines = new ArrayList<>();
            int max = limits.maxHeaderBytes();
            int total = 0;
            while (true) {
                if (c < 0) throw new HeadTimeout(false); // the client closed mid-head: nothing to answer
                if (++total > max) {
                    throw new BadRequest(431, "headers_too_large", "The request line and headers are larger than "
                            + max + " bytes");
                }
                if (c == '\r') {
                    if (readBefore(in, deadline, true) != '\n') throw bareCr();
                    if (buf.size() == 0) break; // the empty line: end of the head
                    lines.add(buf.toString(StandardCharsets.ISO_8859_1));
                    buf.reset();
                    if (lines.size() > limits.maxHeaders() + 1) {
                        throw new BadRequest(431, "headers_too_large", "The request has more than "
                                + limits.maxHeaders() + " header lines");
                    }
                } else if (c == '\n') {
                    throw new BadRequest(400, "malformed_request", "A line of the request head ends with a bare LF;"
                            + " lines end with CRLF and header values must not contain CR or LF");
                } else {
                    buf.write(c);
                }
                c = readBefore(in, deadline, true);
            }
            return parse(lines);
        }

        /** One byte, waiting at most until {@code deadline}; -1 at the end of the stream. */
        private int readBefore(InputStream in, long deadline, boolean started) throws IOException, HeadTimeout {
            if (in.available() == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new HeadTimeout(started);
                socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            try {
                return in.read();
            } catch (SocketTimeoutException e) {
                throw new HeadTimeout(started);
            }
        }
    }

    private static BadRequest bareCr() {
        return new BadRequest(400, "malformed_request", "A line of the request head contains a bare CR;"
                + " lines end with CRLF and header values must not contain CR or LF");
    }

    // ---------------------------------------------------------------- parsing

    private static final String TCHAR = "!#$%&'*+-.^_`|~";

    private static boolean isToken(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || TCHAR.indexOf(c) >= 0;
            if (!ok) return false;
        }
        return true;
    }

    static Head parse(List<String> lines) throws BadRequest {
        String line = lines.get(0);
        String[] parts = line.split(" ", -1);
        if (parts.length != 3 || !isToken(parts[0])) {
            throw new BadRequest(400, "malformed_request", "The request line must be \"METHOD /path HTTP/1.1\", got \""
                    + printable(line, 100) + "\"");
        }
        String method = parts[0];
        String target = parts[1];
        String protocol = parts[2];
        if (!protocol.equals("HTTP/1.1") && !protocol.equals("HTTP/1.0")) {
            throw new BadRequest(505, "http_version_not_supported", "Only HTTP/1.1 and HTTP/1.0 are served, got \""
                    + printable(protocol, 20) + "\"");
        }
        URI uri = target(target);

        Headers headers = new Headers();
        for (int i = 1; i < lines.size(); i++) {
            String h = lines.get(i);
            if (h.charAt(0) == ' ' || h.charAt(0) == '\t') {
                throw new BadRequest(400, "invalid_header", "Header line " + i + " starts with whitespace (obsolete"
                        + " line folding is not accepted)");
            }
            int colon = h.indexOf(':');
            String name = colon < 0 ? h : h.substring(0, colon);
            if (colon < 0 || !isToken(name)) {
                throw new BadRequest(400, "invalid_header", "Header line " + i + " is not \"Name: value\" with a"
                        + " token name: \"" + printable(h, 60) + "\"");
            }
            String value = h.substring(colon + 1).strip();
            for (int k = 0; k < value.length(); k++) {
                char c = value.charAt(k);
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    throw new BadRequest(400, "invalid_header", "Header " + name + " contains a control character"
                            + " (0x" + Integer.toHexString(c) + ") in its value");
                }
            }
            headers.add(name, value);
        }

        List<String> te = headers.get("Transfer-Encoding");
        List<String> cl = headers.get("Content-Length");
        boolean chunked = false;
        long length = 0;
        if (te != null) {
            String codings = String.join(",", te).trim().toLowerCase(Locale.ROOT);
            if (!codings.equals("chunked")) {
                throw new BadRequest(400, "invalid_header", "Transfer-Encoding \"" + printable(codings, 40)
                        + "\" is not supported; send chunked or a Content-Length");
            }
            if (cl != null) {
                throw new BadRequest(400, "invalid_header", "A request must not carry both Transfer-Encoding and"
                        + " Content-Length");
            }
            chunked = true;
        } else if (cl != null) {
            long seen = -1;
            for (String v : cl) {
                for (String one : v.split(",", -1)) {
                    String t = one.trim();
                    long n = -1;
                    if (!t.isEmpty() && t.length() <= 18 && t.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                        n = Long.parseLong(t);
                    }
                    if (n < 0 || (seen >= 0 && n != seen)) {
                        throw new BadRequest(400, "invalid_header", "Content-Length must be one whole number of bytes,"
                                + " got \"" + printable(String.join(", ", cl), 60) + "\"");
                    }
                    seen = n;
                }
            }
            length = seen;
        }
        String connection = String.join(",", headers.getOrDefault("Connection", List.of())).toLowerCase(Locale.ROOT);
        boolean keepAlive = protocol.equals("HTTP/1.1") ? !hasToken(connection, "close") : hasToken(connection, "keep-alive");
        String expect = headers.getFirst("Expect");
        boolean expectContinue = expect != null && expect.equalsIgnoreCase("100-continue") && protocol.equals("HTTP/1.1");
        return new Head(method, target, uri, protocol, headers, length, chunked, expectContinue, keepAlive);
    }

    private static boolean hasToken(String list, String token) {
        for (String t : list.split(",")) if (t.trim().equals(token)) return true;
        return false;
    }

    /**
     * The request target as a URI: an absolute path with an optional query, of visible ASCII only, every {@code %}
     * followed by two hex digits.
     */
    static URI target(String target) throws BadRequest {
        if (target.isEmpty() || target.charAt(0) != '/') {
            throw new BadRequest(400, "malformed_request", "The request target must be a path starting with /, got \""
                    + printable(target, 100) + "\"");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c >= 0x80) {
                throw new BadRequest(400, "malformed_request", "The request path or query contains raw non-ASCII bytes;"
                        + " percent-encode them as UTF-8 (e.g. é as %C3%A9)");
            }
            if (c <= 0x20 || c == 0x7f) {
                throw new BadRequest(400, "malformed_request", "The request path or query contains a control character"
                        + " (0x" + Integer.toHexString(c) + "); percent-encode it");
            }
            if (c == '%' && (i + 2 >= target.length() || Character.digit(target.charAt(i + 1), 16) < 0
                    || Character.digit(target.charAt(i + 2), 16) < 0)) {
                throw new BadRequest(400, "malformed_request", "The request path or query has a malformed percent-escape"
                        + " at \"" + printable(target.substring(i, Math.min(target.length(), i + 3)), 3)
                        + "\": % must be followed by two hex digits");
            }
        }
        try {
            return new URI(target);
        } catch (URISyntaxException e) {
            throw new BadRequest(400, "malformed_request", "The request target is not a valid URI path: "
                    + printable(e.getReason(), 100) + "; percent-encode characters such as \" < > \\ ^ ` { | }");
        }
    }

    /** {@code s} cut to {@code max} characters, with anything but visible ASCII shown as {@code ?}. */
    static String printable(String s, int max) {
        if (s == null) return "";
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 1);
        for (int i = 0; i < s.length() && i < max; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (s.length() > max) sb.append('…');
        return sb.toString();
    }

    // ---------------------------------------------------------------- responses

    private static final Map<Integer, String> REASONS = new HashMap<>();
    static {
        String[] r = {"100", "Continue", "200", "OK", "201", "Created", "202", "Accepted", "204", "No Content",
                      "301", "Moved Permanently", "302", "Found", "303", "See Other", "304", "Not Modified",
                      "307", "Temporary Redirect", "400", "Bad Request", "401", "Unauthorized", "403", "Forbidden",
                      "404", "Not Found", "405", "Method Not Allowed", "408", "Request Timeout", "409", "Conflict",
                      "410", "Gone", "413", "Content Too Large", "415", "Unsupported Media Type",
                      "422", "Unprocessable Content", "429", "Too Many Requests", "431", "Request Header Fields Too Large",
                      "500", "Internal Server Error", "501", "Not Implemented", "502", "Bad Gateway",
                      "503", "Service Unavailable", "504", "Gateway Timeout", "505", "HTTP Version Not Supported"};
        for (int i = 0; i < r.length; i += 2) REASONS.put(Integer.parseInt(r[i]), r[i + 1]);
    }

    private static String statusLine(int status) {
        return "HTTP/1.1 " + status + " " + REASONS.getOrDefault(status, "Status") + "\r\n";
    }

    /** A complete JSON error response that closes the connection. */
    static byte[] errorResponse(int status, String code, String detail, Map<String, String> extra) {
        ObjectNode body = Json.object();
        body.put("detail", detail);
        body.put("code", code);
        byte[] b = Json.write(body).getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(statusLine(status));
        head.append("Date: ").append(HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC))).append("\r\n");
        head.append("Content-Type: application/json\r\n");
        head.append("x-amzn-RequestId: ").append(UUID.randomUUID()).append("\r\n");
        extra.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("Connection: close\r\n");
        head.append("Content-Length: ").append(b.length).append("\r\n\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[h.length + b.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(b, 0, all, h.length, b.length);
        return all;
    }

    private static void writeQuietly(OutputStream out, byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            LOG.debug("client went away before its error response: {}", e.toString());
        }
    }

    // ---------------------------------------------------------------- bodies

    /** A request body over the connection's stream; never reads past the request. */
    private abstract static class BodyStream extends InputStream {
        private IoAction firstRead;

        void onFirstRead(IoAction a) {
            this.firstRead = a;
        }

        final void beforeRead() throws IOException {
            IoAction a = firstRead;
            if (a != null) {
                firstRead = null;
                a.run();
            }
        }

        /** Reads and discards what is left, up to {@code limit} bytes; true when the body ended within it. */
        boolean drain(long limit) throws IOException {
            byte[] sink = new byte[8192];
            long left = limit;
            while (left > 0) {
                int n = read(sink, 0, (int) Math.min(sink.length, left));
                if (n < 0) return true;
                left -= n;
            }
            return read() < 0;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    private static final class FixedBody extends BodyStream {
        private final InputStream in;
        private long left;

        FixedBody(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            beforeRead();
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) throw new IOException("the client closed the connection inside the body");
            left -= n;
            return n;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(left, in.available());
        }
    }

    /** Chunked transfer coding (RFC 9112 7.1), trailers read and dropped. */
    private static final class ChunkedBody extends BodyStream {
        private final InputStream in;
        private long chunkLeft;
        private boolean done;

        ChunkedBody(InputStream in) {
            this.in = in;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) return -1;
            beforeRead();
            if (chunkLeft == 0) {
                long size = chunkSize();
                if (size == 0) {
                    while (!line().isEmpty()) { /* trailer fields: dropped */ }
                    done = true;
                    return -1;
                }
                chunkLeft = size;
            }
            int n = in.read(b, off, (int) Math.min(len, chunkLeft));
            if (n < 0) throw new IOException("the client closed the connection inside a chunk");
            chunkLeft -= n;
            if (chunkLeft == 0 && !line().isEmpty()) throw new IOException("a chunk is not followed by CRLF");
            return n;
        }

        private long chunkSize() throws IOException {
            String l = line();
            int semi = l.indexOf(';');
            String hex = (semi < 0 ? l : l.substring(0, semi)).trim();
            if (hex.isEmpty() || hex.length() > 15) throw new IOException("bad chunk size line");
            try {
                return Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size line", e);
            }
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                int c = in.read();
                if (c < 0) throw new IOException("the client closed the connection inside the chunked body");
                if (c == '\r') {
                    if (in.read() != '\n') throw new IOException("bare CR in the chunked body framing");
                    return sb.toString();
                }
                if (sb.length() > 4096) throw new IOException("chunk framing line too long");
                sb.append((char) c);
            }
        }
    }

    // ---------------------------------------------------------------- the exchange

    /** The {@link HttpExchange} a handler sees; the response is written with a Content-Length. */
    private static final class Exchange extends HttpExchange {
        private final Head head;
        private final BodyStream body;
        private final OutputStream out;
        private final Socket socket;
        private final Headers responseHeaders = new Headers();
        private final Map<String, Object> attributes = new HashMap<>();
        private InputStream requestStream;
        private OutputStream responseStream;
        private int status = -1;
        volatile boolean responseStarted;
        boolean closeAfter;
        private boolean finished;

        Exchange(Head head, BodyStream body, OutputStream out, Socket socket) {
            this.head = head;
            this.body = body;
            this.out = out;
            this.socket = socket;
            this.requestStream = body;
        }

        @Override
        public Headers getRequestHeaders() {
            return head.headers();
        }

        @Override
        public Headers getResponseHeaders() {
            return responseHeaders;
        }

        @Override
        public URI getRequestURI() {
            return head.uri();
        }

        @Override
        public String getRequestMethod() {
            return head.method();
        }

        @Override
        public HttpContext getHttpContext() {
            return null;
        }

        @Override
        public void close() {
            try {
                if (status < 0) sendResponseHeaders(500, -1);
                if (responseStream != null) responseStream.close();
            } catch (IOException e) {
                closeAfter = true;
            }
        }

        @Override
        public InputStream getRequestBody() {
            return requestStream;
        }

        @Override
        public OutputStream getResponseBody() {
            if (responseStream == null) responseStream = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (status < 0) throw new IOException("sendResponseHeaders was not called");
                    if (head.method().equals("HEAD")) return;
                    out.write(b, off, len);
                }

                @Override
                public void flush() throws IOException {
                    out.flush();
                }

                @Override
                public void close() throws IOException {
                    out.flush();
                }
            };
            return responseStream;
        }

        /**
         * Writes the status line and headers. {@code length} &gt; 0: a body of exactly that many bytes follows;
         * -1: no body. 0 (length unknown) is not supported by this front: every response's length is known.
         */
        @Override
        public void sendResponseHeaders(int code, long length) throws IOException {
            if (status >= 0) throw new IOException("headers already sent");
            if (length == 0) throw new IOException("a response of unknown length is not supported");
            status = code;
            responseStarted = true;
            String conn = responseHeaders.getFirst("Connection");
            if (conn != null && conn.equalsIgnoreCase("close")) closeAfter = true;
            if (!head.keepAlive()) closeAfter = true;
            StringBuilder sb = new StringBuilder(256).append(statusLine(code));
            sb.append("Date: ").append(HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC))).append("\r\n");
            for (Map.Entry<String, List<String>> h : responseHeaders.entrySet()) {
                String name = h.getKey();
                String lower = name.toLowerCase(Locale.ROOT);
                if (lower.equals("content-length") || lower.equals("connection") || lower.equals("transfer-encoding")
                        || lower.equals("date")) continue;
                for (String v : h.getValue()) {
                    if (v == null) continue;
                    sb.append(name).append(": ").append(headerValue(v)).append("\r\n");
                }
            }
            if (closeAfter) sb.append("Connection: close\r\n");
            if (code >= 200 && code != 204 && code != 304) {
                sb.append("Content-Length: ").append(length < 0 ? 0 : length).append("\r\n");
            }
            sb.append("\r\n");
            out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (length < 0) out.flush();
        }

        /** After the handler: the response is complete and flushed. */
        void finish() throws IOException {
            if (finished) return;
            finished = true;
            if (status < 0) {
                sendResponseHeaders(500, -1);
                closeAfter = true;
            }
            out.flush();
        }

        @Override
        public InetSocketAddress getRemoteAddress() {
            return (InetSocketAddress) socket.getRemoteSocketAddress();
        }

        @Override
        public int getResponseCode() {
            return status;
        }

        @Override
        public InetSocketAddress getLocalAddress() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public String getProtocol() {
            return head.protocol();
        }

        @Override
        public Object getAttribute(String name) {
            return attributes.get(name);
        }

        @Override
        public void setAttribute(String name, Object value) {
            attributes.put(name, value);
        }

        @Override
        public void setStreams(InputStream i, OutputStream o) {
            if (i != null) requestStream = i;
            if (o != null) responseStream = o;
        }

        @Override
        public HttpPrincipal getPrincipal() {
            return null;
        }
    }

    /** A response header value with CR, LF and other controls replaced: a handler can never split the response. */
    private static String headerValue(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                StringBuilder sb = new StringBuilder(v.length());
                for (int k = 0; k < v.length(); k++) {
                    char d = v.charAt(k);
                    sb.append((d < 0x20 && d != '\t') || d == 0x7f || d > 0xff ? ' ' : d);
                }
                return sb.toString();
            }
        }
        return v;
    }
}

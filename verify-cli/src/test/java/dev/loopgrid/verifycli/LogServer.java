package dev.loopgrid.verifycli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * The log routes of the LoopGrid API ({@code /v1/log/checkpoint}, {@code /v1/log/consistency}, {@code /v1/log/tile/…},
 * {@code /v1/log/key}) over a JDK HttpServer on 127.0.0.1, serving a {@link TestLog} at a published size — and
 * whatever a test makes it lie about.
 */
final class LogServer implements AutoCloseable {
    private final HttpServer server;
    volatile TestLog log;
    volatile long size;
    /** When set, served instead of the log's checkpoint. */
    volatile String checkpointOverride;
    /** Applied to every consistency proof served. */
    volatile UnaryOperator<String> consistencyTamper = UnaryOperator.identity();
    /** Tiles served instead of the log's, by path. */
    final Map<String, byte[]> tileOverrides = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    volatile String requiredKey;
    /** When set, tiles are answered with a redirect to /blob/&lt;tile path&gt; (served without the key, like a presigned link). */
    volatile boolean redirectTiles;
    /** Authorization headers that came with /blob/ requests. */
    final List<String> blobAuthorizations = new CopyOnWriteArrayList<>();

    LogServer(TestLog log, long size) throws IOException {
        this.log = log;
        this.size = size;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            URI uri = x.getRequestURI();
            requests.add(uri.toString());
            if (uri.getPath().startsWith("/blob/")) {
                String auth = x.getRequestHeaders().getFirst("Authorization");
                if (auth != null) blobAuthorizations.add(auth);
                byte[] b = log.tiles(size).get(uri.getPath().substring("/blob/".length()));
                x.getResponseHeaders().set("Content-Type", "application/octet-stream");
                x.sendResponseHeaders(b == null ? 404 : 200, b == null ? -1 : b.length);
                if (b != null) x.getResponseBody().write(b);
                return;
            }
            if (requiredKey != null && !("Bearer " + requiredKey).equals(x.getRequestHeaders().getFirst("Authorization"))) {
                send(x, 401, "application/json", "{\"code\":\"unauthorized\",\"detail\":\"API key required\"}");
                return;
            }
            String path = uri.getPath();
            TestLog l = log;
            long s = size;
            if (path.equals("/v1/log/checkpoint")) {
                if (s == 0 && checkpointOverride == null) {
                    send(x, 404, "application/json", "{\"code\":\"not_found\",\"detail\":\"no checkpoint yet\"}");
                } else {
                    send(x, 200, "text/plain; charset=utf-8", checkpointOverride != null ? checkpointOverride : l.checkpoint(s));
                }
            } else if (path.equals("/v1/log/key")) {
                send(x, 200, "text/plain; charset=utf-8", l.signer.verifier().vkey() + "\n");
            } else if (path.equals("/v1/log/consistency")) {
                Map<String, String> q = query(uri.getRawQuery());
                long from = Long.parseLong(q.getOrDefault("from", "0"));
                long to = Long.parseLong(q.getOrDefault("to", "0"));
                if (from < 1 || to < from || to > s) {
                    send(x, 400, "application/json", "{\"code\":\"invalid_sizes\",\"detail\":\"bad sizes\"}");
                } else {
                    send(x, 200, "application/json", consistencyTamper.apply(l.consistency(from, to).toString()));
                }
            } else if (path.startsWith("/v1/log/tile/")) {
                String tile = path.substring("/v1/log/".length());
                if (redirectTiles) {
                    x.getResponseHeaders().set("Location", "/blob/" + tile);
                    x.sendResponseHeaders(302, -1);
                    return;
                }
                byte[] b = tileOverrides.containsKey(tile) ? tileOverrides.get(tile) : l.tiles(s).get(tile);
                if (b == null) {
                    send(x, 404, "application/json", "{\"code\":\"not_found\",\"detail\":\"no tile " + tile + "\"}");
                } else {
                    x.getResponseHeaders().set("Content-Type", "application/octet-stream");
                    x.sendResponseHeaders(200, b.length);
                    x.getResponseBody().write(b);
                }
            } else {
                send(x, 404, "application/json", "{\"code\":\"not_found\",\"detail\":\"no route\"}");
            }
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new java.util.HashMap<>();
        if (raw == null) return out;
        for (String p : raw.split("&")) {
            int eq = p.indexOf('=');
            if (eq > 0) out.put(p.substring(0, eq), p.substring(eq + 1));
        }
        return out;
    }

    private static void send(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

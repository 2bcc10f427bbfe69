package dev.loopgrid.local.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The few LoopGrid calls the benches make, over one shared JDK HTTP/1.1 client (keep-alive connections). */
final class Api {

    /** A response, or a transport failure ({@code status} 0 and {@code error} set). */
    record Reply(int status, String body, String error) {
        boolean ok(int expected) { return status == expected; }

        /** What the error table counts this under: the status, or the exception's class. */
        String errorKey() {
            return status == 0 ? "io:" + error : Integer.toString(status);
        }
    }

    private final URI base;
    private final HttpClient http;
    private final Duration timeout;
    private final String apiKey;

    Api(URI base, Duration timeout, String apiKey) {
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.timeout = timeout;
        this.apiKey = apiKey;
        // HTTP/1.1 explicitly: with HTTP_2 the JDK client would try an h2c upgrade on every new connection.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    URI base() { return base; }

    Reply postDecision(String body) {
        return send(request("/v1/decisions")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
    }

    /** POST of a JSON body to any path. */
    Reply post(String pathAndQuery, String body) {
        return send(request(pathAndQuery)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
    }

    /** POST of a binary body (e.g. OTLP protobuf), optionally with a Content-Encoding. */
    Reply postBytes(String pathAndQuery, byte[] body, String contentType, String contentEncoding) {
        HttpRequest.Builder b = request(pathAndQuery).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentEncoding != null) b.header("Content-Encoding", contentEncoding);
        return send(b);
    }

    Reply get(String pathAndQuery) {
        return send(request(pathAndQuery).GET());
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(timeout)
                .header("Accept", "application/json");
        if (apiKey != null) b.header("X-Api-Key", apiKey);
        return b;
    }

    private Reply send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Reply(r.statusCode(), r.body(), null);
        } catch (IOException e) {
            return new Reply(0, null, e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(0, null, "interrupted");
        }
    }
}

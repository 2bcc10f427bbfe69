package dev.loopgrid.verifycli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** Reads a LoopGrid log over HTTP: {@code /v1/log/checkpoint}, {@code /v1/log/consistency}, {@code /v1/log/tile/…}. */
final class LogClient {
    private final String baseUrl;
    private final String apiKey;
    private final Duration timeout;
    private final HttpClient http;

    LogClient(String baseUrl, String apiKey, Duration connectTimeout, Duration timeout) throws CliException {
        String url = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--url is not a URL: " + baseUrl);
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
            throw CliException.usage("--url must be an http(s) URL, got \"" + baseUrl + "\"");
        }
        this.baseUrl = url;
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The latest signed checkpoint, or empty when the log has none yet (404). */
    Optional<byte[]> checkpoint() throws CliException {
        return get("/v1/log/checkpoint", true);
    }

    /** The consistency proof JSON between two sizes. */
    byte[] consistency(long from, long to) throws CliException {
        return get("/v1/log/consistency?from=" + from + "&to=" + to, false).orElseThrow();
    }

    /** A tile or entry bundle by its C2SP path ({@code tile/…}). */
    byte[] tile(String path) throws CliException {
        return get("/v1/log/" + path, false).orElseThrow();
    }

    private Optional<byte[]> get(String path, boolean notFoundIsEmpty) throws CliException {
        URI uri = URI.create(baseUrl + path);
        HttpResponse<byte[]> r = send(uri, path, true);
        for (int hops = 0; hops < 3 && isRedirect(r.statusCode()); hops++) {
            // a tile served from elsewhere (a presigned link): followed without the API key, which is not for that host
            String location = r.headers().firstValue("Location").orElse(null);
            if (location == null) break;
            uri = uri.resolve(location);
            r = send(uri, path, false);
        }
        int status = r.statusCode();
        if (status == 404 && notFoundIsEmpty) return Optional.empty();
        if (status != 200) {
            String body = new String(r.body(), StandardCharsets.UTF_8).strip();
            if (body.length() > 300) body = body.substring(0, 300) + "…";
            String hint = status == 401 || status == 403 ? " (pass an API key with read permission: --api-key)" : "";
            throw CliException.usage("GET " + path + " answered HTTP " + status + hint + (body.isEmpty() ? "" : ": " + body));
        }
        return Optional.of(r.body());
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private HttpResponse<byte[]> send(URI uri, String path, boolean withKey) throws CliException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).GET().header("User-Agent", "loopgrid-verify");
        if (apiKey != null && withKey) b.header("Authorization", "Bearer " + apiKey);
        HttpResponse<byte[]> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpConnectTimeoutException e) {
            throw CliException.usage("cannot connect to " + baseUrl + ": connection timed out");
        } catch (HttpTimeoutException e) {
            throw CliException.usage("GET " + path + " timed out after " + timeout.toSeconds() + " s");
        } catch (ConnectException e) {
            throw CliException.usage("cannot connect to " + baseUrl + " (is the server running?): " + e);
        } catch (IOException e) {
            throw CliException.usage("GET " + path + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.usage("interrupted");
        }
        return r;
    }
}

package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** A small JSON client over {@link HttpClient} for the tests; every response is checked for the API's rules. */
final class HttpTestClient {
    /** One response; {@code json} is null when the body is empty. */
    record Resp(int status, HttpHeaders headers, String body, JsonNode json) {
        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        /** Asserts an error: status, a non-blank string {@code detail}, and the {@code code}. */
        JsonNode error(int expectedStatus, String expectedCode) {
            assertEquals(expectedStatus, status, body);
            assertTrue(json != null && json.path("detail").isTextual() && !json.get("detail").asText().isBlank(), body);
            assertEquals(expectedCode, json.path("code").asText(), body);
            return json;
        }

        JsonNode ok(int expectedStatus) {
            assertEquals(expectedStatus, status, body);
            return json;
        }

        List<String> errorFields() {
            return json.path("errors").findValuesAsText("field");
        }
    }

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String base;
    /** Whether a 5xx fails the test right away (everything except the deliberate internal-error routes). */
    private final boolean forbid5xx;

    HttpTestClient(String base, boolean forbid5xx) {
        this.base = base;
        this.forbid5xx = forbid5xx;
    }

    HttpTestClient(String base) {
        this(base, true);
    }

    Resp get(String path) {
        return send("GET", path, HttpRequest.BodyPublishers.noBody(), null);
    }

    Resp post(String path, String json) {
        return send("POST", path, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8), json == null ? null : "application/json");
    }

    Resp post(String path, String json, String... headers) {
        return send("POST", path, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8), "application/json", headers);
    }

    Resp send(String method, String path, HttpRequest.BodyPublisher body, String contentType, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body);
        if (contentType != null) b.header("Content-Type", contentType);
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return check(r);
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private Resp check(HttpResponse<String> r) {
        String text = r.body();
        if (forbid5xx) assertTrue(r.statusCode() < 500, () -> "5xx for " + r.request().uri() + ": " + r.statusCode() + " " + text);
        JsonNode json = null;
        if (text != null && !text.isEmpty()) {
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                    () -> "not JSON: " + r.headers());
            json = Json.parseStored(text);
        }
        if (r.statusCode() >= 400) {
            JsonNode j = json;
            assertTrue(j != null && j.path("detail").isTextual(), () -> "error without string detail: " + text);
            assertFalse(text.contains("\tat ") || text.contains("Exception"), () -> "stack trace leaked: " + text);
        }
        return new Resp(r.statusCode(), r.headers(), text, json);
    }
}

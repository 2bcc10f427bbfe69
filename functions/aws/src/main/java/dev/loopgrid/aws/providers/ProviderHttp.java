package dev.loopgrid.aws.providers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.replay.ProviderException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP plumbing shared by the JSON providers (OpenAI, Anthropic): one {@link HttpClient} per process, a
 * total time budget per call, bounded retries honouring {@code Retry-After}, and the classification of
 * failures into {@link ProviderException}s.
 *
 * <ul>
 *   <li>The total timeout is the budget of one {@link #postJson} call, retries and waits included; each attempt
 *       gets what is left of it, and no retry starts that could not finish inside it.</li>
 *   <li>429, 408 and 5xx answers, timeouts and connection errors are retryable: retried here up to
 *       {@code maxRetries} times, then reported as retryable so the queue retries later.</li>
 *   <li>{@code Retry-After} (delta-seconds or HTTP date; OpenAI's {@code retry-after-ms} too) is honoured: the
 *       call waits that long before retrying. A server asking for more than {@code maxRetryWait} is not retried
 *       here (the wait would be cut short or hold the worker too long): the retryable failure goes back to the
 *       queue at once. Without the header the wait is an exponential backoff with jitter.</li>
 *   <li>Other 4xx are not retryable; the message has the status and the provider's error message.</li>
 *   <li>A 2xx whose body is not a JSON object is a non-retryable "malformed response".</li>
 * </ul>
 * Messages never contain the API key: error bodies are scrubbed of it (and of anything shaped like a key).
 */
public final class ProviderHttp {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderHttp.class);

    /** Anything shaped like an OpenAI or Anthropic secret key ("sk-…", "sk-ant-…"). */
    private static final Pattern KEY_SHAPE = Pattern.compile("sk-[A-Za-z0-9_\\-]{6,}");
    private static final int MAX_DETAIL = 300;
    private static final long BACKOFF_BASE_MS = 250;
    private static final long BACKOFF_MAX_MS = 4_000;
    /** Extra time granted on top of the request timeout before the pending exchange is abandoned. */
    private static final long GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    /** One client per connect timeout, in practice one per process. */
    private static final ConcurrentMap<Duration, HttpClient> CLIENTS = new ConcurrentHashMap<>();

    /**
     * Timeouts and retries.
     *
     * @param connectTimeout TCP/TLS connect timeout
     * @param totalTimeout   budget of one provider call, retries and waits included
     * @param maxRetries     retries after the first attempt (0 = one attempt)
     * @param maxRetryWait   the longest {@code Retry-After} honoured in-process
     */
    public record Settings(Duration connectTimeout, Duration totalTimeout, int maxRetries, Duration maxRetryWait) {
        public static final Settings DEFAULTS =
                new Settings(Duration.ofSeconds(5), Duration.ofSeconds(60), 2, Duration.ofSeconds(20));

        public Settings {
            if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("connect timeout must be positive");
            }
            if (totalTimeout == null || totalTimeout.isNegative() || totalTimeout.isZero()) {
                throw new IllegalArgumentException("total timeout must be positive");
            }
            if (maxRetries < 0 || maxRetries > 10) {
                throw new IllegalArgumentException("max retries must be between 0 and 10");
            }
            if (maxRetryWait == null || maxRetryWait.isNegative()) {
                throw new IllegalArgumentException("max retry wait must not be negative");
            }
        }

        public Settings withTotalTimeout(Duration d) { return new Settings(connectTimeout, d, maxRetries, maxRetryWait); }

        public Settings withConnectTimeout(Duration d) { return new Settings(d, totalTimeout, maxRetries, maxRetryWait); }

        public Settings withMaxRetries(int n) { return new Settings(connectTimeout, totalTimeout, n, maxRetryWait); }

        public Settings withMaxRetryWait(Duration d) { return new Settings(connectTimeout, totalTimeout, maxRetries, d); }
    }

    /** A successful (2xx) answer. @param latencyMs time of the successful attempt, request sent to body read */
    public record Response(int status, JsonNode body, long latencyMs) {}

    private final String provider;
    private final Settings settings;
    private final HttpClient client;

    /** @param provider the name used in messages, e.g. {@code openai} */
    public ProviderHttp(String provider, Settings settings) {
        this.provider = provider;
        this.settings = settings;
        this.client = sharedClient(settings.connectTimeout());
    }

    public Settings settings() { return settings; }

    static HttpClient sharedClient(Duration connectTimeout) {
        return CLIENTS.computeIfAbsent(connectTimeout, t -> HttpClient.newBuilder()
                .connectTimeout(t)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build());
    }

    /**
     * POSTs {@code body} as JSON and returns the parsed 2xx answer, retrying transient failures.
     *
     * @param key the API key sent in {@code headers}, scrubbed from every message (may be null)
     * @throws ProviderException when the call fails for good or the budget is spent
     */
    public Response postJson(URI uri, Map<String, String> headers, JsonNode body, ApiKey key) {
        byte[] payload = Json.write(body).getBytes(StandardCharsets.UTF_8);
        long start = System.nanoTime();
        long deadline = start + settings.totalTimeout().toNanos();
        ProviderException last = null;
        for (int attempt = 1; ; attempt++) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw last != null ? last : timeout(start, null);
            }
            HttpRequest.Builder rb = HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofNanos(remaining))
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(payload));
            if ("http".equalsIgnoreCase(uri.getScheme())) rb.version(HttpClient.Version.HTTP_1_1); // no h2c upgrade
            headers.forEach(rb::header);
            long t0 = System.nanoTime();
            HttpResponse<String> resp;
            try {
                resp = send(rb.build(), remaining);
            } catch (ProviderException e) {
                last = e;
                if (!e.retryable() || attempt > settings.maxRetries()) throw e;
                if (!sleepBeforeRetry(attempt, backoffMillis(attempt), deadline, e)) throw e;
                continue;
            }
            long latencyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            int status = resp.statusCode();
            if (status >= 200 && status < 300) {
                return new Response(status, parseBody(resp.body(), status), latencyMs);
            }
            boolean retryable = status == 408 || status == 429 || status >= 500;
            ProviderException failure = new ProviderException(
                    provider + ": HTTP " + status + errorDetail(resp.body(), key), retryable, status, null);
            last = failure;
            if (!retryable || attempt > settings.maxRetries()) throw failure;
            OptionalLong asked = retryAfterMillis(resp.headers(), Instant.now());
            if (asked.isPresent() && asked.getAsLong() > settings.maxRetryWait().toMillis()) {
                throw new ProviderException(failure.getMessage() + " (server asked to retry after "
                        + asked.getAsLong() + " ms, more than the " + settings.maxRetryWait().toMillis()
                        + " ms this call may wait)", true, status, null);
            }
            long wait = asked.isPresent() ? asked.getAsLong() : backoffMillis(attempt);
            if (!sleepBeforeRetry(attempt, wait, deadline, failure)) throw failure;
        }
    }

    private HttpResponse<String> send(HttpRequest request, long remainingNanos) {
        CompletableFuture<HttpResponse<String>> f =
                client.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        long start = System.nanoTime();
        try {
            // the request timeout covers the wait for the headers; this bound covers the body as well
            return f.get(remainingNanos + GRACE_NANOS, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw timeout(start, e);
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new ProviderException(provider + ": interrupted while waiting for the response", true, 0, e);
        } catch (CancellationException e) {
            throw new ProviderException(provider + ": request cancelled", true, 0, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof HttpConnectTimeoutException) {
                throw new ProviderException(provider + ": could not connect within "
                        + settings.connectTimeout().toMillis() + " ms", true, 0, cause);
            }
            if (cause instanceof HttpTimeoutException) {
                throw timeout(start, cause);
            }
            if (cause instanceof IOException) {
                throw new ProviderException(provider + ": connection failed: " + describe(cause), true, 0, cause);
            }
            throw new ProviderException(provider + ": request failed: " + describe(cause), false, 0, cause);
        }
    }

    private ProviderException timeout(long startNanos, Throwable cause) {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        return new ProviderException(provider + ": timed out after " + ms + " ms (total timeout "
                + settings.totalTimeout().toMillis() + " ms)", true, 0, cause);
    }

    /** @return false when waiting would run past the budget (the caller then gives up) */
    private boolean sleepBeforeRetry(int attempt, long waitMs, long deadline, ProviderException failure) {
        long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (waitMs >= remainingMs) {
            LOG.warn("{}: attempt {} failed ({}); no retry: waiting {} ms would exceed the {} ms left of the budget",
                    provider, attempt, failure.getMessage(), waitMs, remainingMs);
            return false;
        }
        LOG.warn("{}: attempt {} of {} failed ({}); retrying in {} ms", provider, attempt,
                settings.maxRetries() + 1, failure.getMessage(), waitMs);
        try {
            Thread.sleep(waitMs);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static long backoffMillis(int attempt) {
        long cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS << Math.min(attempt - 1, 10));
        return cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
    }

    private JsonNode parseBody(String body, int status) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body == null ? "" : body);
        } catch (IOException | RuntimeException e) {
            throw malformed("body is not JSON", status);
        }
        if (node == null || !node.isObject()) throw malformed("body is not a JSON object", status);
        return node;
    }

    /** A non-retryable failure for a 2xx answer that cannot be understood. */
    public ProviderException malformed(String what, int status) {
        return new ProviderException(provider + ": malformed response (HTTP " + status + "): " + what, false, status,
                null);
    }

    /**
     * The provider's error message, from OpenAI's {@code {"error":{"message","type","code"}}} or Anthropic's
     * {@code {"type":"error","error":{"type","message"}}}, else the start of the body; scrubbed of keys.
     */
    static String errorDetail(String body, ApiKey key) {
        if (body == null || body.isBlank()) return "";
        String detail;
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            JsonNode err = n.path("error");
            if (err.isObject()) {
                String type = err.path("type").asText(err.path("code").asText(""));
                detail = err.path("message").asText("");
                if (!type.isEmpty()) detail = detail.isEmpty() ? type : detail + " (" + type + ")";
            } else if (err.isTextual()) {
                detail = err.textValue();
            } else if (n.path("message").isTextual()) {
                detail = n.get("message").textValue();
            } else {
                detail = body;
            }
        } catch (IOException | RuntimeException e) {
            detail = body;
        }
        detail = scrub(detail.replaceAll("\\s+", " ").strip(), key);
        if (detail.length() > MAX_DETAIL) detail = detail.substring(0, MAX_DETAIL) + "…";
        return detail.isEmpty() ? "" : ": " + detail;
    }

    static String scrub(String text, ApiKey key) {
        if (text == null) return null;
        String s = key == null ? text : key.redact(text);
        return KEY_SHAPE.matcher(s).replaceAll("sk-[redacted]");
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : " " + scrub(m, null));
    }

    /** The wait a 429/503 asks for: {@code retry-after-ms}, else {@code Retry-After} (seconds or HTTP date). */
    static OptionalLong retryAfterMillis(HttpHeaders headers, Instant now) {
        var ms = headers.firstValue("retry-after-ms");
        if (ms.isPresent()) {
            try {
                double v = Double.parseDouble(ms.get().strip());
                if (v >= 0 && Double.isFinite(v)) return OptionalLong.of((long) Math.ceil(v));
            } catch (NumberFormatException ignored) {
                // fall through to Retry-After
            }
        }
        return headers.firstValue("retry-after").map(v -> parseRetryAfter(v, now)).orElse(OptionalLong.empty());
    }

    /** Parses a {@code Retry-After} value: delta-seconds (decimals tolerated) or an HTTP date. */
    static OptionalLong parseRetryAfter(String value, Instant now) {
        if (value == null) return OptionalLong.empty();
        String v = value.strip();
        if (v.isEmpty()) return OptionalLong.empty();
        if (v.matches("\\d+(\\.\\d+)?")) {
            double seconds = Double.parseDouble(v);
            return OptionalLong.of((long) Math.ceil(seconds * 1000));
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return OptionalLong.of(Math.max(0, Duration.between(now, at).toMillis()));
        } catch (DateTimeParseException e) {
            return OptionalLong.empty();
        }
    }
}

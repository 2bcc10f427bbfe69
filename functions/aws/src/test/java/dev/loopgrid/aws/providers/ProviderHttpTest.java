package dev.loopgrid.aws.providers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ProviderHttpTest {
    private static final Instant NOW = Instant.parse("2025-05-23T10:00:00Z");

    @Test
    void retryAfterSeconds() {
        assertEquals(OptionalLong.of(1_000), ProviderHttp.parseRetryAfter("1", NOW));
        assertEquals(OptionalLong.of(0), ProviderHttp.parseRetryAfter("0", NOW));
        assertEquals(OptionalLong.of(1_500), ProviderHttp.parseRetryAfter(" 1.5 ", NOW));
        assertEquals(OptionalLong.of(120_000), ProviderHttp.parseRetryAfter("120", NOW));
    }

    @Test
    void retryAfterHttpDate() {
        assertEquals(OptionalLong.of(7_000), ProviderHttp.parseRetryAfter("Fri, 23 May 2025 10:00:07 GMT", NOW));
        assertEquals(OptionalLong.of(0), ProviderHttp.parseRetryAfter("Fri, 23 May 2025 09:59:00 GMT", NOW),
                "a date in the past means now");
    }

    @Test
    void retryAfterGarbageIsIgnored() {
        assertEquals(OptionalLong.empty(), ProviderHttp.parseRetryAfter("soon", NOW));
        assertEquals(OptionalLong.empty(), ProviderHttp.parseRetryAfter("-3", NOW));
        assertEquals(OptionalLong.empty(), ProviderHttp.parseRetryAfter("", NOW));
    }

    @Test
    void retryAfterMsWinsOverRetryAfter() {
        HttpHeaders h = HttpHeaders.of(Map.of("retry-after-ms", List.of("250"), "Retry-After", List.of("3")),
                (a, b) -> true);
        assertEquals(OptionalLong.of(250), ProviderHttp.retryAfterMillis(h, NOW));
        HttpHeaders only = HttpHeaders.of(Map.of("Retry-After", List.of("3")), (a, b) -> true);
        assertEquals(OptionalLong.of(3_000), ProviderHttp.retryAfterMillis(only, NOW));
    }

    @Test
    void errorDetailReadsBothErrorShapesAndScrubsKeys() {
        ApiKey key = ApiKey.of("sk-proj-abcdef1234567890");
        assertEquals(": Bad temperature (invalid_request_error)", ProviderHttp.errorDetail(
                "{\"error\":{\"message\":\"Bad temperature\",\"type\":\"invalid_request_error\"}}", key));
        assertEquals(": Overloaded (overloaded_error)", ProviderHttp.errorDetail(
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}", key));
        assertEquals(": <html> 502 Bad Gateway </html>", ProviderHttp.errorDetail("<html>\n 502 Bad Gateway\n</html>", key));
        assertEquals("", ProviderHttp.errorDetail("", key));
        String scrubbed = ProviderHttp.errorDetail(
                "{\"error\":{\"message\":\"Incorrect API key provided: sk-proj-abcdef1234567890\"}}", key);
        assertFalse(scrubbed.contains("abcdef1234567890"), scrubbed);
        String otherKey = ProviderHttp.errorDetail("{\"error\":{\"message\":\"key sk-ant-api03-zzzzzzzzzz is bad\"}}", key);
        assertFalse(otherKey.contains("zzzzzzzzzz"), otherKey);
        assertTrue(ProviderHttp.errorDetail("x".repeat(1_000), key).length() < 320);
    }

    @Test
    void settingsAreValidated() {
        ProviderHttp.Settings d = ProviderHttp.Settings.DEFAULTS;
        assertThrows(IllegalArgumentException.class, () -> d.withTotalTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> d.withMaxRetries(-1));
        assertThrows(IllegalArgumentException.class, () -> d.withConnectTimeout(Duration.ofSeconds(-1)));
    }

    @Test
    void oneClientPerConnectTimeout() {
        assertTrue(ProviderHttp.sharedClient(Duration.ofSeconds(5)) == ProviderHttp.sharedClient(Duration.ofSeconds(5)));
    }

    @Test
    void apiKeyNeverPrints() {
        ApiKey k = ApiKey.of("sk-live-0123456789");
        assertEquals("ApiKey[***]", k.toString());
        assertEquals("ApiKey[***]", String.valueOf(k));
        assertEquals(null, ApiKey.ofNullable("   "));
    }
}

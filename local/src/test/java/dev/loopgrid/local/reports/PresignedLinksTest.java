package dev.loopgrid.local.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.core.report.ReportStore;
import dev.loopgrid.local.EmbeddedS3;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Presigned report links against S3Proxy, which checks SigV4 as S3 does: a plain HTTP client (no credentials,
 * no SDK) downloads the stored report; a changed signature is refused; an expired link is refused.
 */
class PresignedLinksTest {
    static EmbeddedS3 s3;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        s3 = EmbeddedS3.start(null, EmbeddedS3.DEFAULT_BUCKET);
    }

    @AfterAll
    static void stop() {
        if (s3 != null) s3.close();
    }

    static HttpResponse<String> fetch(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    @Test
    void presignedLink_fetchedWithAPlainClient_returnsTheStoredReport() throws Exception {
        ReportStore store = s3.reportStore(Duration.ofMinutes(15), Clock.systemUTC());
        String body = "{\"report_id\":\"rpt_x\",\"note\":\"Zürich ✓\"}";
        store.put("reports/rpt_plain.json", body.getBytes(StandardCharsets.UTF_8), "application/json");
        ReportStore.PresignedLink link = store.presignGet("reports/rpt_plain.json", null);
        assertTrue(link.url().startsWith("http://127.0.0.1:" + s3.endpoint().getPort() + "/"), link.url());
        assertTrue(link.url().contains("X-Amz-Signature="), link.url());
        long ttl = Instant.parse(link.expiresAt()).getEpochSecond() - Instant.now().getEpochSecond();
        assertTrue(ttl > 14 * 60 && ttl <= 15 * 60, "expires in 15 minutes: " + link.expiresAt());
        HttpResponse<String> r = fetch(link.url());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(body, r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
    }

    @Test
    void downloadName_makesTheLinkAnAttachment() throws Exception {
        ReportStore store = s3.reportStore(Duration.ofMinutes(15), Clock.systemUTC());
        store.put("reports/exports/x.csv", "a,b\r\n".getBytes(StandardCharsets.UTF_8), "text/csv; charset=utf-8");
        HttpResponse<String> r = fetch(store.presignGet("reports/exports/x.csv", "loopgrid-decisions.csv").url());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("attachment; filename=\"loopgrid-decisions.csv\"",
                r.headers().firstValue("Content-Disposition").orElse(""));
    }

    @Test
    void tamperedSignature_isRefused() throws Exception {
        ReportStore store = s3.reportStore(Duration.ofMinutes(15), Clock.systemUTC());
        store.put("reports/rpt_tamper.json", "{}".getBytes(StandardCharsets.UTF_8), "application/json");
        String url = store.presignGet("reports/rpt_tamper.json", null).url();
        int at = url.indexOf("X-Amz-Signature=") + "X-Amz-Signature=".length();
        char c = url.charAt(at);
        String tampered = url.substring(0, at) + (c == 'a' ? 'b' : 'a') + url.substring(at + 1);
        assertEquals(403, fetch(tampered).statusCode());
        String otherKey = url.replace("rpt_tamper.json", "rpt_plain.json");
        assertEquals(403, fetch(otherKey).statusCode(), "a link is only good for its own object");
        assertEquals(403, fetch(url.substring(0, url.indexOf('?'))).statusCode(), "no signature, no object");
    }

    @Test
    void expiredLink_isRefused() throws Exception {
        ReportStore store = s3.reportStore(Duration.ofSeconds(1), Clock.systemUTC());
        store.put("reports/rpt_expiring.json", "{}".getBytes(StandardCharsets.UTF_8), "application/json");
        String url = store.presignGet("reports/rpt_expiring.json", null).url();
        assertEquals(200, fetch(url).statusCode(), "valid at first");
        Thread.sleep(2_100);
        HttpResponse<String> late = fetch(url);
        assertEquals(403, late.statusCode(), late.body());
    }

    @Test
    void filesystemStore_keepsReportsAcrossRestarts() throws Exception {
        Path dir = Files.createTempDirectory("loopgrid-s3-");
        try (EmbeddedS3 first = EmbeddedS3.start(dir, "kept")) {
            first.reportStore(Duration.ofMinutes(1), Clock.systemUTC())
                    .put("reports/rpt_kept.json", "{\"kept\":true}".getBytes(StandardCharsets.UTF_8), "application/json");
        }
        try (EmbeddedS3 again = EmbeddedS3.start(dir, "kept")) {
            String url = again.reportStore(Duration.ofMinutes(1), Clock.systemUTC()).presignGet("reports/rpt_kept.json", null).url();
            assertEquals("{\"kept\":true}", fetch(url).body());
        }
    }
}

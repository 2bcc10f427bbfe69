package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.KeysCli;
import dev.loopgrid.local.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Open single-tenant mode (the default), and per-tenant rate limits ({@code --rate}, {@code --burst}): 429 + Retry-After. */
class RateLimitAndOpenModeTest {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private static HttpResponse<String> get(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Main.Running start(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("--in-memory", "--port", "0"));
        a.addAll(List.of(args));
        return Main.start(Main.parse(a.toArray(String[]::new)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private static String key(Main.Running stack, String tenant) {
        return KeysCli.create(stack, tenant, "auditor");
    }

    @Test
    void openMode_needsNoKey_actsForTenantLocal_andCanPrepareKeys() throws Exception {
        try (Main.Running stack = start()) {
            assertEquals(200, get(stack.url() + "/v1/integrity/verify").statusCode());
            HttpResponse<String> created = CLIENT.send(HttpRequest.newBuilder(URI.create(stack.url() + "/v1/admin/keys"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"role\": \"writer\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, created.statusCode(), created.body());
            JsonNode k = Json.parse(created.body());
            assertEquals("local", k.get("tenant").asText());
            assertEquals("open-mode", k.get("created_by").asText());
            // a key sent to an open server is not needed and does not change the tenant
            assertEquals(200, get(stack.url() + "/v1/decisions", "X-Api-Key", "garbage").statusCode());
        }
    }

    @Test
    void unknownQueryParameters_areIgnoredConsistently_onEveryGetRoute() throws Exception {
        try (Main.Running stack = start()) {
            for (String path : List.of("/v1/decisions", "/v1/integrity/verify", "/v1/compliance/report",
                    "/v1/export/decisions", "/v1/export/ground-truth", "/v1/admin/keys", "/health", "/openapi.json",
                    "/v1/decisions/dec_unknown", "/v1/replays/rep_unknown")) {
                HttpResponse<String> plain = get(stack.url() + path);
                HttpResponse<String> extra = get(stack.url() + path + (path.contains("?") ? "&" : "?")
                        + "zzz=1&__proto__=x&page_sizee=5&service_name_=%00");
                assertEquals(plain.statusCode(), extra.statusCode(), path + ": " + extra.body());
                assertTrue(plain.statusCode() == 200 || plain.statusCode() == 404, path + " " + plain.statusCode());
            }
        }
    }

    @Test
    void perTenantRate_answers429WithRetryAfter_perTenant_andLeavesPublicRoutesAlone() throws Exception {
        try (Main.Running stack = start("--require-keys", "--rate", "0.1", "--burst", "3")) {
            String acme = key(stack, "acme");
            String globex = key(stack, "globex");
            for (int i = 0; i < 3; i++) {
                assertEquals(200, get(stack.url() + "/v1/decisions", "X-Api-Key", acme).statusCode(), "burst request " + i);
            }
            HttpResponse<String> limited = get(stack.url() + "/v1/decisions", "X-Api-Key", acme);
            assertEquals(429, limited.statusCode(), limited.body());
            JsonNode e = Json.parse(limited.body());
            assertEquals("throttled", e.get("code").asText());
            assertTrue(e.get("detail").asText().contains("acme"), e.toString());
            int retryAfter = Integer.parseInt(limited.headers().firstValue("Retry-After").orElseThrow());
            // one token every 10 s: slow enough that the burst cannot refill while the test runs on a busy machine
            assertTrue(retryAfter >= 1 && retryAfter <= 10, "one token every 10 s: " + retryAfter);
            // another tenant has its own bucket; public routes are not counted
            assertEquals(200, get(stack.url() + "/v1/decisions", "X-Api-Key", globex).statusCode());
            for (int i = 0; i < 10; i++) assertEquals(200, get(stack.url() + "/health").statusCode());
            // an unauthenticated request is refused before it can spend a tenant's tokens
            assertEquals(401, get(stack.url() + "/v1/decisions").statusCode());
        }
    }

    @Test
    void rateOptions_areValidated() throws Exception {
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"--rate", "0"}));
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"--rate", "abc"}));
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"--burst", "5"}));
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"--rate", "5", "--burst", "1.5"}));
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"--require-keys=yes"}));
        Main.Options o = Main.parse(new String[] {"--rate", "5", "--require-keys"});
        assertEquals(10, o.burst());
        assertTrue(o.requireKeys());
    }

    @Test
    void keysCommand_refusesBadInput_withUsage() {
        for (String[] args : List.of(new String[] {"keys"}, new String[] {"keys", "create", "--role", "admin"},
                new String[] {"keys", "create", "--tenant", "Acme#1", "--role", "admin"},
                new String[] {"keys", "create", "--tenant", "acme", "--role", "root"},
                new String[] {"keys", "revoke", "--tenant", "acme"},
                new String[] {"keys", "rotate", "--tenant", "acme"},
                new String[] {"keys", "create", "--tenant", "acme", "--role", "admin", "--aws", "--endpoint", "http://x"})) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Main.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(2, code, String.join(" ", args));
            assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("error: "), err.toString(StandardCharsets.UTF_8));
        }
    }
}

package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.loopgrid.local.Main;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every HTML response carries a strict Content-Security-Policy and {@code nosniff}; the documentation page's
 * policy still lets Swagger UI render (headless Chromium loads it over HTTP and the operations appear).
 */
class DocsContentSecurityPolicyTest {

    @Test
    void htmlResponses_carryStrictCsp_andTheDocsPageStillRendersUnderIt() throws Exception {
        try (Main.Running stack = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0"}),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            HttpClient client = HttpClient.newHttpClient();
            for (String path : List.of("/docs", "/v1/compliance/report/html")) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(stack.url() + path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), path);
                assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), path);
                assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(null), path);
                String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
                assertTrue(csp.startsWith("default-src 'none'"), path + ": " + csp);
                assertFalse(csp.contains("unsafe-eval"), csp);
                assertFalse(csp.matches(".*script-src[^;]*'unsafe-inline'.*"), "no inline scripts by default: " + csp);
                if (path.equals("/docs")) {
                    // the one inline script is allowed by its exact hash, nothing else inline
                    Matcher m = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL).matcher(r.body());
                    assertTrue(m.find());
                    String hash = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                            .digest(m.group(1).getBytes(StandardCharsets.UTF_8)));
                    assertTrue(csp.contains("'sha256-" + hash + "'"), csp);
                    assertTrue(csp.contains("frame-ancestors 'none'"), csp);
                }
            }

            assumeTrue(onPath("chromium"), "chromium is not installed (apt-get install chromium); .ci/run installs it");
            Path profile = Files.createTempDirectory("chromium-docs");
            Process p = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--user-data-dir=" + profile,
                    "--virtual-time-budget=20000", "--dump-dom", stack.url() + "/docs")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(90, TimeUnit.SECONDS));
            assertTrue(dom.contains("data-path=\"/v1/decisions/{decision_id}/incorrect\""),
                    "Swagger UI rendered the operations under the policy:\n" + dom.substring(0, Math.min(2000, dom.length())));
        }
    }

    private static boolean onPath(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, exe))) return true;
        }
        return false;
    }
}

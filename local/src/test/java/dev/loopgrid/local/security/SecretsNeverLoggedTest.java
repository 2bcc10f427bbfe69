package dev.loopgrid.local.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.loopgrid.aws.providers.AnthropicProvider;
import dev.loopgrid.aws.providers.ApiKey;
import dev.loopgrid.aws.providers.OpenAiProvider;
import dev.loopgrid.aws.providers.ProviderHttp;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.replay.LlmProvider;
import dev.loopgrid.core.replay.ProviderRequest;
import dev.loopgrid.local.KeysCli;
import dev.loopgrid.local.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Captures everything LoopGrid logs (our loggers at ALL, every other logger at its configured level, with
 * stack traces) while API keys and provider keys are used, misused and rejected, and asserts neither kind of
 * key appears anywhere in the output.
 */
class SecretsNeverLoggedTest {
    private final StringWriter captured = new StringWriter();
    private WriterAppender appender;

    @BeforeEach
    void capture() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        appender = WriterAppender.newBuilder().setName("capture-" + System.nanoTime()).setTarget(captured)
                .setLayout(PatternLayout.newBuilder().withPattern("%c %level %m %throwable%n").build()).build();
        appender.start();
        config.addAppender(appender);
        config.getRootLogger().addAppender(appender, Level.ALL, null);
        for (LoggerConfig lc : config.getLoggers().values()) {
            if (lc != config.getRootLogger()) lc.addAppender(appender, Level.ALL, null);
        }
        ctx.updateLoggers();
        Configurator.setLevel("dev.loopgrid", Level.ALL);
    }

    @AfterEach
    void release() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        for (LoggerConfig lc : config.getLoggers().values()) lc.removeAppender(appender.getName());
        config.getRootLogger().removeAppender(appender.getName());
        appender.stop();
        Configurator.setLevel("dev.loopgrid", Level.INFO);
        ctx.updateLoggers();
    }

    @Test
    void apiKeys_neverAppearInLogs_whetherAccepted_rejected_or_revoked() throws Exception {
        try (Main.Running stack = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0", "--require-keys"}),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            String admin = KeysCli.create(stack, "acme", "admin");
            HttpClient client = HttpClient.newHttpClient();
            String created = send(client, stack.url(), "POST", "/v1/admin/keys", "{\"role\": \"writer\"}", "Authorization", "Bearer " + admin);
            String writer = Json.parse(created).get("api_key").asText();
            String writerId = Json.parse(created).get("key_id").asText();
            send(client, stack.url(), "POST", "/v1/decisions", "{\"service_name\": \"s\", \"decision_type\": \"t\","
                    + " \"input\": {}, \"model\": {\"provider\": \"openai\", \"name\": \"m\"}, \"output\": {}}", "X-Api-Key", writer);
            send(client, stack.url(), "GET", "/v1/integrity/verify", null, "Authorization", "Bearer " + writer); // 403
            send(client, stack.url(), "GET", "/v1/decisions", null, "Authorization", "Bearer " + writer + "x"); // malformed
            send(client, stack.url(), "GET", "/v1/decisions", null, "Authorization", "Bearer " + writer.substring(0, 40) + "AAA"); // unknown
            send(client, stack.url(), "GET", "/v1/decisions", null, "Authorization", "Bearer " + admin, "X-Api-Key", writer); // conflict
            send(client, stack.url(), "GET", "/v1/decisions", null, "Authorization", "Token " + admin); // wrong scheme
            send(client, stack.url(), "DELETE", "/v1/admin/keys/" + writerId, null, "Authorization", "Bearer " + admin);
            send(client, stack.url(), "GET", "/v1/decisions", null, "X-Api-Key", writer); // revoked
            send(client, stack.url(), "GET", "/v1/decisions/" + admin, null, "X-Api-Key", admin); // a key as an id
            String logs = captured.toString();
            assertTrue(logs.contains("/v1/admin/keys"), "the capture works: " + logs.length() + " chars");
            assertTrue(logs.contains(writerId), "key ids may be logged");
            for (String secret : List.of(admin, writer)) {
                assertFalse(logs.contains(secret.substring(3)), () -> "a key appears in the logs: " + linesWith(logs, secret.substring(3)));
                assertFalse(logs.contains(secret.substring(3, 30)), "part of a key appears in the logs");
            }
        }
    }

    @Test
    void providerKeys_neverAppearInLogsOrErrors_evenWhenTheProviderEchoesThem() throws Exception {
        String openAiKey = "sk-proj-LEAKCANARY0000openai0000000000";
        String anthropicKey = "sk-ant-LEAKCANARY1111anthropic11111111";
        AtomicInteger calls = new AtomicInteger();
        HttpServer fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        fake.createContext("/", ex -> {
            int n = calls.incrementAndGet();
            String auth = String.valueOf(ex.getRequestHeaders().getFirst("Authorization")) + " / "
                    + ex.getRequestHeaders().getFirst("x-api-key");
            int status = List.of(401, 500, 429, 400, 200).get(n % 5);
            String body = status == 200 ? "{not json " + auth : "{\"error\": {\"message\": \"bad key " + auth + "\"}}";
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            if (status == 429) ex.getResponseHeaders().set("Retry-After", "0");
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        fake.start();
        try {
            String base = "http://127.0.0.1:" + fake.getAddress().getPort();
            ProviderHttp.Settings fast = new ProviderHttp.Settings(Duration.ofSeconds(2), Duration.ofSeconds(5), 2,
                    Duration.ofSeconds(1));
            List<LlmProvider> providers = List.of(new OpenAiProvider(base + "/v1", ApiKey.of(openAiKey), fast),
                    new AnthropicProvider(base, ApiKey.of(anthropicKey), fast));
            StringBuilder errors = new StringBuilder();
            for (LlmProvider p : providers) {
                ProviderRequest req = ProviderRequest.from(Json.parse("{\"model\": {\"provider\": \"" + p.name()
                        + "\", \"name\": \"m\"}, \"prompt\": {\"system\": \"s\"}, \"input\": {\"message\": \"hi\"}}"));
                for (int i = 0; i < 4; i++) {
                    RuntimeException e = assertThrows(RuntimeException.class, () -> p.call(req));
                    for (Throwable t = e; t != null; t = t.getCause()) errors.append(t).append('\n');
                }
            }
            assertTrue(calls.get() >= 8, "the fake was called: " + calls.get());
            String logs = captured.toString() + errors;
            assertTrue(logs.contains("401") || logs.contains("bad key"), "the capture sees provider failures: " + logs);
            for (String key : List.of(openAiKey, anthropicKey)) {
                assertFalse(logs.contains(key), "a provider key appears in logs or errors: " + logs);
                assertFalse(logs.contains(key.substring(8)), "part of a provider key appears");
            }
        } finally {
            fake.stop(0);
        }
    }

    private static String linesWith(String logs, String s) {
        StringBuilder sb = new StringBuilder();
        for (String line : logs.split("\n")) if (line.contains(s)) sb.append(line).append('\n');
        return sb.toString();
    }

    private static String send(HttpClient client, String base, String method, String path, String body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() < 500, r.body());
        return r.body();
    }
}

package dev.loopgrid.local.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@code demo}: the whole story of a decision, told against a running API — record, verify, flag as incorrect,
 * replay with an improved prompt (waiting for it), compare, attach a correction, verify again, compliance report
 * — printing each step. Without {@code --url} it starts an in-memory local stack of its own and stops it after.
 * Talks plain HTTP (the same calls the SDKs make), so it also runs against a deployed API.
 */
public final class Demo {
    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: java -jar loopgrid-local.jar demo [--url URL] [--service NAME] [--api-key KEY]",
            "",
            "Walks one decision through LoopGrid: record → verify → mark incorrect → replay with an improved",
            "prompt → compare → correction → verify → compliance report, printing each step.",
            "",
            "Options:",
            "  --url URL        the API to talk to, e.g. http://127.0.0.1:8000 (default: start an in-memory",
            "                   local stack for the demo and stop it afterwards)",
            "  --service NAME   service (chain) to record under (default: support-agent-demo-<random>)",
            "  --api-key KEY    sent as Authorization: Bearer KEY",
            "  --help           this text");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Integer> ANY = Set.of();

    private final String base;
    private final String apiKey;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** An answer of the API. */
    record Answer(int status, JsonNode body) {}

    /** The API answered something the demo cannot go on from. */
    static final class DemoFailure extends Exception {
        DemoFailure(String message) {
            super(message, null, false, false);
        }
    }

    Demo(String base, String apiKey, PrintStream out) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.apiKey = apiKey;
        this.out = out;
    }

    /** The {@code demo} command; returns the exit code. */
    /** A throwaway local stack the demo talks to when no --url is given; closing it stops the stack. */
    public interface Stack extends AutoCloseable {
        String url();

        @Override
        void close();
    }

    /** Starts an in-memory local stack whose own output goes to {@code quiet}. */
    @FunctionalInterface
    public interface StackStarter {
        Stack start(PrintStream quiet) throws Exception;
    }

    /**
     * @param starter starts a stack when no {@code --url} is given (the runner passes its own, so this package does
     *                not depend on the runner)
     */
    public static int run(String[] args, PrintStream out, PrintStream err, StackStarter starter) {
        String url = null;
        String service = null;
        String apiKey = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    out.println(USAGE);
                    return 0;
                }
                case "--url", "--service", "--api-key" -> {
                    if (i + 1 >= args.length || args[i + 1].isBlank()) {
                        err.println("error: " + a + " needs a value");
                        err.println();
                        err.println(USAGE);
                        return 2;
                    }
                    String v = args[++i];
                    if (a.equals("--url")) url = v;
                    else if (a.equals("--service")) service = v;
                    else apiKey = v;
                }
                default -> {
                    err.println("error: unknown option \"" + a + "\"");
                    err.println();
                    err.println(USAGE);
                    return 2;
                }
            }
        }
        if (url != null && !(url.startsWith("http://") || url.startsWith("https://"))) {
            err.println("error: --url must be an http(s) URL, got \"" + url + "\"");
            return 2;
        }
        if (service == null) service = "support-agent-demo-" + UUID.randomUUID().toString().substring(0, 6);
        Stack stack = null;
        try {
            if (url == null) {
                out.println("Starting an in-memory local stack for the demo (use --url to talk to a running one)…");
                // the stack's own logs (access lines, startup) would interleave with the story: keep warnings only
                org.apache.logging.log4j.core.config.Configurator.setAllLevels(
                        org.apache.logging.log4j.LogManager.ROOT_LOGGER_NAME, org.apache.logging.log4j.Level.WARN);
                stack = starter.start(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
                url = stack.url();
            }
            new Demo(url, apiKey, out).walk(service);
            return 0;
        } catch (DemoFailure e) {
            err.println("error: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("error: the demo failed: " + e);
            return 1;
        } finally {
            if (stack != null) stack.close();
        }
    }

    /** The story, step by step. */
    void walk(String service) throws DemoFailure {
        JsonNode health = call("GET", "/health", null, Set.of(200)).body();
        out.println("LoopGrid " + health.path("version").asText("?") + " at " + base + " — " + health.path("status").asText());
        out.println();

        step(1, "Record a decision");
        ObjectNode decision = JSON.createObjectNode();
        decision.put("service_name", service);
        decision.put("decision_type", "customer_support_reply");
        decision.putObject("input").put("message", "I was charged twice for my subscription this month.");
        decision.putObject("model").put("provider", "openai").put("name", "gpt-4o-mini").put("temperature", 0);
        decision.putObject("output").put("response", "Your account looks fine. No action is needed.");
        decision.putObject("prompt").put("template", "support_v1").put("text", "You are a support agent. Be brief.");
        decision.putObject("metadata").put("latency_ms", 812).putObject("tokens").put("input", 120).put("output", 48);
        JsonNode d = call("POST", "/v1/decisions", decision, Set.of(201), "Idempotency-Key", "demo-" + UUID.randomUUID()).body();
        String id = d.path("decision_id").asText();
        line("decision_id", id);
        line("content_hash", d.path("content_hash").asText());
        line("chain_hash", d.path("chain_hash").asText() + "  (entry " + d.path("sequence").asText("?") + " of chain "
                + d.path("chain_id").asText(service) + ")");
        line("output", d.path("output").path("response").asText());

        step(2, "Verify the ledger");
        printIntegrity(call("GET", "/v1/integrity/verify?service_name=" + enc(service), null, Set.of(200)).body());

        step(3, "A human flags the answer as incorrect");
        JsonNode flagged = call("POST", "/v1/decisions/" + enc(id) + "/incorrect",
                JSON.createObjectNode().put("reason", "Missed the duplicate charge"), Set.of(200)).body();
        line("status", flagged.path("status").asText());
        line("reason", flagged.path("incorrect_reason").asText());

        step(4, "Replay it with an improved prompt (waiting for the result)");
        ObjectNode replayRequest = JSON.createObjectNode();
        replayRequest.put("decision_id", id);
        replayRequest.put("triggered_by", "demo");
        replayRequest.putObject("overrides").putObject("prompt").put("template", "support_v2")
                .put("text", "You are a support agent. Check the billing history for duplicate charges before answering.");
        JsonNode replay = call("POST", "/v1/replays?wait=20", replayRequest, Set.of(200, 202)).body();
        String replayId = replay.path("replay_id").asText();
        for (int i = 0; i < 40 && !finished(replay); i++) { // a slow live provider: keep polling a while
            sleep(500);
            replay = call("GET", "/v1/replays/" + enc(replayId), null, Set.of(200)).body();
        }
        line("replay_id", replayId);
        line("status", replay.path("execution_status").asText() + " (" + replay.path("execution_mode").asText("?")
                + (replay.path("execution_mode").asText("").equals("simulated") ? ": no provider key set" : "") + ")");
        if (!replay.path("error").isNull() && replay.has("error")) line("error", replay.path("error").asText());
        line("output", replay.path("replay_output").path("response").asText("(none)"));

        step(5, "Compare the original with the replay");
        JsonNode cmp = call("GET", "/v1/decisions/" + enc(id) + "/compare/" + enc(replayId), null, Set.of(200)).body();
        line("output_changed", cmp.path("output_changed").asText());
        line("diff_summary", cmp.path("diff_summary").asText("(none)"));
        for (JsonNode c : cmp.path("diff")) {
            out.println("      " + c.path("op").asText() + " " + c.path("path").asText() + ": "
                    + (c.has("from") ? abbreviate(c.get("from").toString()) + " → " : "") + abbreviate(c.path("to").toString()));
        }

        step(6, "Attach the human correction (ground truth)");
        ObjectNode correction = JSON.createObjectNode();
        correction.putObject("correction").put("response",
                "I can see two charges this month; I have refunded the duplicate. You'll see it in 3–5 days.");
        correction.put("corrected_by", "agent_42");
        correction.put("notes", "Duplicate charge confirmed in billing");
        JsonNode corrected = call("POST", "/v1/decisions/" + enc(id) + "/correction", correction, Set.of(200)).body();
        line("status", corrected.path("status").asText());
        line("corrected_by", corrected.path("correction").path("corrected_by").asText());
        line("content_hash", corrected.path("content_hash").asText() + "  (unchanged: the record is never rewritten)");

        step(7, "Verify the ledger again (the flag, replay and correction are entries too)");
        printIntegrity(call("GET", "/v1/integrity/verify?service_name=" + enc(service), null, Set.of(200)).body());

        step(8, "Compliance report");
        Answer report = call("GET", "/v1/compliance/report?service_name=" + enc(service), null, ANY);
        if (report.status() == 404) {
            line("report", "not available on this server yet (GET /v1/compliance/report answered 404: "
                    + report.body().path("detail").asText("") + ")");
        } else if (report.status() != 200) {
            line("report", "not available (HTTP " + report.status() + ": " + report.body().path("detail").asText("") + ")");
        } else {
            JsonNode r = report.body();
            line("report_type", r.path("report_type").asText());
            JsonNode s = r.path("summary");
            line("summary", "decisions " + s.path("total").asText("?") + ", incorrect " + s.path("incorrect").asText("?")
                    + ", corrected " + s.path("corrected").asText("?"));
            for (Iterator<Map.Entry<String, JsonNode>> it = r.path("eu_ai_act_mapping").properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> article = it.next();
                out.printf("   %-36s %s%n", article.getKey(), article.getValue().path("status").asText());
            }
            if (r.hasNonNull("html_url")) line("html_url", r.get("html_url").asText());
        }
        out.println();
        out.println("Done. See it in the docs UI: " + base + "/docs  ·  decision: " + base + "/v1/decisions/" + id);
    }

    private void printIntegrity(JsonNode v) {
        JsonNode i = v.path("integrity");
        line("valid", i.path("valid").asText());
        line("message", i.path("message").asText());
        if (i.hasNonNull("head_hash")) line("head_hash", i.get("head_hash").asText());
    }

    private static boolean finished(JsonNode replay) {
        String s = replay.path("execution_status").asText();
        return s.equals("completed") || s.equals("failed");
    }

    private void step(int n, String title) {
        out.println();
        out.println(n + ". " + title);
    }

    private void line(String key, String value) {
        out.printf("   %-14s %s%n", key, value);
    }

    /**
     * Calls the API. An answer whose status is not {@code accepted} (empty: any, the caller looks) is a
     * {@link DemoFailure} naming the call and the server's detail.
     */
    private Answer call(String method, String path, JsonNode body, Set<Integer> accepted, String... headers)
            throws DemoFailure {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Accept", "application/json");
        if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.method(method, HttpRequest.BodyPublishers.ofString(body.toString())).header("Content-Type", "application/json");
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new DemoFailure("cannot reach LoopGrid at " + base + " (" + method + " " + path + "): " + e
                    + ". Is it running? Start it with: java -jar local/target/loopgrid-local.jar");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DemoFailure("interrupted");
        }
        JsonNode json;
        try {
            json = r.body() == null || r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            json = JSON.createObjectNode().put("detail", abbreviate(r.body()));
        }
        if (!accepted.isEmpty() && !accepted.contains(r.statusCode())) {
            throw new DemoFailure(method + " " + path + " answered " + r.statusCode() + ": "
                    + json.path("detail").asText(abbreviate(r.body())));
        }
        return new Answer(r.statusCode(), json);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviate(String s) {
        if (s == null) return "";
        return s.length() <= 100 ? s : s.substring(0, 100) + "…";
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.aws.Routes;
import dev.loopgrid.aws.docs.ApiDocs;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document against what the local stack really answers: every response of a walk through every
 * route is validated against the schema documented for its path, method and status, strictly (a property the
 * schema does not list is an error unless it allows additional properties). Also serves /docs end to end.
 */
class OpenApiConformanceTest {
    private static final Pattern DATE_TIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,9})?Z");
    static Main.Running stack;
    static JsonNode doc;
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** Operations checked so far, to prove the walk covered every routed operation. */
    static final TreeSet<String> checked = new TreeSet<>();

    @BeforeAll
    static void start() throws Exception {
        stack = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0"}),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        doc = ApiDocs.openApi();
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    record Resp(int status, String contentType, String body) {
        JsonNode json() {
            return Json.parseStored(body);
        }
    }

    static Resp call(String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stack.url() + path)).timeout(Duration.ofSeconds(30));
        if (json == null) b.method(method, HttpRequest.BodyPublishers.noBody());
        else b.method(method, HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json");
        HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Resp(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    /** Calls the API and validates the response against the document for (method, template, status). */
    static Resp checked(String method, String template, String path, String json) throws Exception {
        Resp r = call(method, path, json);
        JsonNode op = doc.path("paths").path(template).path(method.toLowerCase(Locale.ROOT));
        assertTrue(op.isObject(), "not documented: " + method + " " + template);
        JsonNode response = op.path("responses").path(Integer.toString(r.status()));
        assertTrue(!response.isMissingNode(), method + " " + path + " answered " + r.status()
                + ", which is not documented: " + r.body());
        response = resolve(response);
        String media = r.contentType().split(";", 2)[0].trim();
        JsonNode content = response.path("content").path(media);
        assertTrue(content.isObject(), method + " " + path + " answered " + media + ", documented: "
                + response.path("content").toString());
        List<String> problems = new ArrayList<>();
        if (media.equals("application/json")) {
            validate(r.json(), content.get("schema"), "$", problems);
        } else if (media.equals("application/x-ndjson")) { // JSON Lines: each line one documented record
            for (String line : r.body().split("\n")) {
                if (!line.isBlank()) validate(Json.parseStored(line), doc.at("/components/schemas/GroundTruthRecord"), "$", problems);
            }
        }
        assertTrue(problems.isEmpty(), method + " " + path + " " + r.status() + ": " + problems + "\n" + r.body());
        checked.add(method + " " + template);
        return r;
    }

    static final String DECISION = "{\"service_name\": \"openapi\", \"decision_type\": \"reply\","
            + " \"input\": {\"message\": \"I was charged twice\"}, \"model\": {\"provider\": \"openai\", \"name\": \"gpt-4\", \"temperature\": 0},"
            + " \"output\": {\"response\": \"Looks fine.\"}, \"prompt\": {\"text\": \"You are support.\"},"
            + " \"tool_calls\": [{\"name\": \"lookup\", \"arguments\": {}}], \"metadata\": {\"latency_ms\": 3}}";

    @Test
    void everyRoutedOperation_answersWhatTheDocumentSays() throws Exception {
        // given a recorded decision
        String id = checked("POST", "/v1/decisions", "/v1/decisions", DECISION).json().get("decision_id").asText();
        checked("POST", "/v1/decisions", "/v1/decisions", "{\"service_name\": \"openapi\"}"); // 422
        checked("POST", "/v1/decisions", "/v1/decisions", "{"); // 400

        // when every route is called (successes and the documented errors)
        checked("GET", "/v1/decisions", "/v1/decisions?service_name=openapi&page_size=1", null);
        checked("GET", "/v1/decisions", "/v1/decisions?page_size=0", null);
        checked("GET", "/v1/decisions/{decision_id}", "/v1/decisions/" + id, null);
        checked("GET", "/v1/decisions/{decision_id}", "/v1/decisions/dec_nope", null);
        checked("POST", "/v1/decisions/{decision_id}/incorrect", "/v1/decisions/" + id + "/incorrect",
                "{\"reason\": \"Missed billing issue\"}");
        checked("POST", "/v1/decisions/{decision_id}/incorrect", "/v1/decisions/dec_nope/incorrect", null);
        checked("POST", "/v1/decisions/{decision_id}/correction", "/v1/decisions/" + id + "/correction",
                "{\"correction\": {\"response\": \"Refund issued.\"}, \"corrected_by\": \"agent_42\", \"notes\": \"n\"}");
        checked("POST", "/v1/decisions/{decision_id}/correction", "/v1/decisions/" + id + "/correction", "{}");
        Resp replay = checked("POST", "/v1/replays", "/v1/replays?wait=15",
                "{\"decision_id\": \"" + id + "\", \"overrides\": {\"prompt\": {\"text\": \"Check billing.\"}}}");
        assertEquals(200, replay.status(), replay.body());
        checked("POST", "/v1/replays", "/v1/replays", "{\"decision_id\": \"" + id + "\"}"); // 202
        checked("POST", "/v1/replays", "/v1/replays", "{\"decision_id\": \"dec_nope\"}");
        String replayId = replay.json().get("replay_id").asText();
        checked("GET", "/v1/replays/{replay_id}", "/v1/replays/" + replayId, null);
        checked("GET", "/v1/replays/{replay_id}", "/v1/replays/rep_nope", null);
        checked("GET", "/v1/decisions/{decision_id}/compare/{replay_id}",
                "/v1/decisions/" + id + "/compare/" + replayId, null);
        checked("GET", "/v1/decisions/{decision_id}/compare/{replay_id}", "/v1/decisions/" + id + "/compare/rep_nope", null);
        checked("GET", "/v1/integrity/verify", "/v1/integrity/verify", null);
        checked("GET", "/v1/integrity/verify", "/v1/integrity/verify?service_name=openapi", null);
        checked("GET", "/health", "/health", null);
        checked("GET", "/", "/", null);
        checked("GET", "/openapi.json", "/openapi.json", null);
        Resp page = checked("GET", "/docs", "/docs", null);
        assertTrue(page.body().contains("/docs/swagger-ui-bundle.js"), page.body());
        Resp js = checked("GET", "/docs/{asset}", "/docs/swagger-ui-bundle.js", null);
        assertTrue(js.body().length() > 100_000);
        checked("GET", "/docs/{asset}", "/docs/swagger-ui.css", null);
        checked("GET", "/docs/{asset}", "/docs/nope.js", null);
        // the compliance routes are validated once they are routed (they are being built separately)
        if (routed("GET", "/v1/compliance/report")) {
            checked("GET", "/v1/compliance/report", "/v1/compliance/report", null);
            checked("GET", "/v1/compliance/report", "/v1/compliance/report?service_name=openapi&verify=full", null);
            checked("GET", "/v1/compliance/report", "/v1/compliance/report?verify=sometimes", null);
        }
        if (routed("GET", "/v1/compliance/report/html")) {
            checked("GET", "/v1/compliance/report/html", "/v1/compliance/report/html", null);
        }
        if (routed("GET", "/v1/export/decisions")) {
            checked("GET", "/v1/export/decisions", "/v1/export/decisions", null);
            checked("GET", "/v1/export/decisions", "/v1/export/decisions?format=csv", null);
            checked("GET", "/v1/export/decisions", "/v1/export/decisions?page_size=1&service_name=openapi", null);
        }
        if (routed("GET", "/v1/export/ground-truth")) {
            Resp lines = checked("GET", "/v1/export/ground-truth", "/v1/export/ground-truth?service_name=openapi", null);
            assertEquals(1, lines.body().lines().count(), "the one corrected decision: " + lines.body());
        }

        // then every routed operation was checked
        TreeSet<String> routes = new TreeSet<>();
        for (Routes.Route r : Routes.ALL) routes.add(r.method() + " " + r.path());
        routes.removeAll(checked);
        assertTrue(routes.isEmpty(), "not exercised by this test: " + routes);
    }

    @Test
    void largeDecisions_andContentThatFailsItsCheck_answerWhatTheDocumentSays() throws Exception {
        String large = DECISION.replace("\"openapi\"", "\"openapi-large\"").replace("Looks fine.", "x".repeat(300_000));
        Resp recorded = checked("POST", "/v1/decisions", "/v1/decisions", large);
        assertEquals(201, recorded.status(), recorded.body());
        String id = recorded.json().get("decision_id").asText();
        String tooLarge = DECISION.replace("Looks fine.", "x".repeat(dev.loopgrid.core.DecisionService.DEFAULT_MAX_DECISION_BYTES));
        assertEquals(413, checked("POST", "/v1/decisions", "/v1/decisions", tooLarge).status());
        assertEquals(200, checked("GET", "/v1/decisions/{decision_id}", "/v1/decisions/" + id, null).status());

        // when its S3 object is altered, reads answer the documented 500 and verification names the entry
        String key = "content/local/" + recorded.json().get("content_hash").asText() + ".json";
        String bucket = stack.s3().bucket();
        byte[] original = stack.s3().client().getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
        try {
            stack.s3().client().putObject(b -> b.bucket(bucket).key(key),
                    software.amazon.awssdk.core.sync.RequestBody.fromString("{\"altered\":true}"));
            assertEquals(500, checked("GET", "/v1/decisions/{decision_id}", "/v1/decisions/" + id, null).status());
            assertEquals(500, checked("GET", "/v1/decisions", "/v1/decisions?service_name=openapi-large", null).status());
            Resp v = checked("GET", "/v1/integrity/verify", "/v1/integrity/verify?service_name=openapi-large", null);
            assertEquals(id, v.json().get("integrity").get("broken_at").asText(), v.body());
        } finally {
            stack.s3().client().putObject(b -> b.bucket(bucket).key(key),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(original));
        }
        assertEquals(200, checked("GET", "/v1/decisions", "/v1/decisions?service_name=openapi-large", null).status());
    }

    private static boolean routed(String method, String path) {
        return Routes.ALL.stream().anyMatch(r -> r.method().equals(method) && r.path().equals(path));
    }

    // ---------------------------------------------------------------- a small validator for the schemas we use

    static JsonNode resolve(JsonNode node) {
        while (node != null && node.has("$ref")) node = doc.at(node.get("$ref").asText().substring(1));
        return node;
    }

    static void validate(JsonNode value, JsonNode schema, String at, List<String> problems) {
        assertNotNull(schema, at);
        schema = resolve(schema);
        if (value == null || value.isMissingNode()) return;
        if (value.isNull()) {
            if (!schema.path("nullable").asBoolean(false) && (schema.has("type") || schema.has("$ref") || schema.has("allOf"))) {
                problems.add(at + " is null, not nullable");
            }
            return;
        }
        for (JsonNode part : schema.path("allOf")) validate(value, part, at, problems);
        String type = schema.path("type").asText("");
        switch (type) {
            case "object" -> {
                if (!value.isObject()) { problems.add(at + " is not an object"); return; }
            }
            case "array" -> {
                if (!value.isArray()) { problems.add(at + " is not an array"); return; }
            }
            case "string" -> {
                if (!value.isTextual()) { problems.add(at + " is not a string"); return; }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) { problems.add(at + " is not an integer"); return; }
            }
            case "number" -> {
                if (!value.isNumber()) { problems.add(at + " is not a number"); return; }
            }
            case "boolean" -> {
                if (!value.isBoolean()) { problems.add(at + " is not a boolean"); return; }
            }
            default -> { }
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) found |= e.equals(value);
            if (!found) problems.add(at + " = " + value + " is not one of " + schema.get("enum"));
        }
        if (value.isTextual()) {
            if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(value.asText()).find()) {
                problems.add(at + " does not match " + schema.get("pattern").asText());
            }
            if ("date-time".equals(schema.path("format").asText()) && !DATE_TIME.matcher(value.asText()).matches()) {
                problems.add(at + " = " + value + " is not an RFC 3339 UTC timestamp");
            }
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) validate(value.get(i), schema.get("items"), at + "[" + i + "]", problems);
        }
        if (value.isObject() && (schema.has("properties") || schema.has("required"))) {
            for (JsonNode req : schema.path("required")) {
                if (!value.has(req.asText())) problems.add(at + " lacks required " + req.asText());
            }
            JsonNode props = schema.path("properties");
            JsonNode additional = schema.get("additionalProperties");
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String where = at + "." + f.getKey();
                if (props.has(f.getKey())) validate(f.getValue(), props.get(f.getKey()), where, problems);
                else if (additional != null && additional.isObject()) validate(f.getValue(), additional, where, problems);
                else if (additional == null || !additional.asBoolean(false)) problems.add(where + " is not documented");
            }
        }
    }
}

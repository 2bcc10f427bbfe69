package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.aws.docs.ApiDocs;
import dev.loopgrid.core.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
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

/**
 * Calls a running local stack and validates every answer against the OpenAPI document ({@link ApiDocs#openApi()})
 * for its path template, method and status, strictly: the status must be documented, the media type too, the body
 * must match the schema (a property the schema does not list is an error unless it allows additional properties),
 * and every documented response header the answer carries must match its schema.
 */
final class OpenApiChecker {
    private static final Pattern DATE_TIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,9})?Z");
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    final JsonNode doc = ApiDocs.openApi();
    private final String baseUrl;
    /** Operations ({@code METHOD template}) checked so far, to prove a walk covered what it should. */
    final TreeSet<String> checked = new TreeSet<>();

    OpenApiChecker(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    record Resp(int status, String contentType, HttpHeaders headers, String body) {
        JsonNode json() {
            return Json.parseStored(body);
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    /**
     * Calls the API.
     *
     * @param headers request headers as name, value pairs (e.g. {@code "Authorization", "Bearer lg_…"})
     */
    Resp call(String method, String path, String json, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30));
        if (json == null) b.method(method, HttpRequest.BodyPublishers.noBody());
        else b.method(method, HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json");
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Resp(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.headers(), r.body());
    }

    /** Calls the API and validates the response against the document for (method, template, status). */
    Resp checked(String method, String template, String path, String json, String... headers) throws Exception {
        return check(call(method, path, json, headers), method, template, path);
    }

    /** Validates a response already received for {@code method path} against the document for (method, template, status). */
    Resp check(Resp r, String method, String template, String path) {
        JsonNode op = doc.path("paths").path(template.replace("+}", "}")).path(method.toLowerCase(Locale.ROOT));
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
        for (Iterator<Map.Entry<String, JsonNode>> it = response.path("headers").properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            String value = r.header(h.getKey());
            if (value != null) validateHeader(value, resolve(h.getValue()).path("schema"), "header " + h.getKey(), problems);
        }
        assertTrue(problems.isEmpty(), method + " " + path + " " + r.status() + ": " + problems + "\n" + r.body());
        checked.add(method + " " + template);
        return r;
    }

    // ---------------------------------------------------------------- a small validator for the schemas we use

    JsonNode resolve(JsonNode node) {
        while (node != null && node.has("$ref")) node = doc.at(node.get("$ref").asText().substring(1));
        return node;
    }

    private void validateHeader(String value, JsonNode schema, String at, List<String> problems) {
        schema = resolve(schema);
        switch (schema.path("type").asText("")) {
            case "integer" -> {
                if (!value.trim().matches("-?\\d+")) problems.add(at + " = \"" + value + "\" is not an integer");
            }
            case "string" -> {
                if (schema.has("format") && schema.get("format").asText().equals("uri")) {
                    try {
                        URI.create(value);
                    } catch (IllegalArgumentException e) {
                        problems.add(at + " = \"" + value + "\" is not a URI");
                    }
                }
            }
            default -> { }
        }
    }

    void validate(JsonNode value, JsonNode schema, String at, List<String> problems) {
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
            int length = value.asText().codePointCount(0, value.asText().length());
            if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
                problems.add(at + " is longer than " + schema.get("maxLength").asInt());
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
            for (Iterator<Map.Entry<String, JsonNode>> it = value.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String where = at + "." + f.getKey();
                if (props.has(f.getKey())) validate(f.getValue(), props.get(f.getKey()), where, problems);
                else if (additional != null && additional.isObject()) validate(f.getValue(), additional, where, problems);
                else if (additional == null || !additional.asBoolean(false)) problems.add(where + " is not documented");
            }
        }
    }
}

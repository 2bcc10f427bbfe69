package dev.loopgrid.aws.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.Routes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The OpenAPI document against the route table: nothing routed is undocumented, nothing documented is unrouted. */
class OpenApiDocumentTest {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
    private static final Pattern PARAM = Pattern.compile("\\{([^}/]+)}");
    private final ObjectNode doc = ApiDocs.openApi();

    private Set<String> documentedOperations() {
        Set<String> ops = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> p = doc.get("paths").fields(); p.hasNext(); ) {
            Map.Entry<String, JsonNode> path = p.next();
            for (Iterator<String> m = path.getValue().fieldNames(); m.hasNext(); ) {
                String method = m.next();
                if (METHODS.contains(method)) ops.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
            }
        }
        return ops;
    }

    @Test
    void everyRoute_isDocumented() {
        // given the route table, when each route is looked up in the document, then it is there
        Set<String> documented = documentedOperations();
        List<String> missing = new ArrayList<>();
        for (Routes.Route r : Routes.ALL) {
            if (!documented.contains(r.method() + " " + r.path())) missing.add(r.method() + " " + r.path());
        }
        assertTrue(missing.isEmpty(), "routed but not in openapi.json: " + missing);
    }

    @Test
    void everyDocumentedOperation_isRouted() {
        Set<String> routed = new HashSet<>();
        for (Routes.Route r : Routes.ALL) routed.add(r.method() + " " + r.path());
        List<String> extra = documentedOperations().stream().filter(op -> !routed.contains(op)).toList();
        assertTrue(extra.isEmpty(), "in openapi.json but not in Routes.ALL: " + extra);
    }

    @Test
    void document_isOpenApi3_withUniqueOperationIds_andEveryOperationAnswersSomething() {
        assertTrue(doc.get("openapi").asText().startsWith("3."));
        assertNotNull(doc.at("/info/title").textValue());
        Set<String> ids = new HashSet<>();
        forEachOperation((path, method, op) -> {
            String id = op.path("operationId").asText("");
            assertFalse(id.isEmpty(), method + " " + path + " has no operationId");
            assertTrue(ids.add(id), "duplicate operationId " + id);
            JsonNode responses = op.get("responses");
            assertNotNull(responses, method + " " + path);
            boolean success = false;
            for (Iterator<String> it = responses.fieldNames(); it.hasNext(); ) {
                String status = it.next();
                if (status.startsWith("2")) {
                    success = true;
                    JsonNode resp = resolve(responses.get(status));
                    assertTrue(resp.has("content"), method + " " + path + " " + status + " has no content");
                }
            }
            assertTrue(success, method + " " + path + " documents no 2xx response");
        });
    }

    @Test
    void pathParameters_matchThePathTemplates() {
        forEachOperation((path, method, op) -> {
            Set<String> inTemplate = new TreeSet<>();
            Matcher m = PARAM.matcher(path);
            while (m.find()) inTemplate.add(m.group(1));
            Set<String> declared = new TreeSet<>();
            for (JsonNode p : op.path("parameters")) {
                JsonNode param = resolve(p);
                if ("path".equals(param.path("in").asText())) {
                    assertTrue(param.path("required").asBoolean(), "path parameters are required: " + param);
                    declared.add(param.get("name").asText());
                }
            }
            assertEquals(inTemplate, declared, method + " " + path);
        });
    }

    @Test
    void everyReference_resolves() {
        List<String> broken = new ArrayList<>();
        walk(doc, broken);
        assertTrue(broken.isEmpty(), "unresolved $ref: " + broken);
    }

    @Test
    void bodiesOfWrites_areDocumented_withTheContractsRequiredFields() {
        JsonNode record = resolve(doc.at("/paths/~1v1~1decisions/post/requestBody/content/application~1json/schema"));
        assertEquals(Set.of("service_name", "decision_type", "input", "model", "output"), strings(record.get("required")));
        JsonNode correction = resolve(doc.at(
                "/paths/~1v1~1decisions~1{decision_id}~1correction/post/requestBody/content/application~1json/schema"));
        assertEquals(Set.of("correction", "corrected_by"), strings(correction.get("required")));
        JsonNode replay = resolve(doc.at("/paths/~1v1~1replays/post/requestBody/content/application~1json/schema"));
        assertEquals(Set.of("decision_id"), strings(replay.get("required")));
        JsonNode error = resolve(doc.at("/components/schemas/Error"));
        assertEquals(Set.of("detail"), strings(error.get("required")));
    }

    private interface OperationVisitor {
        void visit(String path, String method, JsonNode operation);
    }

    private void forEachOperation(OperationVisitor v) {
        for (Iterator<Map.Entry<String, JsonNode>> p = doc.get("paths").fields(); p.hasNext(); ) {
            Map.Entry<String, JsonNode> path = p.next();
            for (Iterator<Map.Entry<String, JsonNode>> m = path.getValue().fields(); m.hasNext(); ) {
                Map.Entry<String, JsonNode> method = m.next();
                if (METHODS.contains(method.getKey())) v.visit(path.getKey(), method.getKey(), method.getValue());
            }
        }
    }

    private JsonNode resolve(JsonNode node) {
        while (node != null && node.has("$ref")) {
            String ref = node.get("$ref").asText();
            assertTrue(ref.startsWith("#/"), ref);
            node = doc.at(ref.substring(1));
            assertFalse(node.isMissingNode(), "unresolved " + ref);
        }
        return node;
    }

    private void walk(JsonNode node, List<String> broken) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("$ref") && f.getValue().isTextual()) {
                    String ref = f.getValue().asText();
                    if (!ref.startsWith("#/") || doc.at(ref.substring(1)).isMissingNode()) broken.add(ref);
                } else {
                    walk(f.getValue(), broken);
                }
            }
        } else if (node.isArray()) {
            for (JsonNode n : node) walk(n, broken);
        }
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new TreeSet<>();
        if (array != null) for (JsonNode n : array) out.add(n.asText());
        return out;
    }
}

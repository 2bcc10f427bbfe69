package dev.loopgrid.aws.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.Routes;
import dev.loopgrid.core.auth.Permission;
import dev.loopgrid.core.auth.Role;
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

/**
 * The OpenAPI document against the route table: nothing routed is undocumented, nothing documented is unrouted, and
 * every operation's security, roles and auth errors follow the route's permission and the role policy ({@link Role}).
 */
class OpenApiDocumentTest {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
    private static final Pattern PARAM = Pattern.compile("\\{([^}/]+)}");
    private final ObjectNode doc = ApiDocs.openApi();

    private Set<String> documentedOperations() {
        Set<String> ops = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> p = doc.get("paths").properties().iterator(); p.hasNext(); ) {
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
            if (!documented.contains(r.method() + " " + documentedPath(r))) missing.add(r.method() + " " + r.path());
        }
        assertTrue(missing.isEmpty(), "routed but not in openapi.json: " + missing);
    }

    @Test
    void everyDocumentedOperation_isRouted() {
        Set<String> routed = new HashSet<>();
        for (Routes.Route r : Routes.ALL) routed.add(r.method() + " " + documentedPath(r));
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

    @Test
    void securitySchemes_areBearerAndXApiKey() {
        JsonNode schemes = doc.at("/components/securitySchemes");
        assertEquals("http", schemes.at("/bearerAuth/type").asText());
        assertEquals("bearer", schemes.at("/bearerAuth/scheme").asText());
        assertEquals("apiKey", schemes.at("/apiKeyHeader/type").asText());
        assertEquals("header", schemes.at("/apiKeyHeader/in").asText());
        assertEquals("X-Api-Key", schemes.at("/apiKeyHeader/name").asText());
        assertEquals(Set.of("bearerAuth", "apiKeyHeader"), fieldNames(schemes));
    }

    @Test
    void everyOperation_declaresTheSecurityAndRolesOfItsRoute() {
        // given the route table and the role policy
        for (Routes.Route r : Routes.ALL) {
            JsonNode op = doc.path("paths").path(documentedPath(r)).path(r.method().toLowerCase(Locale.ROOT));
            String where = r.method() + " " + r.path();
            JsonNode security = op.get("security");
            assertNotNull(security, where + " declares no security");
            JsonNode responses = op.path("responses");
            if (r.permission() == Permission.PUBLIC) {
                // then public operations need no key, and never answer 401/403
                assertEquals("[{}]", security.toString(), where);
                assertFalse(op.has("x-loopgrid-roles"), where);
                for (String status : List.of("401", "403")) assertFalse(responses.has(status), where + " documents " + status);
                continue;
            }
            // then the others take a key in either header, name exactly the roles that may call them,
            assertEquals("[{\"bearerAuth\":[]},{\"apiKeyHeader\":[]}]", security.toString(), where);
            List<String> roles = new ArrayList<>();
            for (Role role : Role.values()) if (role.allows(r.permission())) roles.add(role.wire());
            List<String> documented = new ArrayList<>();
            op.path("x-loopgrid-roles").forEach(n -> documented.add(n.asText()));
            assertEquals(roles, documented, where + " x-loopgrid-roles");
            // and document 401 (with WWW-Authenticate), 403 and 429 (with Retry-After) as Error bodies
            for (String status : List.of("401", "403", "429")) {
                JsonNode resp = resolve(responses.get(status));
                assertNotNull(resp, where + " does not document " + status);
                assertEquals("#/components/schemas/Error",
                        resp.at("/content/application~1json/schema/$ref").asText(), where + " " + status);
            }
            assertTrue(resolve(responses.get("401")).at("/headers/WWW-Authenticate").isObject(), where);
            assertEquals("integer", resolve(resolve(responses.get("429")).at("/headers/Retry-After")).at("/schema/type").asText(), where);
        }
        // the default applies to anything not listing its own: a key
        assertEquals("[{\"bearerAuth\":[]},{\"apiKeyHeader\":[]}]", doc.get("security").toString());
    }

    @Test
    void roleSchema_listsEveryRole_andTheAdminSchemasMatchTheHandlers() {
        List<String> wire = new ArrayList<>();
        for (Role r : Role.values()) wire.add(r.wire());
        List<String> documented = new ArrayList<>();
        doc.at("/components/schemas/Role/enum").forEach(n -> documented.add(n.asText()));
        assertEquals(wire, documented);

        JsonNode request = resolve(doc.at("/paths/~1v1~1admin~1keys/post/requestBody/content/application~1json/schema"));
        assertEquals(Set.of("role"), strings(request.get("required")));
        assertEquals(Set.of("role", "name", "tenant"), fieldNames(request.get("properties")));
        // the record of a key (what ApiKeyViews writes), and the created key = the record + the secret
        Set<String> record = Set.of("key_id", "tenant", "role", "name", "prefix", "created_at", "created_by", "revoked",
                "revoked_at");
        JsonNode apiKey = doc.at("/components/schemas/ApiKey");
        assertEquals(record, fieldNames(apiKey.get("properties")));
        assertEquals(record, strings(apiKey.get("required")));
        JsonNode created = doc.at("/components/schemas/CreatedApiKey");
        Set<String> withSecret = new TreeSet<>(record);
        withSecret.add("api_key");
        assertEquals(withSecret, fieldNames(created.get("properties")));
        assertEquals(withSecret, strings(created.get("required")));
        for (String f : record) {
            assertEquals(apiKey.at("/properties/" + f + "/type"), created.at("/properties/" + f + "/type"), f);
            assertEquals(apiKey.at("/properties/" + f + "/pattern"), created.at("/properties/" + f + "/pattern"), f);
        }
        assertEquals(Set.of("keys", "total"), strings(doc.at("/components/schemas/ApiKeyList/required")));
    }

    private interface OperationVisitor {
        void visit(String path, String method, JsonNode operation);
    }

    private void forEachOperation(OperationVisitor v) {
        for (Iterator<Map.Entry<String, JsonNode>> p = doc.get("paths").properties().iterator(); p.hasNext(); ) {
            Map.Entry<String, JsonNode> path = p.next();
            for (Iterator<Map.Entry<String, JsonNode>> m = path.getValue().properties().iterator(); m.hasNext(); ) {
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
            for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
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

    private static Set<String> fieldNames(JsonNode object) {
        Set<String> out = new TreeSet<>();
        if (object != null) object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new TreeSet<>();
        if (array != null) for (JsonNode n : array) out.add(n.asText());
        return out;
    }

    /** The route's path as OpenAPI spells it: a greedy parameter ({@code {path+}}, API Gateway's proxy) is {@code {path}}. */
    static String documentedPath(Routes.Route r) {
        return r.path().replace("+}", "}");
    }
}

package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.aws.Routes;
import dev.loopgrid.core.auth.Permission;
import dev.loopgrid.core.auth.Role;
import dev.loopgrid.local.KeysCli;
import dev.loopgrid.local.Main;
import dev.loopgrid.local.http.OpenApiChecker.Resp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document against the local stack started as docs/auth.md describes it: {@code --require-keys} with a
 * per-tenant rate, the first admin key of a tenant made by {@code keys create --endpoint <the stack's DynamoDB>}.
 * Every answer is validated against the document ({@link OpenApiChecker}); the walk proves that every protected
 * operation answers 401 without a key and 403 to every role the policy ({@link Role}) refuses, as documented.
 * Each test works in its own tenant, so their request budgets do not mix.
 */
class OpenApiAuthConformanceTest {
    private static final Pattern DYNAMO = Pattern.compile("DynamoDB:\\s+(http://\\S+)");
    private static final Pattern TEMPLATE_PARAM = Pattern.compile("\\{[^}/]+}");
    /** Per tenant: a burst of 100 requests (room for every route × role the 403 walk tries), then 1 per second. */
    private static final int BURST = 100;
    static Main.Running stack;
    static String dynamoEndpoint;
    static OpenApiChecker api;

    @BeforeAll
    static void start() throws Exception {
        ByteArrayOutputStream startup = new ByteArrayOutputStream();
        stack = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0", "--require-keys", "--rate", "1",
                "--burst", Integer.toString(BURST)}), new PrintStream(startup, true, StandardCharsets.UTF_8));
        String printed = startup.toString(StandardCharsets.UTF_8);
        Matcher m = DYNAMO.matcher(printed);
        assertTrue(m.find(), printed);
        dynamoEndpoint = m.group(1);
        assertTrue(printed.contains("API keys required"), printed);
        api = new OpenApiChecker(stack.url());
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    /** {@code keys create --quiet} against the running stack's DynamoDB, as in docs/auth.md: the key it prints. */
    static String keysCreate(String tenant, String role) {
        return KeysCli.create(dynamoEndpoint, tenant, role);
    }

    static String[] bearer(String key) {
        return new String[] {"Authorization", "Bearer " + key};
    }

    /** A concrete path for a template: every parameter becomes an id nobody has. */
    static String concrete(String template) {
        return TEMPLATE_PARAM.matcher(template).replaceAll("x_1");
    }

    static String bodyFor(Routes.Route r) {
        return r.method().equals("POST") ? "{}" : null;
    }

    @Test
    void withoutAValidKey_everyProtectedOperationIs401_withWwwAuthenticate_andPublicOnesAnswer() throws Exception {
        // given no key, when every routed operation is called
        TreeSet<String> unauthorized = new TreeSet<>();
        for (Routes.Route r : Routes.ALL) {
            Resp resp = api.checked(r.method(), r.path(), r.path().equals("/docs/{asset}") ? "/docs/swagger-ui.css"
                    : concrete(r.path()), bodyFor(r));
            if (r.permission() == Permission.PUBLIC) {
                // then the public ones answer as usual
                assertEquals(200, resp.status(), r.path() + ": " + resp.body());
            } else {
                // and every other one is 401 unauthorized, naming both headers, with the challenge
                assertEquals(401, resp.status(), r.method() + " " + r.path() + ": " + resp.body());
                assertEquals("unauthorized", resp.json().get("code").asText());
                assertTrue(resp.json().get("detail").asText().contains("X-Api-Key"), resp.body());
                assertEquals("Bearer realm=\"loopgrid\"", resp.header("WWW-Authenticate"));
                unauthorized.add(r.method() + " " + r.path());
            }
        }
        assertEquals(protectedOperations(), unauthorized);

        // and so are a key that is not a LoopGrid key, an unknown key, another scheme, and two different keys
        String unknown = "lg_" + "A".repeat(43);
        String known = keysCreate("initech", "auditor");
        List<String[]> bad = List.of(bearer("not-a-key"), bearer(unknown), new String[] {"X-Api-Key", unknown},
                new String[] {"Authorization", "Basic " + known},
                new String[] {"Authorization", "Bearer " + known, "X-Api-Key", unknown});
        for (String[] headers : bad) {
            Resp resp = api.checked("GET", "/v1/integrity/verify", "/v1/integrity/verify", null, headers);
            assertEquals(401, resp.status(), String.join(" ", headers) + ": " + resp.body());
            assertEquals("unauthorized", resp.json().get("code").asText());
        }
        // while the known key works in either header
        assertEquals(200, api.checked("GET", "/v1/integrity/verify", "/v1/integrity/verify", null, bearer(known)).status());
        assertEquals(200, api.checked("GET", "/v1/integrity/verify", "/v1/integrity/verify", null, "X-Api-Key", known).status());
    }

    @Test
    void aRoleWithoutTheRoutesPermission_is403_onEveryProtectedOperation() throws Exception {
        // given a tenant with an admin key from the CLI, and a key per role made by that admin over the API
        String admin = keysCreate("acme", "admin");
        Map<Role, String> keys = new EnumMap<>(Role.class);
        keys.put(Role.ADMIN, admin);
        for (Role role : List.of(Role.WRITER, Role.REVIEWER, Role.AUDITOR)) {
            Resp created = api.checked("POST", "/v1/admin/keys", "/v1/admin/keys",
                    "{\"role\": \"" + role.wire() + "\", \"name\": \"" + role.wire() + " key\"}", bearer(admin));
            assertEquals(201, created.status(), created.body());
            assertEquals("acme", created.json().get("tenant").asText());
            assertEquals(role.wire(), created.json().get("role").asText());
            keys.put(role, created.json().get("api_key").asText());
        }

        // when every role calls every operation its role may not call
        TreeSet<String> forbidden = new TreeSet<>();
        TreeSet<String> expected = new TreeSet<>();
        for (Routes.Route r : Routes.ALL) {
            for (Role role : Role.values()) {
                if (role.allows(r.permission())) continue;
                expected.add(role.wire() + " " + r.method() + " " + r.path());
                Resp resp = api.checked(r.method(), r.path(), concrete(r.path()), bodyFor(r), bearer(keys.get(role)));
                // then it is 403 forbidden, naming the roles that may
                assertEquals(403, resp.status(), role + " " + r.method() + " " + r.path() + ": " + resp.body());
                assertEquals("forbidden", resp.json().get("code").asText());
                assertTrue(resp.json().get("detail").asText().startsWith("API key role " + role.wire() + " may not"),
                        resp.body());
                forbidden.add(role.wire() + " " + r.method() + " " + r.path());
            }
        }
        assertEquals(expected, forbidden);
        assertFalse(forbidden.isEmpty());

        // and what the roles may do, they can: a writer records, a reviewer flags, an auditor verifies
        Resp recorded = api.checked("POST", "/v1/decisions", "/v1/decisions", OpenApiConformanceTest.DECISION,
                "X-Api-Key", keys.get(Role.WRITER));
        assertEquals(201, recorded.status(), recorded.body());
        String id = recorded.json().get("decision_id").asText();
        Resp flagged = api.checked("POST", "/v1/decisions/{decision_id}/incorrect", "/v1/decisions/" + id + "/incorrect",
                "{\"reason\": \"wrong\"}", bearer(keys.get(Role.REVIEWER)));
        assertEquals(200, flagged.status(), flagged.body());
        Resp verified = api.checked("GET", "/v1/integrity/verify", "/v1/integrity/verify", null, bearer(keys.get(Role.AUDITOR)));
        assertEquals(200, verified.status(), verified.body());
        assertEquals(2, verified.json().at("/integrity/total").asInt(), "the tenant's own ledger: " + verified.body());
    }

    @Test
    void adminKeys_areCreatedListedAndRevoked_withinTheAdminsTenantOnly() throws Exception {
        // given admins of two tenants
        String globex = keysCreate("globex", "admin");
        String hooli = keysCreate("hooli", "admin");

        // when globex creates a writer key
        Resp created = api.checked("POST", "/v1/admin/keys", "/v1/admin/keys", "{\"role\": \"writer\"}", bearer(globex));
        assertEquals(201, created.status(), created.body());
        assertEquals("no-store", created.header("Cache-Control"));
        JsonNode key = created.json();
        String writer = key.get("api_key").asText();
        assertTrue(key.get("name").isNull());
        assertTrue(key.get("created_by").asText().startsWith("key_"), "created by the admin key: " + key);
        // (a key for another tenant cannot be asked for)
        Resp otherTenant = api.checked("POST", "/v1/admin/keys", "/v1/admin/keys",
                "{\"role\": \"admin\", \"tenant\": \"hooli\"}", bearer(globex));
        assertEquals(422, otherTenant.status(), otherTenant.body());
        assertEquals("tenant", otherTenant.json().at("/errors/0/field").asText());

        // then globex lists its two keys (the bootstrap admin and the writer), without secrets; hooli sees only its own
        Resp list = api.checked("GET", "/v1/admin/keys", "/v1/admin/keys", null, bearer(globex));
        assertEquals(200, list.status(), list.body());
        assertEquals(2, list.json().get("total").asInt(), list.body());
        assertFalse(list.body().contains(writer));
        List<String> roles = new ArrayList<>();
        list.json().get("keys").forEach(k -> roles.add(k.get("role").asText()));
        assertEquals(List.of("admin", "writer"), roles);
        Resp other = api.checked("GET", "/v1/admin/keys", "/v1/admin/keys", null, bearer(hooli));
        assertEquals(1, other.json().get("total").asInt(), other.body());

        // and hooli cannot revoke globex's key: 404 as if unknown
        String keyId = key.get("key_id").asText();
        Resp foreign = api.checked("DELETE", "/v1/admin/keys/{key_id}", "/v1/admin/keys/" + keyId, null, bearer(hooli));
        assertEquals(404, foreign.status(), foreign.body());
        assertEquals("key_not_found", foreign.json().get("code").asText());

        // the writer works until globex revokes it, then it is 401 at once (a revocation through the API drops the key from the front's cache)
        assertEquals(404, api.checked("GET", "/v1/decisions/{decision_id}", "/v1/decisions/dec_nope", null, bearer(writer)).status());
        Resp revoked = api.checked("DELETE", "/v1/admin/keys/{key_id}", "/v1/admin/keys/" + keyId, null, bearer(globex));
        assertEquals(200, revoked.status(), revoked.body());
        assertTrue(revoked.json().get("revoked").asBoolean());
        assertNotNull(revoked.json().get("revoked_at").textValue());
        Resp again = api.checked("DELETE", "/v1/admin/keys/{key_id}", "/v1/admin/keys/" + keyId, null, bearer(globex));
        assertEquals(revoked.json(), again.json(), "revoking again answers the same record");
        Resp refused = api.checked("GET", "/v1/decisions/{decision_id}", "/v1/decisions/dec_nope", null, bearer(writer));
        assertEquals(401, refused.status(), refused.body());
        assertTrue(refused.json().get("detail").asText().contains("revoked"), refused.body());
    }

    @Test
    void overTheTenantsRate_is429_withRetryAfter_andOtherTenantsAreNotAffected() throws Exception {
        // given a tenant that spends its burst
        String flood = keysCreate("flood", "writer");
        String calm = keysCreate("calm", "writer");
        Resp throttled = null;
        int sent = 0;
        while (sent < BURST * 3 && throttled == null) {
            Resp r = api.call("GET", "/v1/decisions/dec_nope", null, bearer(flood));
            sent++;
            if (r.status() == 429) throttled = r;
            else assertEquals(404, r.status(), r.body());
        }
        // then it is refused with 429 throttled and a Retry-After, as documented
        assertNotNull(throttled, "no 429 after " + sent + " requests");
        assertTrue(sent > BURST / 2, "throttled after only " + sent + " requests");
        api.check(throttled, "GET", "/v1/decisions/{decision_id}", "/v1/decisions/dec_nope");
        assertEquals("throttled", throttled.json().get("code").asText());
        assertTrue(Integer.parseInt(throttled.header("Retry-After")) >= 1, throttled.header("Retry-After"));
        // while another tenant is served
        assertEquals(404, api.checked("GET", "/v1/decisions/{decision_id}", "/v1/decisions/dec_nope", null, bearer(calm)).status());
    }

    private static TreeSet<String> protectedOperations() {
        TreeSet<String> out = new TreeSet<>();
        for (Routes.Route r : Routes.ALL) if (r.permission() != Permission.PUBLIC) out.add(r.method() + " " + r.path());
        return out;
    }
}

package dev.loopgrid.local.handlers;

import dev.loopgrid.local.TestApps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.auth.ApiKeyAuthorizerHandler;
import dev.loopgrid.aws.auth.DynamoApiKeyStore;
import dev.loopgrid.aws.auth.UsageKeys;
import dev.loopgrid.aws.handlers.CreateApiKeyHandler;
import dev.loopgrid.aws.handlers.GetDecisionHandler;
import dev.loopgrid.aws.handlers.ListApiKeysHandler;
import dev.loopgrid.aws.handlers.MarkIncorrectHandler;
import dev.loopgrid.aws.handlers.RecordDecisionHandler;
import dev.loopgrid.aws.handlers.RevokeApiKeyHandler;
import dev.loopgrid.aws.handlers.VerifyIntegrityHandler;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.auth.ApiKeyRecord;
import dev.loopgrid.core.auth.ApiKeyStore;
import dev.loopgrid.core.auth.ApiKeys;
import dev.loopgrid.core.auth.Principal;
import dev.loopgrid.core.auth.Role;
import dev.loopgrid.local.LocalLambdaContext;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * API keys and roles on the events of {@code events/}: the admin key routes, events that carry
 * {@code requestContext.authorizer} as API Gateway passes it behind the key authorizer, and the REQUEST
 * authorizer's own event ({@code authorizer-request.json}) run through {@link ApiKeyAuthorizerHandler}.
 */
class AuthEventsTest extends HandlerTestSupport {
    /** The placeholder key id of {@code revoke-api-key.json}. */
    static final String PLACEHOLDER_KEY_ID = "key_R2d9XkQ7mPz4Lw1B";
    /** The example key in {@code authorizer-request.json}: valid only where a test stores a record with its hash. */
    static final String EXAMPLE_KEY = "lg_EXAMPLEkeyForEventsOnly-authorizer-request0";
    static final Pattern SECRET = Pattern.compile("lg_[A-Za-z0-9_-]{43}");
    static final Pattern KEY_ID = Pattern.compile("key_[A-Za-z0-9_-]{16}");

    private static APIGatewayProxyRequestEvent withKeyId(APIGatewayProxyRequestEvent e, String keyId) {
        Map<String, String> p = new HashMap<>(e.getPathParameters());
        p.put("key_id", keyId);
        e.setPathParameters(p);
        e.setPath(e.getPath().replace(PLACEHOLDER_KEY_ID, keyId));
        e.getRequestContext().setPath(e.getRequestContext().getPath().replace(PLACEHOLDER_KEY_ID, keyId));
        return e;
    }

    private static Object authorizer(APIGatewayProxyRequestEvent e, String key) {
        return e.getRequestContext().getAuthorizer().get(key);
    }

    // ------------------------------------------------------------------ admin key routes

    @Test
    void createApiKey_asAdmin_is201_withTheSecretOnce_andTheKeyWorks() {
        APIGatewayProxyRequestEvent e = load("create-api-key.json");
        APIGatewayProxyResponseEvent r = invoke(new CreateApiKeyHandler(app), e);
        assertEquals(201, r.getStatusCode(), r.getBody());
        assertEquals("no-store", r.getHeaders().get("Cache-Control"));
        JsonNode k = body(r);
        assertTrue(KEY_ID.matcher(k.get("key_id").asText()).matches(), k.toString());
        assertEquals("acme", k.get("tenant").asText(), "the admin's tenant, from the authorizer");
        assertEquals("writer", k.get("role").asText());
        assertEquals("support-agent production", k.get("name").asText());
        assertEquals(authorizer(e, "key_id"), k.get("created_by").asText());
        assertFalse(k.get("revoked").asBoolean());
        assertTrue(k.get("revoked_at").isNull());
        assertTrue(TIME.matcher(k.get("created_at").asText()).matches());
        String secret = k.get("api_key").asText();
        assertTrue(SECRET.matcher(secret).matches(), secret);
        assertEquals(secret.substring(0, ApiKeys.SHOWN_PREFIX), k.get("prefix").asText());
        assertFalse(k.has("key_hash"));

        // the secret authenticates as a writer of acme
        Principal p = app.apiKeys.authenticate("Bearer " + secret, null);
        assertEquals(new Principal("acme", Role.WRITER, k.get("key_id").asText()), p);
    }

    @Test
    void createApiKey_invalid_is422_namingRoleNameAndTenant() {
        JsonNode b = assertError(invoke(new CreateApiKeyHandler(app), load("create-api-key-invalid.json")),
                422, "validation_failed");
        assertEquals(List.of("role", "name", "tenant"), errorFields(b));
        assertTrue(app.apiKeys.list("acme").isEmpty());
        assertTrue(app.apiKeys.list("globex").isEmpty());
    }

    @Test
    void createApiKey_asWriter_is403() {
        JsonNode b = assertError(invoke(new CreateApiKeyHandler(app), load("create-api-key-as-writer.json")),
                403, "forbidden");
        assertEquals("API key role writer may not manage API keys; roles that may: admin", b.get("detail").asText());
        assertTrue(app.apiKeys.list("acme").isEmpty());
    }

    @Test
    void listApiKeys_showsTheTenantsKeys_oldestFirst_withoutSecrets() {
        String first = body(invoke(new CreateApiKeyHandler(app), load("create-api-key.json"))).get("api_key").asText();
        String second = body(invoke(new CreateApiKeyHandler(app), load("create-api-key.json"))).get("api_key").asText();
        app.apiKeys.create("globex", Role.ADMIN, "another tenant", "local-runner");

        APIGatewayProxyResponseEvent r = invoke(new ListApiKeysHandler(app), load("list-api-keys.json"));
        assertEquals(200, r.getStatusCode(), r.getBody());
        JsonNode b = body(r);
        assertEquals(2, b.get("total").asInt());
        assertEquals(2, b.get("keys").size());
        for (JsonNode k : b.get("keys")) {
            assertEquals("acme", k.get("tenant").asText());
            assertFalse(k.has("api_key") || k.has("key_hash"), k.toString());
        }
        assertEquals(Set.of(first.substring(0, ApiKeys.SHOWN_PREFIX), second.substring(0, ApiKeys.SHOWN_PREFIX)),
                Set.of(b.at("/keys/0/prefix").asText(), b.at("/keys/1/prefix").asText()));
        assertTrue(b.at("/keys/0/created_at").asText().compareTo(b.at("/keys/1/created_at").asText()) <= 0, "oldest first");
        assertFalse(r.getBody().contains(first) || r.getBody().contains(second), "no secret in a listing");
    }

    @Test
    void revokeApiKey_revokesTheTenantsKey_andTheKeyStopsWorking() {
        JsonNode created = body(invoke(new CreateApiKeyHandler(app), load("create-api-key.json")));
        String keyId = created.get("key_id").asText();

        APIGatewayProxyResponseEvent r = invoke(new RevokeApiKeyHandler(app), withKeyId(load("revoke-api-key.json"), keyId));
        assertEquals(200, r.getStatusCode(), r.getBody());
        JsonNode k = body(r);
        assertEquals(keyId, k.get("key_id").asText());
        assertTrue(k.get("revoked").asBoolean());
        assertTrue(TIME.matcher(k.get("revoked_at").asText()).matches(), k.toString());
        assertFalse(k.has("api_key"));
        LedgerException.Unauthorized refused = assertThrows(LedgerException.Unauthorized.class,
                () -> app.apiKeys.authenticate("Bearer " + created.get("api_key").asText(), null));
        assertTrue(refused.detail().contains("revoked"), refused.detail());

        // revoking again answers the same record
        assertEquals(k, body(invoke(new RevokeApiKeyHandler(app), withKeyId(load("revoke-api-key.json"), keyId))));
    }

    @Test
    void revokeApiKey_unknownOrAnotherTenants_is404() {
        assertError(invoke(new RevokeApiKeyHandler(app), load("revoke-api-key-unknown.json")), 404, "key_not_found");
        // the placeholder id of the sample is unknown too
        assertError(invoke(new RevokeApiKeyHandler(app), load("revoke-api-key.json")), 404, "key_not_found");
        // and a key of another tenant answers exactly like an unknown one
        String globexKey = app.apiKeys.create("globex", Role.WRITER, null, "local-runner").record().keyId();
        assertError(invoke(new RevokeApiKeyHandler(app), withKeyId(load("revoke-api-key.json"), globexKey)),
                404, "key_not_found");
        assertFalse(app.apiKeys.list("globex").get(0).revoked());
    }

    // ------------------------------------------------------------------ roles on ledger routes

    @Test
    void verifyIntegrity_asWriter_is403_namingTheRolesThatMay() {
        JsonNode b = assertError(invoke(new VerifyIntegrityHandler(app), load("verify-integrity-as-writer.json")),
                403, "forbidden");
        assertEquals("API key role writer may not verify integrity, build compliance reports or export; roles that may: "
                + "auditor, admin", b.get("detail").asText());
    }

    @Test
    void markIncorrect_asReviewer_is200_inTheReviewersTenantOnly() {
        // given a decision a writer of acme recorded, and one recorded in open mode (tenant "local")
        APIGatewayProxyResponseEvent recorded = invoke(new RecordDecisionHandler(app), load("record-decision-as-writer.json"));
        assertEquals(201, recorded.getStatusCode(), recorded.getBody());
        String acmeId = body(recorded).get("decision_id").asText();
        String localId = recordSample().get("decision_id").asText();

        // when acme's reviewer flags acme's decision, then it is flagged
        APIGatewayProxyResponseEvent r = invoke(new MarkIncorrectHandler(app),
                withDecisionId(load("mark-incorrect-as-reviewer.json"), acmeId));
        assertEquals(200, r.getStatusCode(), r.getBody());
        JsonNode f = body(r);
        assertEquals("incorrect", f.get("status").asText());
        assertEquals("Missed billing issue: the customer was charged twice", f.get("incorrect_reason").asText());

        // and the other tenant's decision does not exist for acme's reviewer
        assertError(invoke(new MarkIncorrectHandler(app), withDecisionId(load("mark-incorrect-as-reviewer.json"), localId)),
                404, "decision_not_found");
        JsonNode local = body(invoke(new GetDecisionHandler(app), withDecisionId(load("get-decision.json"), localId)));
        assertEquals("recorded", local.get("status").asText());
    }

    @Test
    void withKeysRequired_anEventWithoutAnAuthorizer_is401() {
        // a function configured with LOOPGRID_REQUIRE_KEYS=true never serves a request no authorizer vouched for
        App strict = TestApps.create(dynamo.client(), app.config.withRequireKeys(true), Clock.systemUTC());
        APIGatewayProxyResponseEvent r = invoke(new VerifyIntegrityHandler(strict), load("verify-integrity.json"));
        assertError(r, 401, "unauthorized");
        assertEquals("Bearer realm=\"loopgrid\"", r.getHeaders().get("WWW-Authenticate"));
        // the same event with the authorizer's context is served
        APIGatewayProxyRequestEvent asAuditor = load("verify-integrity-as-writer.json");
        asAuditor.getRequestContext().getAuthorizer().put("role", "auditor");
        assertEquals(200, invoke(new VerifyIntegrityHandler(strict), asAuditor).getStatusCode());
    }

    // ------------------------------------------------------------------ the REQUEST authorizer

    /** The authorizer over the handler tests' table, with the example key of the event stored as an auditor of acme. */
    private ApiKeys keysWithExampleKey() {
        ApiKeyStore store = new DynamoApiKeyStore(dynamo.client(), TABLE);
        store.create(new ApiKeyRecord("key_EventsAuthzKey01", ApiKeys.hash(EXAMPLE_KEY),
                EXAMPLE_KEY.substring(0, ApiKeys.SHOWN_PREFIX), "acme", Role.AUDITOR, "events/authorizer-request.json",
                "2026-11-23T20:00:00.000Z", "local-runner", null));
        return new ApiKeys(store, Clock.systemUTC());
    }

    private static APIGatewayCustomAuthorizerEvent authorizerEvent() {
        APIGatewayCustomAuthorizerEvent e = EventLoader.loadAPIGatewayCustomAuthorizerEvent("../events/authorizer-request.json");
        assertNotNull(e);
        assertEquals("REQUEST", e.getType());
        return e;
    }

    private static Map<String, Object> authorize(ApiKeyAuthorizerHandler h, APIGatewayCustomAuthorizerEvent e) {
        return h.handleRequest(e, new LocalLambdaContext("req-authorizer", "ApiKeyAuthorizer"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void authorizer_allowsAKnownKey_onTheWholeStage_withTenantRoleAndKeyId() {
        ApiKeys keys = keysWithExampleKey();
        Map<String, Object> out = authorize(new ApiKeyAuthorizerHandler(keys, Set.of(), "LoopGrid"), authorizerEvent());

        assertEquals("key_EventsAuthzKey01", out.get("principalId"));
        Map<String, Object> policy = (Map<String, Object>) out.get("policyDocument");
        assertEquals("2012-10-17", policy.get("Version"));
        Map<String, Object> statement = ((List<Map<String, Object>>) policy.get("Statement")).get(0);
        assertEquals("Allow", statement.get("Effect"));
        assertEquals("execute-api:Invoke", statement.get("Action"));
        assertEquals("arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*", statement.get("Resource"),
                "the answer may be cached for every route of the stage");
        Map<String, Object> context = (Map<String, Object>) out.get("context");
        assertEquals(Map.of("tenant", "acme", "role", "auditor", "key_id", "key_EventsAuthzKey01"), context);
        assertEquals(UsageKeys.shared("LoopGrid"), out.get("usageIdentifierKey"), "an unregistered tenant shares the default bucket");

        // a tenant registered at deploy time is counted against its own usage key
        Map<String, Object> registered = authorize(new ApiKeyAuthorizerHandler(keys, Set.of("acme"), "LoopGrid"), authorizerEvent());
        assertEquals(UsageKeys.forTenant("LoopGrid", "acme"), registered.get("usageIdentifierKey"));

        // and the context, passed on by API Gateway as requestContext.authorizer, is what the handlers act on
        APIGatewayProxyRequestEvent verify = load("verify-integrity.json");
        Map<String, Object> passedOn = new LinkedHashMap<>(context);
        passedOn.put("principalId", out.get("principalId"));
        verify.getRequestContext().setAuthorizer(passedOn);
        App strict = TestApps.create(dynamo.client(), app.config.withRequireKeys(true), Clock.systemUTC());
        APIGatewayProxyResponseEvent r = invoke(new VerifyIntegrityHandler(strict), verify);
        assertEquals(200, r.getStatusCode(), r.getBody());
    }

    @Test
    void authorizer_acceptsTheKeyInXApiKeyToo() {
        APIGatewayCustomAuthorizerEvent e = authorizerEvent();
        Map<String, String> headers = new LinkedHashMap<>(e.getHeaders());
        headers.remove("Authorization");
        headers.put("X-Api-Key", EXAMPLE_KEY);
        e.setHeaders(headers);
        assertEquals("key_EventsAuthzKey01", authorize(new ApiKeyAuthorizerHandler(keysWithExampleKey(), Set.of(), "LoopGrid"), e)
                .get("principalId"));
    }

    @Test
    void authorizer_refusesNoKey_anUnknownKey_andARevokedKey_withUnauthorized() {
        // API Gateway turns exactly the error message "Unauthorized" into a 401
        ApiKeys keys = keysWithExampleKey();
        ApiKeyAuthorizerHandler h = new ApiKeyAuthorizerHandler(keys, Set.of(), "LoopGrid");

        APIGatewayCustomAuthorizerEvent noKey = authorizerEvent();
        Map<String, String> headers = new LinkedHashMap<>(noKey.getHeaders());
        headers.remove("Authorization");
        noKey.setHeaders(headers);
        assertEquals("Unauthorized", assertThrows(RuntimeException.class, () -> authorize(h, noKey)).getMessage());

        ApiKeyAuthorizerHandler empty = new ApiKeyAuthorizerHandler(new ApiKeys(ApiKeyStore.inMemory(), Clock.systemUTC()),
                Set.of(), "LoopGrid");
        assertEquals("Unauthorized", assertThrows(RuntimeException.class, () -> authorize(empty, authorizerEvent())).getMessage());

        keys.revoke("acme", "key_EventsAuthzKey01");
        assertEquals("Unauthorized", assertThrows(RuntimeException.class, () -> authorize(h, authorizerEvent())).getMessage());
    }
}

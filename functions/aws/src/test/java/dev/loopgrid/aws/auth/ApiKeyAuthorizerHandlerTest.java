package dev.loopgrid.aws.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import dev.loopgrid.core.auth.ApiKeyStore;
import dev.loopgrid.core.auth.ApiKeys;
import dev.loopgrid.core.auth.Role;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeyAuthorizerHandlerTest {
    private static final String ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/POST/v1/decisions";
    private final ApiKeys keys = new ApiKeys(ApiKeyStore.inMemory(), Clock.systemUTC(), Duration.ofSeconds(60));
    private final ApiKeyAuthorizerHandler handler = new ApiKeyAuthorizerHandler(keys, Set.of("acme"), "stack-a");

    private static APIGatewayCustomAuthorizerEvent event(String... headers) {
        Map<String, String> h = new HashMap<>();
        for (int i = 0; i + 1 < headers.length; i += 2) h.put(headers[i], headers[i + 1]);
        APIGatewayCustomAuthorizerEvent e = new APIGatewayCustomAuthorizerEvent();
        e.setType("REQUEST");
        e.setMethodArn(ARN);
        e.setHeaders(h);
        return e;
    }

    @Test
    @SuppressWarnings("unchecked")
    void validKey_isAllowedOnTheWholeStage_withTenantRoleAndUsageKey() {
        ApiKeys.Created c = keys.create("acme", Role.REVIEWER, null, "t");
        for (APIGatewayCustomAuthorizerEvent e : List.of(event("authorization", "Bearer " + c.secret()),
                event("X-Api-Key", c.secret()), event("x-api-key", c.secret()))) {
            Map<String, Object> out = handler.handleRequest(e, null);
            assertEquals(c.record().keyId(), out.get("principalId"));
            Map<String, Object> policy = (Map<String, Object>) out.get("policyDocument");
            Map<String, Object> st = ((List<Map<String, Object>>) policy.get("Statement")).get(0);
            assertEquals("Allow", st.get("Effect"));
            assertEquals("execute-api:Invoke", st.get("Action"));
            assertEquals("arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/*", st.get("Resource"));
            assertEquals(Map.of("tenant", "acme", "role", "reviewer", "key_id", c.record().keyId()), out.get("context"));
            assertEquals(UsageKeys.forTenant("stack-a", "acme"), out.get("usageIdentifierKey"));
        }
    }

    @Test
    void unregisteredTenants_shareTheDefaultUsageKey_registeredOnesHaveTheirOwn() {
        ApiKeys.Created c = keys.create("globex", Role.WRITER, null, "t");
        assertEquals(UsageKeys.shared("stack-a"), handler.handleRequest(event("X-Api-Key", c.secret()), null).get("usageIdentifierKey"));
        assertNotEquals(UsageKeys.forTenant("stack-a", "acme"), UsageKeys.forTenant("stack-a", "globex"));
        assertNotEquals(UsageKeys.forTenant("stack-a", "acme"), UsageKeys.forTenant("stack-b", "acme"),
                "two stacks in one account never share a key value (API Gateway requires them unique)");
        assertNotEquals(UsageKeys.shared("stack-a"), UsageKeys.shared("stack-b"));
        assertTrue(UsageKeys.forTenant("s", "a").length() >= 20, "API Gateway key values are at least 20 characters");
    }

    @Test
    void missingInvalidAndRevokedKeys_areUnauthorized_theMessageApiGatewayMapsTo401() {
        ApiKeys.Created c = keys.create("acme", Role.ADMIN, null, "t");
        keys.revoke("acme", c.record().keyId());
        for (APIGatewayCustomAuthorizerEvent e : List.of(event(), event("Authorization", "Basic abc"),
                event("Authorization", "Bearer lg_" + "Z".repeat(43)), event("X-Api-Key", c.secret()),
                event("Authorization", "Bearer nonsense"))) {
            RuntimeException ex = assertThrows(RuntimeException.class, () -> handler.handleRequest(e, null));
            assertEquals("Unauthorized", ex.getMessage());
        }
    }

    @Test
    void aStoreOutage_isNotReportedAsABadKey() {
        ApiKeys failing = new ApiKeys(new ApiKeyStore() {
            @Override public void create(dev.loopgrid.core.auth.ApiKeyRecord key) { }
            @Override public java.util.Optional<dev.loopgrid.core.auth.ApiKeyRecord> findByHash(String h) {
                throw new dev.loopgrid.core.ledger.StoreException.Unavailable("down", null);
            }
            @Override public List<dev.loopgrid.core.auth.ApiKeyRecord> list(String t) { return List.of(); }
            @Override public java.util.Optional<dev.loopgrid.core.auth.ApiKeyRecord> revoke(String t, String k, String at) {
                return java.util.Optional.empty();
            }
        }, Clock.systemUTC());
        RuntimeException ex = assertThrows(RuntimeException.class, () -> new ApiKeyAuthorizerHandler(failing, Set.of(), "stack-a")
                .handleRequest(event("X-Api-Key", "lg_" + "Q".repeat(43)), null));
        assertNotEquals("Unauthorized", ex.getMessage(), "an outage must not look like a revoked key (AUTHORIZER_FAILURE, 5xx)");
    }

    @Test
    void stageWildcard_keepsApiAndStage() {
        assertEquals("arn:aws:execute-api:r:1:api/stage/*", ApiKeyAuthorizerHandler.stageWildcard("arn:aws:execute-api:r:1:api/stage/GET/"));
        assertEquals(Set.of("a", "b"), ApiKeyAuthorizerHandler.tenants(" a, b,,"));
    }
}

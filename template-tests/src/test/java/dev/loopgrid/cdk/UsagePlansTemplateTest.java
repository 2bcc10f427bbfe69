package dev.loopgrid.cdk;

import static dev.loopgrid.cdk.Synthesized.props;
import static dev.loopgrid.cdk.Synthesized.refId;
import static dev.loopgrid.cdk.Synthesized.resources;
import static dev.loopgrid.cdk.Synthesized.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopgrid.aws.auth.UsageKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Per-tenant throttling: the value of each usage-plan key is exactly what the authorizer returns as
 * {@code usageIdentifierKey} ({@link UsageKeys}) for the tenants it is told are registered, so a registered tenant is
 * counted in its own plan and everyone else in the shared one.
 */
class UsagePlansTemplateTest {
    /** The synthesized stack's name: the scope of its usage-key values. */
    private static final String STACK = "LoopGrid";
    private static final double TENANT_RATE = 50;
    private static final int TENANT_BURST = 100;

    /** Key value → the plan (logical id) it is attached to. */
    private static Map<String, String> planOfKeyValue() {
        Map<String, Map<String, Object>> keys = resources("AWS::ApiGateway::ApiKey");
        Map<String, String> out = new HashMap<>();
        for (Map<String, Object> link : resources("AWS::ApiGateway::UsagePlanKey").values()) {
            assertEquals("API_KEY", props(link).get("KeyType"));
            String keyId = refId(props(link).get("KeyId"));
            String value = (String) props(keys.get(keyId)).get("Value");
            assertNotNull(value, "a usage key without a fixed value cannot match what the authorizer returns");
            assertEquals(null, out.put(value, refId(props(link).get("UsagePlanId"))), "key value in two plans: " + value);
        }
        return out;
    }

    private static void assertPlan(String planId, double rate, int burst, String what) {
        Map<String, Object> plan = props(resources("AWS::ApiGateway::UsagePlan").get(planId));
        assertEquals(Map.of("RateLimit", rate, "BurstLimit", burst), normalize(plan.get("Throttle")), what);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> stages = (List<Map<String, Object>>) plan.get("ApiStages");
        assertEquals(1, stages.size(), what);
        assertEquals(Map.of("Ref", template().getResourceId("AWS::ApiGateway::RestApi")), stages.get(0).get("ApiId"), what);
        assertEquals(Map.of("Ref", template().getResourceId("AWS::ApiGateway::Stage")), stages.get(0).get("Stage"), what);
    }

    /** Numbers as doubles/ints regardless of how the template JSON typed them. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> normalize(Object throttle) {
        Map<String, Object> m = (Map<String, Object>) throttle;
        return Map.of("RateLimit", ((Number) m.get("RateLimit")).doubleValue(),
                "BurstLimit", ((Number) m.get("BurstLimit")).intValue());
    }

    @Test
    void eachRegisteredTenant_hasItsOwnPlan_atTheTenantThrottle_holdingItsUsageKey() {
        Map<String, String> plans = planOfKeyValue();
        Set<String> tenantPlans = new HashSet<>();
        for (String tenant : Synthesized.TENANTS) {
            String planId = plans.get(UsageKeys.forTenant(STACK, tenant));
            assertNotNull(planId, "no plan holds the usage key of " + tenant);
            assertTrue(tenantPlans.add(planId), tenant + " shares its plan");
            assertPlan(planId, TENANT_RATE, TENANT_BURST, tenant);
        }
    }

    @Test
    void unregisteredTenants_shareOnePlan_atTheStageThrottle() {
        String planId = planOfKeyValue().get(UsageKeys.shared(STACK));
        assertNotNull(planId, "no plan holds the shared usage key: unregistered tenants would get 403");
        assertPlan(planId, ApiConstruct.THROTTLE_RATE, ApiConstruct.THROTTLE_BURST, "shared");
        // an unregistered tenant is counted against the shared key, a registered one never
        assertEquals(UsageKeys.shared(STACK), UsageKeys.of(STACK, "initech", Set.copyOf(Synthesized.TENANTS)));
        assertEquals(UsageKeys.forTenant(STACK, "acme"), UsageKeys.of(STACK, "acme", Set.copyOf(Synthesized.TENANTS)));
    }

    @Test
    void thereIsOnePlanAndOneEnabledKeyPerRegisteredTenant_plusTheSharedOnes_andNothingElse() {
        int expected = Synthesized.TENANTS.size() + 1;
        template().resourceCountIs("AWS::ApiGateway::UsagePlan", expected);
        template().resourceCountIs("AWS::ApiGateway::ApiKey", expected);
        template().resourceCountIs("AWS::ApiGateway::UsagePlanKey", expected);
        List<String> values = new ArrayList<>();
        for (Map<String, Object> key : resources("AWS::ApiGateway::ApiKey").values()) {
            assertEquals(true, props(key).get("Enabled"));
            String value = (String) props(key).get("Value");
            // API Gateway requires at least 20 characters
            assertTrue(value.length() >= 20, value);
            values.add(value);
        }
        List<String> expectedValues = new ArrayList<>();
        Synthesized.TENANTS.forEach(t -> expectedValues.add(UsageKeys.forTenant(STACK, t)));
        expectedValues.add(UsageKeys.shared(STACK));
        assertEquals(new HashSet<>(expectedValues), new HashSet<>(values));
        assertEquals(expected, new HashSet<>(values).size(), "usage key values are distinct");
    }

    @Test
    void theAuthorizerIsToldExactlyTheTenantsThatHaveAPlan() {
        String env = template().findResources("AWS::Lambda::Function").values().stream()
                .filter(f -> "dev.loopgrid.aws.auth.ApiKeyAuthorizerHandler::handleRequest".equals(props(f).get("Handler")))
                .map(f -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> vars = (Map<String, Object>) ((Map<String, Object>) props(f).get("Environment")).get("Variables");
                    return (String) vars.get("LOOPGRID_USAGE_TENANTS");
                })
                .findFirst().orElseThrow();
        Set<String> told = new HashSet<>(List.of(env.split(",")));
        Map<String, String> plans = planOfKeyValue();
        Set<String> withPlan = new HashSet<>();
        for (String t : told) if (plans.containsKey(UsageKeys.forTenant(STACK, t))) withPlan.add(t);
        assertEquals(told, withPlan, "a tenant the authorizer counts separately has no plan (its requests would get 403)");
        assertEquals(Synthesized.TENANTS.size() + 1, plans.size(), "a plan for a tenant the authorizer never counts separately");
    }
}

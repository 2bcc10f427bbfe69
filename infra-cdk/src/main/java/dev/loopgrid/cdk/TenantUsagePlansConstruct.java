package dev.loopgrid.cdk;

import dev.loopgrid.aws.auth.UsageKeys;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.apigateway.ApiKey;
import software.amazon.awscdk.services.apigateway.RestApi;
import software.amazon.awscdk.services.apigateway.ThrottleSettings;
import software.amazon.awscdk.services.apigateway.UsagePlan;
import software.amazon.awscdk.services.apigateway.UsagePlanPerApiStage;
import software.constructs.Construct;

/**
 * Per-tenant throttling with API Gateway usage plans. The API's key source is {@code AUTHORIZER}: the key
 * authorizer returns, as {@code usageIdentifierKey}, the value of the usage-plan key a request is counted against
 * ({@link UsageKeys#of}), and every method behind the authorizer has {@code apiKeyRequired}. So:
 *
 * <ul>
 *   <li>each registered tenant ({@code -c loopgrid:tenants=acme,globex}) has its own plan, throttled at the tenant
 *       rate and burst, holding one API key whose value is {@link UsageKeys#forTenant};</li>
 *   <li>one shared plan, throttled at the stage's limits, holds the key {@link UsageKeys#shared()} that every
 *       unregistered tenant is counted against (one bucket for all of them);</li>
 *   <li>the stage throttle stays the overall ceiling (usage-plan limits apply per key, within it).</li>
 * </ul>
 *
 * These API keys are counters, not credentials: clients never send them (with the {@code AUTHORIZER} source
 * API Gateway ignores {@code X-Api-Key} for usage plans), so their values may sit in the template. A tenant whose
 * key is in no plan would get 403 {@code INVALID_API_KEY}; the shared plan is why that does not happen.
 * API Gateway applies usage-plan throttles on a best-effort basis, not as a hard guarantee.
 */
public final class TenantUsagePlansConstruct extends Construct {

    /**
     * @param api          the REST API (its deployment stage is the one throttled)
     * @param tenants      the registered tenants
     * @param tenantRate   steady requests per second of each registered tenant
     * @param tenantBurst  burst of each registered tenant
     * @param sharedRate   steady requests per second of all unregistered tenants together
     * @param sharedBurst  their burst
     */
    public record Props(RestApi api, List<String> tenants, double tenantRate, int tenantBurst,
                        double sharedRate, int sharedBurst) {}

    private final Map<String, UsagePlan> tenantPlans = new LinkedHashMap<>();
    private final List<ApiKey> keys = new ArrayList<>();
    private final UsagePlan sharedPlan;

    public TenantUsagePlansConstruct(Construct scope, String id, Props props) {
        super(scope, id);
        String stack = Stack.of(this).getStackName();
        for (String tenant : props.tenants()) {
            UsagePlan plan = plan("Plan-" + tenant, stack + " tenant " + tenant,
                    "LoopGrid tenant " + tenant + ": its own throttle", props, props.tenantRate(), props.tenantBurst());
            plan.addApiKey(key("Key-" + tenant, UsageKeys.forTenant(stack, tenant),
                    "LoopGrid usage key of tenant " + tenant + " (returned by the authorizer; a counter, not a credential)"));
            tenantPlans.put(tenant, plan);
        }
        sharedPlan = plan("SharedPlan", stack + " shared", "LoopGrid tenants without a plan of their own, counted together",
                props, props.sharedRate(), props.sharedBurst());
        sharedPlan.addApiKey(key("SharedKey", UsageKeys.shared(stack),
                "LoopGrid usage key shared by unregistered tenants (returned by the authorizer; a counter, not a credential)"));
    }

    private UsagePlan plan(String id, String name, String description, Props props, double rate, int burst) {
        return UsagePlan.Builder.create(this, id)
                .name(name)
                .description(description)
                .throttle(ThrottleSettings.builder().rateLimit(rate).burstLimit(burst).build())
                .apiStages(List.of(UsagePlanPerApiStage.builder()
                        .api(props.api()).stage(props.api().getDeploymentStage()).build()))
                .build();
    }

    private ApiKey key(String id, String value, String description) {
        ApiKey key = ApiKey.Builder.create(this, id).value(value).description(description).enabled(true).build();
        keys.add(key);
        return key;
    }

    /** Tenant → its plan, in registration order. */
    public Map<String, UsagePlan> tenantPlans() { return Collections.unmodifiableMap(tenantPlans); }
    public UsagePlan sharedPlan() { return sharedPlan; }
    public List<ApiKey> keys() { return Collections.unmodifiableList(keys); }
}

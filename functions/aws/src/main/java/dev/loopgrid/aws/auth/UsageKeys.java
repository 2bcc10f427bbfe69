package dev.loopgrid.aws.auth;

import dev.loopgrid.core.auth.ApiKeys;
import java.util.Set;

/**
 * The API Gateway usage-plan key a tenant's requests are counted against (per-tenant throttling). The
 * authorizer returns it as {@code usageIdentifierKey}; the API's key source is {@code AUTHORIZER}, so clients
 * never send it, and it is not a credential. Tenants named at deploy time ({@code -c loopgrid:tenants=a,b})
 * get their own key in their own usage plan; every other tenant is counted in the shared bucket.
 *
 * <p>API Gateway key values must be unique per account and region, so the value is derived from a
 * <em>scope</em> — the stack's name ({@code LOOPGRID_USAGE_KEY_SCOPE}, set by the CDK app) — and the tenant:
 * two stacks in one account never collide.
 */
public final class UsageKeys {
    /** A name no tenant can have (tenant names exclude '*'): the shared bucket. */
    static final String SHARED_BUCKET = "*shared*";

    private UsageKeys() {}

    /** The usage key value of a registered tenant in a deployment (deterministic, ≥ 20 characters as API Gateway requires). */
    public static String forTenant(String scope, String tenant) {
        return "loopgrid-usage-" + ApiKeys.hash(scope + ":tenant:" + tenant).substring(0, 40);
    }

    /** The usage key value of a deployment's shared bucket, for tenants not registered at deploy time. */
    public static String shared(String scope) {
        return forTenant(scope, SHARED_BUCKET);
    }

    /** The key to count {@code tenant} against, given the registered tenants. */
    public static String of(String scope, String tenant, Set<String> registered) {
        return registered.contains(tenant) ? forTenant(scope, tenant) : shared(scope);
    }
}

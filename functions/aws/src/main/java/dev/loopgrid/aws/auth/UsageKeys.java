package dev.loopgrid.aws.auth;

import dev.loopgrid.core.auth.ApiKeys;
import java.util.Set;

/**
 * The API Gateway usage-plan key a tenant's requests are counted against (per-tenant throttling). The
 * authorizer returns it as {@code usageIdentifierKey}; the API's key source is {@code AUTHORIZER}, so clients
 * never send it, and it is not a credential. Tenants named at deploy time ({@code -c loopgrid:tenants=a,b})
 * get their own key in the tenant usage plan; every other tenant is counted in the shared default bucket.
 */
public final class UsageKeys {
    public static final String DEFAULT_TENANT_BUCKET = "*default*";

    private UsageKeys() {}

    /** The usage key value of a registered tenant (deterministic, ≥ 20 characters as API Gateway requires). */
    public static String forTenant(String tenant) {
        return "loopgrid-tenant-" + ApiKeys.hash("tenant:" + tenant).substring(0, 40);
    }

    /** The usage key value of the shared bucket for tenants not registered at deploy time. */
    public static String shared() {
        return forTenant(DEFAULT_TENANT_BUCKET);
    }

    /** The key to count {@code tenant} against, given the registered tenants. */
    public static String of(String tenant, Set<String> registered) {
        return registered.contains(tenant) ? forTenant(tenant) : shared();
    }
}

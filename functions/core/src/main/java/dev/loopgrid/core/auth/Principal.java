package dev.loopgrid.core.auth;

/**
 * Who is calling: the tenant whose data the request may touch, the role deciding what it may do, and the
 * key it presented (null in open mode).
 */
public record Principal(String tenant, Role role, String keyId) {

    /** Open single-tenant mode (the local default): no key, every permission, one tenant. */
    public static Principal open(String tenant) {
        return new Principal(tenant, Role.ADMIN, null);
    }

    public boolean open() {
        return keyId == null;
    }
}

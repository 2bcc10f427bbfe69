package dev.loopgrid.core.auth;

/**
 * A stored API key, without its secret: only {@code keyHash} (SHA-256 hex of the key) is kept.
 *
 * @param keyId     public id ({@code key_…}), used to list and revoke
 * @param keyHash   SHA-256 hex of the secret key
 * @param prefix    the first characters of the key, so people can tell their keys apart
 * @param tenant    the tenant the key acts for
 * @param role      what the key may do
 * @param name      a label given at creation
 * @param createdAt RFC 3339 UTC with milliseconds
 * @param createdBy key id of the admin key that created it, or a label ({@code local-runner}, {@code open-mode})
 * @param revokedAt when it was revoked, or null while active
 */
public record ApiKeyRecord(String keyId, String keyHash, String prefix, String tenant, Role role, String name,
                           String createdAt, String createdBy, String revokedAt) {

    public boolean revoked() {
        return revokedAt != null;
    }

    public ApiKeyRecord revoke(String at) {
        return new ApiKeyRecord(keyId, keyHash, prefix, tenant, role, name, createdAt, createdBy, at);
    }
}

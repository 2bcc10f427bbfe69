package dev.loopgrid.core.auth;

import java.util.List;
import java.util.Optional;

/** Where API key records live. Implementations: {@code DynamoApiKeyStore} (functions/aws), {@link #inMemory()}. */
public interface ApiKeyStore {

    /** Stores a new key; ids and hashes are random, so a collision is a bug and may throw. */
    void create(ApiKeyRecord key);

    /** The key with this hash (active or revoked), or empty. One read: the authorizer's request path. */
    Optional<ApiKeyRecord> findByHash(String keyHash);

    /** The tenant's keys, oldest first. */
    List<ApiKeyRecord> list(String tenant);

    /** Marks the tenant's key revoked (keeping the first revocation time); empty when the tenant has no such key. */
    Optional<ApiKeyRecord> revoke(String tenant, String keyId, String at);

    static ApiKeyStore inMemory() {
        return new InMemoryApiKeyStore();
    }
}

package dev.loopgrid.core.auth;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A key store in memory, for unit tests; the shared contract test runs it next to the DynamoDB store. */
final class InMemoryApiKeyStore implements ApiKeyStore {
    private final Map<String, ApiKeyRecord> byHash = new LinkedHashMap<>();

    @Override
    public synchronized void create(ApiKeyRecord key) {
        if (byHash.containsKey(key.keyHash())) throw new IllegalStateException("duplicate key hash");
        for (ApiKeyRecord k : byHash.values()) {
            if (k.tenant().equals(key.tenant()) && k.keyId().equals(key.keyId())) {
                throw new IllegalStateException("duplicate key id");
            }
        }
        byHash.put(key.keyHash(), key);
    }

    @Override
    public synchronized Optional<ApiKeyRecord> findByHash(String keyHash) {
        return Optional.ofNullable(byHash.get(keyHash));
    }

    @Override
    public synchronized List<ApiKeyRecord> list(String tenant) {
        List<ApiKeyRecord> out = new ArrayList<>();
        for (ApiKeyRecord k : byHash.values()) if (k.tenant().equals(tenant)) out.add(k);
        out.sort(java.util.Comparator.comparing(ApiKeyRecord::createdAt).thenComparing(ApiKeyRecord::keyId));
        return out;
    }

    @Override
    public synchronized Optional<ApiKeyRecord> revoke(String tenant, String keyId, String at) {
        for (Map.Entry<String, ApiKeyRecord> e : byHash.entrySet()) {
            ApiKeyRecord k = e.getValue();
            if (k.tenant().equals(tenant) && k.keyId().equals(keyId)) {
                if (!k.revoked()) {
                    k = k.revoke(at);
                    e.setValue(k);
                }
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }
}

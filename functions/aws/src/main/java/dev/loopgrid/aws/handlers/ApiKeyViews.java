package dev.loopgrid.aws.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.auth.ApiKeyRecord;

/** The JSON shape of an API key record: never the secret, never the hash. */
final class ApiKeyViews {
    private ApiKeyViews() {}

    static ObjectNode toJson(ApiKeyRecord k) {
        ObjectNode o = Json.object();
        o.put("key_id", k.keyId());
        o.put("tenant", k.tenant());
        o.put("role", k.role().wire());
        if (k.name() == null) o.putNull("name"); else o.put("name", k.name());
        o.put("prefix", k.prefix());
        o.put("created_at", k.createdAt());
        o.put("created_by", k.createdBy());
        o.put("revoked", k.revoked());
        if (k.revokedAt() == null) o.putNull("revoked_at"); else o.put("revoked_at", k.revokedAt());
        return o;
    }
}

package dev.loopgrid.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * An API key's record ({@code /v1/admin/keys}): never its hash, and its secret only in the answer that created it.
 *
 * @param keyId     public id, used to revoke it
 * @param role      {@code writer}, {@code reviewer}, {@code auditor} or {@code admin}
 * @param prefix    the key's first characters, to tell keys apart
 * @param createdBy the key id of the admin key that created it ({@code local-runner}, {@code open-mode} locally)
 * @param apiKey    the secret, to send as {@code Authorization: Bearer …}: only from {@link LoopGrid#createApiKey}, null otherwise
 */
public record ApiKey(String keyId, String tenant, String role, String name, String prefix, Instant createdAt,
                     String createdBy, boolean revoked, Instant revokedAt, String apiKey, JsonNode raw) {

    public static ApiKey of(JsonNode n) {
        return new ApiKey(Nodes.text(n, "key_id"), Nodes.text(n, "tenant"), Nodes.text(n, "role"), Nodes.text(n, "name"),
                Nodes.text(n, "prefix"), Nodes.instant(n, "created_at"), Nodes.text(n, "created_by"),
                Nodes.bool(n, "revoked"), Nodes.instant(n, "revoked_at"), Nodes.text(n, "api_key"), n);
    }

    @Override
    public String toString() { // never the secret, e.g. in a log line
        return "ApiKey[keyId=" + keyId + ", tenant=" + tenant + ", role=" + role + ", name=" + name + ", prefix=" + prefix
                + ", revoked=" + revoked + (apiKey != null ? ", apiKey=<secret>" : "") + "]";
    }
}

package dev.loopgrid.aws.auth;

import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.auth.ApiKeyRecord;
import dev.loopgrid.core.auth.ApiKeyStore;
import dev.loopgrid.core.auth.Role;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * API keys in the ledger table, two items per key, written together in one transaction:
 *
 * <pre>
 * by hash    pk = APIKEY#&lt;sha256 of the key&gt;  sk = APIKEY     tenant, role, key_id, prefix, name, created_at, created_by, revoked_at
 * by tenant  pk = KEYS#&lt;tenant&gt;               sk = KEY#&lt;key_id&gt; key_hash and the same fields
 * </pre>
 *
 * Authentication is one strongly consistent {@code GetItem} by hash (so a revocation is seen at once by
 * every uncached check); listing is one query of the tenant's partition. The secret itself is never stored.
 * IAM confines the authorizer to {@value #BY_HASH}{@code *} reads and the key-admin functions to these two
 * prefixes ({@code infra-cdk} LedgerAccess).
 */
public final class DynamoApiKeyStore implements ApiKeyStore {
    public static final String BY_HASH = "APIKEY#";
    public static final String BY_TENANT = "KEYS#";
    static final String HASH_SK = "APIKEY";
    static final String TENANT_SK_PREFIX = "KEY#";

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoApiKeyStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public void create(ApiKeyRecord key) {
        Map<String, AttributeValue> byHash = fields(key);
        byHash.put("pk", s(BY_HASH + key.keyHash()));
        byHash.put("sk", s(HASH_SK));
        Map<String, AttributeValue> byTenant = fields(key);
        byTenant.put("pk", s(BY_TENANT + key.tenant()));
        byTenant.put("sk", s(TENANT_SK_PREFIX + key.keyId()));
        byTenant.put("key_hash", s(key.keyHash()));
        try {
            dynamo.transactWriteItems(b -> b.transactItems(
                    TransactWriteItem.builder().put(Put.builder().tableName(table).item(byHash)
                            .conditionExpression("attribute_not_exists(pk)").build()).build(),
                    TransactWriteItem.builder().put(Put.builder().tableName(table).item(byTenant)
                            .conditionExpression("attribute_not_exists(pk)").build()).build()));
        } catch (TransactionCanceledException e) {
            throw new IllegalStateException("API key id or hash collision (key " + key.keyId() + ")", e);
        } catch (SdkException e) {
            throw new StoreException.Unavailable("storing an API key failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<ApiKeyRecord> findByHash(String keyHash) {
        GetItemResponse r;
        try {
            r = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
                    .key(Map.of("pk", s(BY_HASH + keyHash), "sk", s(HASH_SK))));
        } catch (SdkException e) {
            throw new StoreException.Unavailable("reading an API key failed: " + e.getMessage(), e);
        }
        if (!r.hasItem() || r.item().isEmpty()) return Optional.empty();
        return Optional.of(record(r.item(), keyHash));
    }

    @Override
    public List<ApiKeyRecord> list(String tenant) {
        List<ApiKeyRecord> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        try {
            do {
                QueryRequest.Builder q = QueryRequest.builder().tableName(table).consistentRead(true)
                        .keyConditionExpression("pk = :pk AND begins_with(sk, :p)")
                        .expressionAttributeValues(Map.of(":pk", s(BY_TENANT + tenant), ":p", s(TENANT_SK_PREFIX)));
                if (start != null) q.exclusiveStartKey(start);
                QueryResponse r = dynamo.query(q.build());
                for (Map<String, AttributeValue> item : r.items()) out.add(record(item, str(item, "key_hash")));
                start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
            } while (start != null);
        } catch (SdkException e) {
            throw new StoreException.Unavailable("listing API keys failed: " + e.getMessage(), e);
        }
        out.sort(java.util.Comparator.comparing(ApiKeyRecord::createdAt).thenComparing(ApiKeyRecord::keyId));
        return out;
    }

    @Override
    public Optional<ApiKeyRecord> revoke(String tenant, String keyId, String at) {
        Map<String, AttributeValue> tenantKey = Map.of("pk", s(BY_TENANT + tenant), "sk", s(TENANT_SK_PREFIX + keyId));
        try {
            for (int attempt = 0; ; attempt++) {
                GetItemResponse r = dynamo.getItem(b -> b.tableName(table).consistentRead(true).key(tenantKey));
                if (!r.hasItem() || r.item().isEmpty()) return Optional.empty();
                ApiKeyRecord rec = record(r.item(), str(r.item(), "key_hash"));
                if (rec.revoked()) return Optional.of(rec); // the first revocation stands
                Update.Builder hashSide = Update.builder().tableName(table)
                        .key(Map.of("pk", s(BY_HASH + rec.keyHash()), "sk", s(HASH_SK)))
                        .updateExpression("SET revoked_at = :at")
                        .conditionExpression("attribute_exists(pk) AND attribute_not_exists(revoked_at)")
                        .expressionAttributeValues(Map.of(":at", s(at)));
                Update.Builder tenantSide = Update.builder().tableName(table).key(tenantKey)
                        .updateExpression("SET revoked_at = :at")
                        .conditionExpression("attribute_exists(pk) AND attribute_not_exists(revoked_at)")
                        .expressionAttributeValues(Map.of(":at", s(at)));
                try {
                    dynamo.transactWriteItems(b -> b.transactItems(
                            TransactWriteItem.builder().update(hashSide.build()).build(),
                            TransactWriteItem.builder().update(tenantSide.build()).build()));
                    return Optional.of(rec.revoke(at));
                } catch (TransactionCanceledException e) {
                    // revoked concurrently (the next read answers it), or a transaction conflict: read and try again
                    if (attempt >= 8) {
                        throw new StoreException.Unavailable("revoking an API key kept conflicting", e);
                    }
                }
            }
        } catch (SdkException e) {
            throw new StoreException.Unavailable("revoking an API key failed: " + e.getMessage(), e);
        }
    }

    private static Map<String, AttributeValue> fields(ApiKeyRecord k) {
        Map<String, AttributeValue> m = new HashMap<>();
        m.put("key_id", s(k.keyId()));
        m.put("tenant", s(k.tenant()));
        m.put("role", s(k.role().wire()));
        m.put("prefix", s(k.prefix()));
        m.put("created_at", s(k.createdAt()));
        m.put("created_by", s(k.createdBy()));
        if (k.name() != null) m.put("name", s(k.name()));
        if (k.revokedAt() != null) m.put("revoked_at", s(k.revokedAt()));
        return m;
    }

    private static ApiKeyRecord record(Map<String, AttributeValue> item, String hash) {
        Role role = Role.fromWire(str(item, "role"));
        if (role == null) throw new StoreException.Unavailable("API key item has an unknown role", null);
        return new ApiKeyRecord(str(item, "key_id"), hash, str(item, "prefix"), str(item, "tenant"), role,
                str(item, "name"), str(item, "created_at"), str(item, "created_by"), str(item, "revoked_at"));
    }

    private static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }
}

package dev.loopgrid.aws.reports;

import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.report.CheckpointStore;
import dev.loopgrid.core.report.VerificationCheckpoint;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * Verification checkpoints in the ledger table, one item per chain:
 * {@code pk = VERIFIED#tenant#chain, sk = VERIFIED} with {@code seq}, {@code chain_hash}, {@code verified_at}.
 *
 * <p>Their own partition, not the chain's: writing one never touches the head item that appends contend for,
 * and IAM can confine the report functions' only write to these items ({@code dynamodb:LeadingKeys} =
 * {@value #PREFIX}{@code *}), so a report function can never alter a ledger entry or head.
 */
public final class DynamoCheckpointStore implements CheckpointStore {
    /** Partition-key prefix of checkpoint items. */
    public static final String PREFIX = "VERIFIED#";
    static final String SK = "VERIFIED";
    /** Only forward: a concurrent report that got further wins. */
    static final String ONLY_FORWARD = "attribute_not_exists(pk) OR seq < :seq";

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoCheckpointStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    static String pk(String tenant, String chainId) {
        return PREFIX + tenant + "#" + chainId;
    }

    @Override
    public Map<String, VerificationCheckpoint> read(String tenant, Collection<String> chainIds) {
        Map<String, VerificationCheckpoint> out = new HashMap<>();
        List<String> ids = new ArrayList<>(chainIds);
        for (int i = 0; i < ids.size(); i += 100) {
            List<Map<String, AttributeValue>> keys = new ArrayList<>();
            for (String c : ids.subList(i, Math.min(i + 100, ids.size()))) {
                keys.add(Map.of("pk", AttributeValue.fromS(pk(tenant, c)), "sk", AttributeValue.fromS(SK)));
            }
            Map<String, KeysAndAttributes> request = new HashMap<>(Map.of(table,
                    KeysAndAttributes.builder().keys(keys).consistentRead(true).build()));
            for (int round = 0; !request.isEmpty(); round++) {
                BatchGetItemResponse r;
                try {
                    Map<String, KeysAndAttributes> req = Map.copyOf(request);
                    r = dynamo.batchGetItem(b -> b.requestItems(req));
                } catch (SdkException e) {
                    throw new StoreException.Unavailable("DynamoDB read failed: " + e.getMessage(), e);
                }
                for (Map<String, AttributeValue> item : r.responses().getOrDefault(table, List.of())) {
                    VerificationCheckpoint cp = checkpoint(item);
                    if (cp != null) out.put(cp.chainId(), cp);
                }
                request.clear();
                if (r.hasUnprocessedKeys() && !r.unprocessedKeys().isEmpty()) {
                    if (round > 10) throw new StoreException.Unavailable("DynamoDB kept keys unprocessed", null);
                    request.putAll(r.unprocessedKeys());
                }
            }
        }
        return out;
    }

    private static VerificationCheckpoint checkpoint(Map<String, AttributeValue> item) {
        AttributeValue chain = item.get("chain_id");
        AttributeValue seq = item.get("seq");
        AttributeValue hash = item.get("chain_hash");
        if (chain == null || seq == null || hash == null || seq.n() == null) return null;
        AttributeValue at = item.get("verified_at");
        return new VerificationCheckpoint(chain.s(), Long.parseLong(seq.n()), hash.s(), at == null ? null : at.s());
    }

    @Override
    public void advance(ChainKey chain, VerificationCheckpoint cp) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(pk(chain.tenant(), chain.chainId())));
        item.put("sk", AttributeValue.fromS(SK));
        item.put("chain_id", AttributeValue.fromS(chain.chainId()));
        item.put("seq", AttributeValue.fromN(Long.toString(cp.sequence())));
        item.put("chain_hash", AttributeValue.fromS(cp.chainHash()));
        if (cp.verifiedAt() != null) item.put("verified_at", AttributeValue.fromS(cp.verifiedAt()));
        try {
            dynamo.putItem(PutItemRequest.builder().tableName(table).item(item)
                    .conditionExpression(ONLY_FORWARD)
                    .expressionAttributeValues(Map.of(":seq", AttributeValue.fromN(Long.toString(cp.sequence()))))
                    .build());
        } catch (ConditionalCheckFailedException e) {
            // another report already recorded this point or a later one
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB write failed: " + e.getMessage(), e);
        }
    }
}

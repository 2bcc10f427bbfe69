package dev.loopgrid.aws.store;

import static dev.loopgrid.aws.store.TableAccess.n;
import static dev.loopgrid.aws.store.TableAccess.num;
import static dev.loopgrid.aws.store.TableAccess.s;
import static dev.loopgrid.aws.store.TableAccess.str;

import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.subject.SubjectKeyStore;
import dev.loopgrid.core.subject.SubjectState;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Data subjects' items in the ledger table ({@code pk = SUBJECT#tenant#subject}, {@code sk = KEY}): the wrapped data
 * key (binary; never the key itself), its id, the services and last use, and after an erasure when and why. The item
 * carries no TTL attribute: DynamoDB's TTL never deletes a key (or its tombstone); only an erasure entry removes the
 * key.
 */
public final class DynamoSubjectKeyStore implements SubjectKeyStore {
    private final TableAccess access;

    public DynamoSubjectKeyStore(DynamoDbClient dynamo, String table) {
        this.access = new TableAccess(dynamo, table);
    }

    @Override
    public Optional<SubjectState> find(String tenant, String subjectId) {
        Map<String, AttributeValue> item = access.get(LedgerKeys.subject(tenant, subjectId));
        return Optional.ofNullable(item).map(i -> state(subjectId, i));
    }

    @Override
    public SubjectState create(String tenant, String subjectId, String keyId, byte[] wrappedKey, String service,
                               String now) {
        Map<String, AttributeValue> item = new HashMap<>(LedgerKeys.subject(tenant, subjectId));
        item.put("subject_id", s(subjectId));
        item.put("key_id", s(keyId));
        item.put("wrapped_key", AttributeValue.fromB(SdkBytes.fromByteArray(wrappedKey)));
        item.put("created_at", s(now));
        item.put("last_used_at", s(now));
        item.put("services", AttributeValue.fromSs(java.util.List.of(service)));
        try {
            access.dynamo.putItem(PutItemRequest.builder().tableName(access.table).item(item)
                    .conditionExpression("attribute_not_exists(pk)").build());
            return state(subjectId, item);
        } catch (ConditionalCheckFailedException e) {
            return find(tenant, subjectId).orElseThrow(() -> new StoreException.Unavailable(
                    "the item of subject " + subjectId + " exists and does not", e));
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB write failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void touch(String tenant, String subjectId, String service, String now) {
        try {
            access.dynamo.updateItem(UpdateItemRequest.builder().tableName(access.table)
                    .key(LedgerKeys.subject(tenant, subjectId))
                    .updateExpression("SET last_used_at = :now ADD services :svc")
                    // not "attribute_exists(wrapped_key)": the deployed IAM policy denies the recording functions any
                    // UpdateItem of a subject's item that names wrapped_key (only erasure may remove it; see the CDK's
                    // LedgerAccess); an erasure sets erased_at in the same write that removes the key
                    .conditionExpression("attribute_exists(pk) AND attribute_not_exists(erased_at)")
                    .expressionAttributeValues(Map.of(":now", s(now), ":svc", AttributeValue.fromSs(java.util.List.of(service))))
                    .build());
        } catch (ConditionalCheckFailedException e) {
            // erased meanwhile: nothing to note
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB write failed: " + e.getMessage(), e);
        }
    }

    static SubjectState state(String subjectId, Map<String, AttributeValue> i) {
        AttributeValue wrapped = i.get("wrapped_key");
        AttributeValue svcs = i.get("services");
        Set<String> services = svcs == null || !svcs.hasSs() ? Set.of() : new HashSet<>(svcs.ss());
        return new SubjectState(subjectId, str(i, "key_id", null),
                wrapped == null || wrapped.b() == null ? null : wrapped.b().asByteArray(), str(i, "created_at", null),
                str(i, "last_used_at", null), services, str(i, "erased_at", null), str(i, "erasure_reason", null),
                str(i, "erasure_ref", null), Math.max(0, num(i, "erasure_seq")), str(i, "scheduled_for", null));
    }

}

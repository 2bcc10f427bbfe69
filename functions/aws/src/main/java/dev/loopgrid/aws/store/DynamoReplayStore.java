package dev.loopgrid.aws.store;

import dev.loopgrid.core.ledger.StoreException;
import dev.loopgrid.core.replay.ReplayRecord;
import dev.loopgrid.core.replay.ReplayStatus;
import dev.loopgrid.core.replay.ReplayStore;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/** Replays in the ledger table; every state move is a conditional update. */
public final class DynamoReplayStore implements ReplayStore {
    static final String CLAIMABLE = "#status = :pending OR (#status = :running AND lease_until < :now)";

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoReplayStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public void create(String tenant, ReplayRecord replay) {
        try {
            dynamo.putItem(b -> b.tableName(table).item(ReplayItems.item(tenant, replay))
                    .conditionExpression("attribute_not_exists(pk)"));
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB put failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<ReplayRecord> find(String tenant, String replayId) {
        if (replayId == null || replayId.isEmpty() || replayId.length() > 200) return Optional.empty();
        try {
            var r = dynamo.getItem(b -> b.tableName(table).key(ReplayItems.key(tenant, replayId)).consistentRead(true));
            return r.hasItem() && !r.item().isEmpty() ? Optional.of(ReplayItems.record(r.item())) : Optional.empty();
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB read failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<ReplayRecord> claim(String tenant, String replayId, long nowMillis, long leaseUntilMillis) {
        try {
            var r = dynamo.updateItem(b -> b.tableName(table).key(ReplayItems.key(tenant, replayId))
                    .updateExpression("SET #status = :running, lease_until = :lease ADD attempts :one")
                    .conditionExpression(CLAIMABLE)
                    .expressionAttributeNames(Map.of("#status", "status"))
                    .expressionAttributeValues(Map.of(
                            ":pending", AttributeValue.fromS(ReplayStatus.PENDING.wire()),
                            ":running", AttributeValue.fromS(ReplayStatus.RUNNING.wire()),
                            ":now", AttributeValue.fromN(Long.toString(nowMillis)),
                            ":lease", AttributeValue.fromN(Long.toString(leaseUntilMillis)),
                            ":one", AttributeValue.fromN("1")))
                    .returnValues(ReturnValue.ALL_NEW));
            return Optional.of(ReplayItems.record(r.attributes()));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB update failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void release(String tenant, String replayId, int attempt, String error) {
        try {
            dynamo.updateItem(b -> b.tableName(table).key(ReplayItems.key(tenant, replayId))
                    .updateExpression("SET #status = :pending, lease_until = :zero, last_error = :error")
                    .conditionExpression(ReplayItems.HELD_BY_ATTEMPT)
                    .expressionAttributeNames(Map.of("#status", "status"))
                    .expressionAttributeValues(Map.of(
                            ":pending", AttributeValue.fromS(ReplayStatus.PENDING.wire()),
                            ":running", AttributeValue.fromS(ReplayStatus.RUNNING.wire()),
                            ":attempt", AttributeValue.fromN(Integer.toString(attempt)),
                            ":zero", AttributeValue.fromN("0"),
                            ":error", AttributeValue.fromS(error == null ? "" : error))));
        } catch (ConditionalCheckFailedException e) {
            // another run holds it now: nothing to give back
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB update failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void failUnqueued(String tenant, String replayId, String error, String at) {
        try {
            dynamo.updateItem(b -> b.tableName(table).key(ReplayItems.key(tenant, replayId))
                    .updateExpression("SET #status = :failed, #mode = :error_mode, #error = :error, completed_at = :at")
                    .conditionExpression("#status = :pending")
                    .expressionAttributeNames(Map.of("#status", "status", "#mode", "mode", "#error", "error"))
                    .expressionAttributeValues(Map.of(
                            ":pending", AttributeValue.fromS(ReplayStatus.PENDING.wire()),
                            ":failed", AttributeValue.fromS(ReplayStatus.FAILED.wire()),
                            ":error_mode", AttributeValue.fromS("error"),
                            ":error", AttributeValue.fromS(error),
                            ":at", AttributeValue.fromS(at))));
        } catch (ConditionalCheckFailedException e) {
            // it moved on meanwhile
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB update failed: " + e.getMessage(), e);
        }
    }
}

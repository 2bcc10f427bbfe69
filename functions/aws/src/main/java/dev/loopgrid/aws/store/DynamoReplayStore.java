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
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/** Replays in the ledger table; every state move is a conditional update. */
public final class DynamoReplayStore implements ReplayStore {
    static final String CLAIMABLE = "#status = :pending OR (#status = :running AND lease_until < :now)";

    private final DynamoDbClient dynamo;
    private final String table;
    private final TableAccess access;

    public DynamoReplayStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
        this.access = new TableAccess(dynamo, table);
    }

    /**
     * The replay item, its reference under the decision ({@link LedgerKeys#replayRef}) and its entry in the index of
     * open replays ({@link LedgerKeys#replayOpen}), in one transaction of three Puts (authorized item by item as
     * PutItem on {@code REP#*}).
     */
    @Override
    public void create(String tenant, ReplayRecord replay) {
        Map<String, AttributeValue> ref = new java.util.HashMap<>(
                LedgerKeys.replayRef(tenant, replay.decisionId(), replay.createdAt(), replay.replayId()));
        ref.put("replay_id", AttributeValue.fromS(replay.replayId()));
        Map<String, AttributeValue> open = new java.util.HashMap<>(
                LedgerKeys.replayOpen(replay.createdAt(), tenant, replay.replayId()));
        open.put("tenant", AttributeValue.fromS(tenant));
        open.put("replay_id", AttributeValue.fromS(replay.replayId()));
        open.put("created_at", AttributeValue.fromS(replay.createdAt()));
        try {
            dynamo.transactWriteItems(b -> b.transactItems(
                    TransactWriteItem.builder().put(Put.builder().tableName(table).item(ReplayItems.item(tenant, replay))
                            .conditionExpression("attribute_not_exists(pk)").build()).build(),
                    TransactWriteItem.builder().put(Put.builder().tableName(table).item(ref)
                            .conditionExpression("attribute_not_exists(pk)").build()).build(),
                    TransactWriteItem.builder().put(Put.builder().tableName(table).item(open).build()).build()));
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB put failed: " + e.getMessage(), e);
        }
    }

    /** A Query of the decision's reference partition, then one BatchGetItem of the replay items it names. */
    @Override
    public ReplayPage listByDecision(String tenant, String decisionId, int limit, String cursor) {
        String pk = LedgerKeys.replayRefPk(tenant, decisionId);
        Map<String, AttributeValue> start = null;
        if (cursor != null) {
            start = LedgerKeys.key(pk, decodeCursor(cursor, pk));
            // the reference it names must exist: else the cursor was edited
            if (new TableAccess(dynamo, table).get(start) == null) throw TableAccess.invalidCursor();
        }
        try {
            Map<String, AttributeValue> from = start;
            var q = dynamo.query(b -> b.tableName(table).consistentRead(true)
                    .keyConditionExpression("pk = :pk AND begins_with(sk, :ref)")
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk),
                            ":ref", AttributeValue.fromS(LedgerKeys.REPLAY_REF_SK_PREFIX)))
                    .limit(limit).exclusiveStartKey(from));
            java.util.List<String> ids = new java.util.ArrayList<>();
            for (Map<String, AttributeValue> item : q.items()) ids.add(item.get("replay_id").s());
            java.util.Map<String, ReplayRecord> byId = new java.util.HashMap<>();
            java.util.List<Map<String, AttributeValue>> keys = new java.util.ArrayList<>();
            for (String id : ids) keys.add(ReplayItems.key(tenant, id));
            while (!keys.isEmpty()) {
                java.util.List<Map<String, AttributeValue>> ask = keys;
                var r = dynamo.batchGetItem(b -> b.requestItems(Map.of(table,
                        software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes.builder().keys(ask).consistentRead(true).build())));
                for (Map<String, AttributeValue> item : r.responses().getOrDefault(table, java.util.List.of())) {
                    ReplayRecord rec = ReplayItems.record(item);
                    byId.put(rec.replayId(), rec);
                }
                var left = r.unprocessedKeys().get(table);
                keys = left == null || !left.hasKeys() ? java.util.List.of() : new java.util.ArrayList<>(left.keys());
            }
            java.util.List<ReplayRecord> out = new java.util.ArrayList<>();
            for (String id : ids) if (byId.containsKey(id)) out.add(byId.get(id));
            String next = q.hasLastEvaluatedKey() && q.lastEvaluatedKey() != null && !q.lastEvaluatedKey().isEmpty()
                    ? encodeCursor(q.lastEvaluatedKey().get("sk").s(), pk) : null;
            return new ReplayPage(out, next);
        } catch (software.amazon.awssdk.services.dynamodb.model.DynamoDbException e) {
            // DynamoDB refusing the client's start key is the cursor at fault (400), not an outage
            if (start != null && e.awsErrorDetails() != null
                    && "ValidationException".equals(e.awsErrorDetails().errorCode())) {
                throw TableAccess.invalidCursor();
            }
            throw new StoreException.Unavailable("DynamoDB read failed: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB read failed: " + e.getMessage(), e);
        }
    }

    /** A replay-list cursor: the last reference's sort key and a fingerprint of the tenant and decision it lists. */
    static String encodeCursor(String sk, String pk) {
        return encodeCursorWith(sk, fingerprint(pk));
    }

    private static String encodeCursorWith(String sk, String fingerprint) {
        com.fasterxml.jackson.databind.node.ObjectNode o = dev.loopgrid.core.Json.object();
        o.put("k", sk);
        o.put("f", fingerprint);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                dev.loopgrid.core.Json.write(o).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * The sort key a cursor names, for the list of {@code pk}; 400 {@code invalid_cursor} when it was issued for
     * another decision or tenant, or is not a reference's sort key.
     */
    static String decodeCursor(String cursor, String pk) {
        com.fasterxml.jackson.databind.JsonNode o;
        try {
            if (cursor.length() > 1024) throw new IllegalArgumentException("too long");
            o = dev.loopgrid.core.Json.MAPPER.readTree(java.util.Base64.getUrlDecoder().decode(cursor));
        } catch (Exception e) {
            throw TableAccess.invalidCursor();
        }
        if (o == null || !o.path("k").isTextual() || !o.path("f").isTextual()
                || !encodeCursorWith(o.get("k").textValue(), o.get("f").textValue()).equals(cursor)) {
            throw TableAccess.invalidCursor(); // only the bytes encodeCursor writes
        }
        if (!fingerprint(pk).equals(o.get("f").textValue())) {
            throw new dev.loopgrid.core.ledger.LedgerException.Malformed("invalid_cursor",
                    "cursor belongs to another list (another decision or tenant); start again without cursor");
        }
        String sk = o.get("k").textValue();
        if (!sk.startsWith(LedgerKeys.REPLAY_REF_SK_PREFIX) || sk.length() > 300
                || !sk.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw TableAccess.invalidCursor();
        }
        return sk;
    }

    private static String fingerprint(String pk) {
        return dev.loopgrid.core.ledger.Canonical.sha256Hex("replays\n" + pk).substring(0, 16);
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

    /**
     * One Query per partition of the index of open replays ({@link LedgerKeys#replayOpenPks}), sort keys before the
     * cutoff and after the cursor, merged oldest first (a sort key starts with the creation time).
     */
    @Override
    public OpenPage listOpen(String createdBefore, int limit, String cursor) {
        String after = null;
        if (cursor != null) {
            try {
                after = new String(java.util.Base64.getUrlDecoder().decode(cursor), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                after = "";
            }
            if (!after.startsWith(LedgerKeys.REPLAY_OPEN_SK_PREFIX)) {
                throw new dev.loopgrid.core.ledger.LedgerException.Malformed("invalid_cursor",
                        "cursor is not valid: pass nextCursor from a previous page unchanged");
            }
        }
        java.util.List<QueryRequest> queries = new java.util.ArrayList<>(LedgerKeys.REPLAY_OPEN_SHARDS);
        for (String pk : LedgerKeys.replayOpenPks()) {
            QueryRequest.Builder q = QueryRequest.builder().tableName(table).consistentRead(true)
                    .keyConditionExpression("pk = :pk AND sk BETWEEN :lo AND :hi")
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk),
                            ":lo", AttributeValue.fromS(LedgerKeys.REPLAY_OPEN_SK_PREFIX),
                            // creation times are fixed-width, so "OPEN#<cutoff>" sorts after every earlier one
                            ":hi", AttributeValue.fromS(LedgerKeys.REPLAY_OPEN_SK_PREFIX + createdBefore)))
                    .limit(limit);
            // the page after the cursor: every partition continues after the last key returned, whichever held it
            if (after != null) q.exclusiveStartKey(LedgerKeys.key(pk, after));
            queries.add(q.build());
        }
        MergedQuery merged = new MergedQuery(access, queries, limit, item -> true)
                .parallelFirstPages();
        java.util.List<OpenReplay> out = new java.util.ArrayList<>();
        String last = null;
        while (out.size() < limit && merged.hasNext()) {
            Map<String, AttributeValue> item = merged.next();
            out.add(new OpenReplay(item.get("tenant").s(), item.get("replay_id").s(), item.get("created_at").s()));
            last = item.get("sk").s();
        }
        String next = last != null && merged.hasNext()
                ? java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                        last.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                : null;
        return new OpenPage(out, next);
    }

    @Override
    public void closeOpen(OpenReplay replay) {
        try {
            dynamo.deleteItem(b -> b.tableName(table)
                    .key(LedgerKeys.replayOpen(replay.createdAt(), replay.tenant(), replay.replayId())));
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB delete failed: " + e.getMessage(), e);
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

package dev.loopgrid.aws.store;

import dev.loopgrid.core.ledger.StoreException;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Reads of the ledger table that turn SDK failures into {@link StoreException.Unavailable}, and typed attribute
 * access that never throws on a tampered item (a missing or malformed attribute reads as the default).
 */
public final class TableAccess {
    final DynamoDbClient dynamo;
    final String table;

    public TableAccess(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** A strongly consistent GetItem; null when there is no item. */
    public Map<String, AttributeValue> get(Map<String, AttributeValue> key) {
        try {
            var r = dynamo.getItem(GetItemRequest.builder().tableName(table).key(key).consistentRead(true).build());
            return r.hasItem() && !r.item().isEmpty() ? r.item() : null;
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB read failed: " + e.getMessage(), e);
        }
    }

    /**
     * Strongly consistent BatchGetItem of up to 100 {@code keys}: the items found, in no particular order. Unprocessed
     * keys are asked for again (a bounded number of rounds, then {@link StoreException.Unavailable}).
     */
    public java.util.List<Map<String, AttributeValue>> batchGet(java.util.List<Map<String, AttributeValue>> keys) {
        java.util.List<Map<String, AttributeValue>> out = new java.util.ArrayList<>(keys.size());
        Map<String, software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes> request = Map.of(table,
                software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes.builder().keys(keys).consistentRead(true).build());
        for (int round = 0; !request.isEmpty(); round++) {
            if (round > 10) throw new StoreException.Unavailable("DynamoDB kept keys unprocessed", null);
            var send = request;
            software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse r;
            try {
                r = dynamo.batchGetItem(b -> b.requestItems(send));
            } catch (SdkException e) {
                throw new StoreException.Unavailable("DynamoDB read failed: " + e.getMessage(), e);
            }
            out.addAll(r.responses().getOrDefault(table, java.util.List.of()));
            request = r.hasUnprocessedKeys() ? r.unprocessedKeys() : Map.of();
        }
        return out;
    }

    public QueryResponse query(QueryRequest q) {
        try {
            return dynamo.query(q);
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB query failed: " + e.getMessage(), e);
        }
    }

    static dev.loopgrid.core.ledger.LedgerException.Malformed invalidCursor() {
        return new dev.loopgrid.core.ledger.LedgerException.Malformed("invalid_cursor",
                "cursor is not valid: pass next_cursor from a previous page unchanged");
    }

    static AttributeValue s(String v) { return AttributeValue.fromS(v); }

    static AttributeValue n(long v) { return AttributeValue.fromN(Long.toString(v)); }

    /** An item's (or a key's) primary key as one string, {@code pk|sk}: to find the items of a BatchGetItem by key. */
    static String keyOf(Map<String, AttributeValue> item) {
        return str(item, LedgerTable.PK, "") + "|" + str(item, LedgerTable.SK, "");
    }

    static String str(Map<String, AttributeValue> item, String name, String dflt) {
        AttributeValue v = item.get(name);
        return v == null || v.s() == null ? dflt : v.s();
    }

    /** The number, or -1 when missing or not a whole number. */
    static long num(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        if (v == null || v.n() == null) return -1;
        try {
            return Long.parseLong(v.n());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

package dev.loopgrid.aws.store;

import static dev.loopgrid.aws.store.TableAccess.s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.decision.Counters;
import dev.loopgrid.core.decision.DecisionIndex;
import dev.loopgrid.core.decision.DecisionPage;
import dev.loopgrid.core.decision.DecisionQuery;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.ChainStore;
import dev.loopgrid.core.ledger.LedgerException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.Select;

/**
 * The decisions' read model in the ledger table: projection items read by key, and lists through the secondary
 * indexes ({@link LedgerTable#INDEXES}), newest first, with exact totals from the chain heads' counters.
 */
public final class DynamoDecisionIndex implements DecisionIndex {
    private final TableAccess table;
    private final ChainStore chains;

    /** @param chains where list totals are read (the chain heads' counters) */
    public DynamoDecisionIndex(DynamoDbClient dynamo, String table, ChainStore chains) {
        this.table = new TableAccess(dynamo, table);
        this.chains = chains;
    }

    @Override
    public Optional<DecisionRecord> findDecision(String tenant, String decisionId) {
        if (decisionId == null || decisionId.isEmpty() || decisionId.length() > 200) return Optional.empty();
        Map<String, AttributeValue> item = table.get(LedgerKeys.decision(tenant, decisionId));
        return item == null ? Optional.empty() : Optional.of(DecisionItems.record(item));
    }

    @Override
    public DecisionPage listDecisions(String tenant, DecisionQuery q) {
        String index;
        String partition;
        List<String> filters = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        if (q.serviceName() != null) {
            index = "by_service";
            partition = "g_svc";
            values.put(":p", s(LedgerKeys.byService(tenant, q.serviceName())));
        } else if (q.decisionType() != null) {
            index = "by_type";
            partition = "g_type";
            values.put(":p", s(LedgerKeys.byType(tenant, q.decisionType())));
        } else if (q.status() != null) {
            index = "by_status";
            partition = "g_status";
            values.put(":p", s(LedgerKeys.byStatus(tenant, q.status().wire())));
        } else {
            index = "by_tenant";
            partition = "g_all";
            values.put(":p", s(LedgerKeys.byTenant(tenant)));
        }
        if (q.decisionType() != null && !partition.equals("g_type")) {
            filters.add("decision_type = :type");
            values.put(":type", s(q.decisionType()));
        }
        if (q.status() != null && !partition.equals("g_status")) {
            names.put("#status", "status");
            filters.add("#status = :status");
            values.put(":status", s(q.status().wire()));
        }
        StringBuilder keyCond = new StringBuilder(partition + " = :p");
        if (q.since() != null && q.until() != null) {
            keyCond.append(" AND lsk BETWEEN :since AND :until");
        } else if (q.since() != null) {
            keyCond.append(" AND lsk >= :since");
        } else if (q.until() != null) {
            keyCond.append(" AND lsk <= :until");
        }
        if (q.since() != null) values.put(":since", s(q.since()));
        if (q.until() != null) values.put(":until", s(q.until() + "#\uffff"));

        QueryRequest.Builder base = QueryRequest.builder().tableName(table.table).indexName(index)
                .keyConditionExpression(keyCond.toString())
                .expressionAttributeValues(values)
                .scanIndexForward(false);
        if (!names.isEmpty()) base.expressionAttributeNames(names);
        if (!filters.isEmpty()) base.filterExpression(String.join(" AND ", filters));

        String fingerprint = Integer.toHexString((index + values.keySet() + values.values()).hashCode());
        long pagesToSkip; // page=N: the pages before it, with the same boundaries as the cursor walk
        long offset;
        Map<String, AttributeValue> start = null;
        if (q.cursor() != null) {
            Cursor c = Cursor.decode(q.cursor(), fingerprint);
            start = c.startKey(partition);
            offset = c.offset();
            pagesToSkip = 0;
        } else {
            pagesToSkip = q.page() - 1L;
            offset = 0;
        }

        List<DecisionRecord> out = new ArrayList<>();
        Map<String, AttributeValue> lastItem = null;
        boolean moreItems = false; // items may follow the last one returned
        long bytes = 0;
        int skippedCount = 0; // decisions in the page being skipped
        long skippedBytes = 0;
        boolean full = false; // the next decision would take the page past its byte budget
        while (out.size() < q.pageSize() && !full) {
            long wanted = q.pageSize() - out.size() + pagesToSkip * q.pageSize();
            QueryRequest.Builder r = base.copy().limit((int) Math.min(Math.max(wanted, 1), 1000));
            if (start != null) r.exclusiveStartKey(start);
            QueryResponse resp = table.query(r.build());
            List<Map<String, AttributeValue>> items = resp.items();
            int i = 0;
            for (; i < items.size() && out.size() < q.pageSize(); i++) {
                Map<String, AttributeValue> item = items.get(i);
                long size = DecisionItems.servedBytes(item);
                if (pagesToSkip > 0) {
                    if (DecisionQuery.pageEndsBefore(skippedCount, skippedBytes, size, q.pageSize())) {
                        pagesToSkip--;
                        skippedCount = 0;
                        skippedBytes = 0;
                    }
                    if (pagesToSkip > 0) {
                        skippedCount++;
                        skippedBytes += size;
                        lastItem = item;
                        offset++;
                        continue;
                    }
                }
                if (DecisionQuery.pageEndsBefore(out.size(), bytes, size, Integer.MAX_VALUE)) {
                    full = true; // the cursor goes on from the last decision returned
                    break;
                }
                lastItem = item;
                out.add(DecisionItems.record(item));
                bytes += size;
            }
            start = resp.hasLastEvaluatedKey() && !resp.lastEvaluatedKey().isEmpty() ? resp.lastEvaluatedKey() : null;
            moreItems = i < items.size() || start != null;
            if (start == null) break;
        }
        long total = total(tenant, q, base);
        boolean hasMore = moreItems && offset + out.size() < total;
        String next = hasMore && lastItem != null
                ? new Cursor(indexKey(lastItem, partition), offset + out.size()).encode(fingerprint) : null;
        return new DecisionPage(out, total, hasMore, next);
    }

    private static Map<String, AttributeValue> indexKey(Map<String, AttributeValue> item, String partition) {
        Map<String, AttributeValue> k = new HashMap<>();
        k.put(LedgerTable.PK, item.get(LedgerTable.PK));
        k.put(LedgerTable.SK, item.get(LedgerTable.SK));
        k.put(partition, item.get(partition));
        k.put(LedgerTable.LIST_SORT_KEY, item.get(LedgerTable.LIST_SORT_KEY));
        return k;
    }

    /** Exact total: from the chain counters, or, when a time range is given, by a counting query. */
    private long total(String tenant, DecisionQuery q, QueryRequest.Builder base) {
        if (q.since() != null || q.until() != null) {
            long count = 0;
            Map<String, AttributeValue> start = null;
            do {
                QueryRequest.Builder r = base.copy().select(Select.COUNT);
                if (start != null) r.exclusiveStartKey(start);
                QueryResponse resp = table.query(r.build());
                count += resp.count();
                start = resp.hasLastEvaluatedKey() && !resp.lastEvaluatedKey().isEmpty() ? resp.lastEvaluatedKey() : null;
            } while (start != null);
            return count;
        }
        String counter;
        if (q.decisionType() != null && q.status() != null) counter = Counters.typeStatus(q.decisionType(), q.status());
        else if (q.decisionType() != null) counter = Counters.type(q.decisionType());
        else if (q.status() != null) counter = Counters.status(q.status());
        else counter = Counters.DECISIONS;
        if (q.serviceName() != null) {
            return chains.readHead(new ChainKey(tenant, q.serviceName())).map(h -> h.counter(counter)).orElse(0L);
        }
        long sum = 0;
        for (ChainHead h : chains.listChains(tenant)) sum += h.counter(counter);
        return sum;
    }

    /** An opaque cursor: the index key of the last item returned, how many came before, and the filters it belongs to. */
    private record Cursor(Map<String, AttributeValue> key, long offset) {
        String encode(String fingerprint) {
            ObjectNode o = Json.object();
            ObjectNode k = o.putObject("k");
            key.forEach((name, v) -> k.put(name, v.s()));
            o.put("n", offset);
            o.put("f", fingerprint);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.write(o).getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String text, String fingerprint) {
            try {
                JsonNode o = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(text));
                if (!fingerprint.equals(o.path("f").asText())) {
                    throw new LedgerException.Malformed("invalid_cursor",
                            "cursor belongs to a list with other filters; start again without cursor");
                }
                Map<String, AttributeValue> key = new HashMap<>();
                o.get("k").properties().forEach(f -> key.put(f.getKey(), s(f.getValue().textValue())));
                return new Cursor(key, o.get("n").asLong());
            } catch (LedgerException e) {
                throw e;
            } catch (Exception e) {
                throw new LedgerException.Malformed("invalid_cursor",
                        "cursor is not valid: pass next_cursor from a previous page unchanged");
            }
        }

        Map<String, AttributeValue> startKey(String partition) {
            if (!key.containsKey(partition) || key.size() != 4) {
                throw new LedgerException.Malformed("invalid_cursor",
                        "cursor is not valid: pass next_cursor from a previous page unchanged");
            }
            return key;
        }
    }
}

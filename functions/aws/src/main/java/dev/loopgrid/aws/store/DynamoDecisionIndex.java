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
import java.util.OptionalLong;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.Select;

/**
 * The decisions' read model in the ledger table: projection items read by key, and lists through the secondary
 * indexes ({@link LedgerTable#INDEXES}), newest first, with exact totals from the chains' counter items.
 */
public final class DynamoDecisionIndex implements DecisionIndex {
    private final TableAccess table;
    private final ChainStore chains;

    /** @param chains where list totals are read (the chains' counters, {@link ChainStore#readCounter}) */
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

        // binds a cursor to its tenant and filters (the partition value names the tenant)
        String fingerprint = dev.loopgrid.core.ledger.Canonical.sha256Hex(index + "\n" + new java.util.TreeMap<>(values))
                .substring(0, 16);
        long pagesToSkip; // page=N: the pages before it, with the same boundaries as the cursor walk
        long offset;
        Map<String, AttributeValue> start = null;
        if (q.cursor() != null) {
            Cursor c = Cursor.decode(q.cursor(), fingerprint);
            start = c.startKey(tenant, partition, values.get(":p").s(), q.since(), q.until());
            // the decision it names must be the tenant's, in this list, with this sort key: else it was edited
            Map<String, AttributeValue> named = table.get(LedgerKeys.decision(tenant, c.decisionId()));
            if (named == null || !c.sortKey().equals(TableAccess.str(named, LedgerTable.LIST_SORT_KEY, null))
                    || !values.get(":p").s().equals(TableAccess.str(named, partition, null))) {
                throw Cursor.invalid();
            }
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
            QueryResponse resp = table.queryFrom(r.build());
            List<Map<String, AttributeValue>> items = projections(resp.items());
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
                ? new Cursor(TableAccess.str(lastItem, LedgerTable.LIST_SORT_KEY, ""), offset + out.size()).encode(fingerprint)
                : null;
        return new DecisionPage(out, total, hasMore, next);
    }

    /**
     * The projections the index items name, in the index's order: the indexes hold keys and the two filtered
     * attributes only ({@link LedgerTable#INDEX_ATTRIBUTES}), so a page's items are read by key, 100 per BatchGetItem. A
     * projection gone since the index was written (an index lags its table) is left out.
     */
    private List<Map<String, AttributeValue>> projections(List<Map<String, AttributeValue>> indexItems) {
        Map<String, Map<String, AttributeValue>> byPk = new java.util.HashMap<>();
        for (int from = 0; from < indexItems.size(); from += 100) {
            List<Map<String, AttributeValue>> keys = new ArrayList<>();
            for (Map<String, AttributeValue> i : indexItems.subList(from, Math.min(from + 100, indexItems.size()))) {
                keys.add(LedgerKeys.key(TableAccess.str(i, LedgerTable.PK, ""), TableAccess.str(i, LedgerTable.SK, "")));
            }
            for (Map<String, AttributeValue> item : table.batchGet(keys)) byPk.put(TableAccess.str(item, LedgerTable.PK, ""), item);
        }
        List<Map<String, AttributeValue>> out = new ArrayList<>(indexItems.size());
        for (Map<String, AttributeValue> i : indexItems) {
            Map<String, AttributeValue> full = byPk.get(TableAccess.str(i, LedgerTable.PK, ""));
            if (full != null) out.add(full);
        }
        return out;
    }

    /**
     * Exact total: from the chains' counters (one counter item read per chain), or by a counting query of the index
     * (Select=COUNT, paged: a read of every matching index entry, ~1 RCU per 4 KB of them) when a time range is given
     * or when the decision type is not counted under its own name on some chain (beyond the cap of
     * {@link dev.loopgrid.core.decision.CounterGroups#MAX_NAMES} types, counted under "(other)").
     */
    private long total(String tenant, DecisionQuery q, QueryRequest.Builder base) {
        if (q.since() == null && q.until() == null) {
            String counter;
            if (q.decisionType() != null && q.status() != null) counter = Counters.typeStatus(q.decisionType(), q.status());
            else if (q.decisionType() != null) counter = Counters.type(q.decisionType());
            else if (q.status() != null) counter = Counters.status(q.status());
            else counter = Counters.DECISIONS;
            List<String> chainIds = q.serviceName() != null ? List.of(q.serviceName()) : chains.listChainIds(tenant);
            long sum = 0;
            boolean exact = true;
            for (String chainId : chainIds) {
                OptionalLong n = chains.readCounter(new ChainKey(tenant, chainId), counter);
                if (n.isEmpty()) {
                    exact = false;
                    break;
                }
                sum += n.getAsLong();
            }
            if (exact) return sum;
        }
        {
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
    }

    /**
     * An opaque cursor: the list sort key of the last decision returned ({@code created_at#decision_id}), how many
     * came before, and a fingerprint of the tenant and filters it belongs to. The start key is rebuilt from the
     * caller's tenant and filters, so a cursor can never point a query into another tenant's partition; a cursor
     * whose fingerprint or sort key does not fit is 400 {@code invalid_cursor}.
     */
    private record Cursor(String sortKey, long offset) {
        private static final java.util.regex.Pattern SORT_KEY =
                java.util.regex.Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{1,20}Z#([A-Za-z0-9_-]{1,100})");

        String encode(String fingerprint) {
            ObjectNode o = Json.object();
            o.put("l", sortKey);
            o.put("n", offset);
            o.put("f", fingerprint);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.write(o).getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String text, String fingerprint) {
            JsonNode o;
            try {
                if (text.length() > 1024) throw new IllegalArgumentException("too long");
                o = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(text));
            } catch (Exception e) {
                throw invalid();
            }
            if (o == null || !o.isObject() || !o.path("l").isTextual() || !o.path("n").canConvertToLong()
                    || !o.path("n").isIntegralNumber() || o.path("n").asLong() < 0) {
                throw invalid();
            }
            Cursor c = new Cursor(o.get("l").textValue(), o.get("n").asLong());
            // only the bytes this class writes: no extra members, no trailing bytes, no other spelling
            if (!c.encode(o.path("f").asText()).equals(text)) throw invalid();
            if (!fingerprint.equals(o.path("f").asText())) {
                throw new LedgerException.Malformed("invalid_cursor",
                        "cursor belongs to another list (other filters or another tenant); start again without cursor");
            }
            return c;
        }

        /** The decision id in the sort key ({@code created_at#decision_id}). */
        String decisionId() {
            return sortKey.substring(sortKey.lastIndexOf('#') + 1);
        }

        /** The index start key for {@code tenant}'s {@code partition} = {@code partitionValue}; 400 if it cannot be one. */
        Map<String, AttributeValue> startKey(String tenant, String partition, String partitionValue, String since,
                                             String until) {
            java.util.regex.Matcher m = SORT_KEY.matcher(sortKey);
            if (!m.matches()) throw invalid();
            if ((since != null && sortKey.compareTo(since) < 0) || (until != null && sortKey.compareTo(until + "#\uffff") > 0)) {
                throw invalid();
            }
            Map<String, AttributeValue> key = new HashMap<>(LedgerKeys.decision(tenant, m.group(1)));
            key.put(partition, s(partitionValue));
            key.put(LedgerTable.LIST_SORT_KEY, s(sortKey));
            return key;
        }

        static LedgerException.Malformed invalid() {
            return new LedgerException.Malformed("invalid_cursor",
                    "cursor is not valid: pass next_cursor from a previous page unchanged");
        }
    }
}

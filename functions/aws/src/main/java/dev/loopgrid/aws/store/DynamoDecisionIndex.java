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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.Select;

/**
 * The decisions' read model in the ledger table: projection items read by key, and lists through the secondary
 * indexes ({@link LedgerTable#INDEXES}), newest first, with exact totals from the chains' counter items. Each index's
 * partition key is write-sharded ({@link LedgerKeys#indexShard}), so a list merges the queries of all its shards.
 */
public final class DynamoDecisionIndex implements DecisionIndex {
    private final TableAccess table;
    private final ChainStore chains;

    /** @param chains where list totals are read (the chains' counters, {@link ChainStore#readCounter}) */
    public DynamoDecisionIndex(DynamoDbClient dynamo, String table, ChainStore chains) {
        this.table = new TableAccess(dynamo, table);
        this.chains = chains;
    }

    /** The projection, and the content from the decision's entry (a second read) unless it lives in the content store. */
    @Override
    public Optional<DecisionRecord> findDecision(String tenant, String decisionId) {
        return projection(tenant, decisionId).map(item -> records(tenant, List.of(item)).get(0));
    }

    /** The projection item alone: no content unless it lives in the content store (then, as ever, its key). */
    @Override
    public Optional<DecisionRecord> findProjection(String tenant, String decisionId) {
        return projection(tenant, decisionId).map(DecisionItems::record);
    }

    private Optional<Map<String, AttributeValue>> projection(String tenant, String decisionId) {
        if (decisionId == null || decisionId.isEmpty() || decisionId.length() > 200) return Optional.empty();
        return Optional.ofNullable(table.get(LedgerKeys.decision(tenant, decisionId)));
    }

    /**
     * The records of projection items, with the content of those that leave it in their entry
     * ({@link DecisionItems#contentInEntry}) read from there: one consistent BatchGetItem per 100. An entry that is
     * missing, or is not this decision's, gives the record no content and a {@link DecisionRecord#contentProblem()}
     * (served as 500 {@code content_integrity_failed}); content that no longer matches the projection's
     * {@code content_hash} is caught where all content is, by the {@link dev.loopgrid.core.decision.ContentResolver}.
     */
    private List<DecisionRecord> records(String tenant, List<Map<String, AttributeValue>> items) {
        List<Map<String, AttributeValue>> keys = new ArrayList<>(); // per item, its entry's key (null: not read)
        List<Map<String, AttributeValue>> wanted = new ArrayList<>();
        for (Map<String, AttributeValue> item : items) {
            Map<String, AttributeValue> key = DecisionItems.contentInEntry(item) ? entryKey(tenant, item) : null;
            keys.add(key);
            if (key != null) wanted.add(key);
        }
        Map<String, Map<String, AttributeValue>> entries = new HashMap<>(); // "pk|sk" → entry item
        for (int from = 0; from < wanted.size(); from += 100) {
            for (Map<String, AttributeValue> e : table.batchGet(wanted.subList(from, Math.min(from + 100, wanted.size())))) {
                entries.put(TableAccess.keyOf(e), e);
            }
        }
        List<DecisionRecord> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            DecisionRecord d = DecisionItems.record(items.get(i));
            if (keys.get(i) != null) {
                Map<String, AttributeValue> e = entries.get(TableAccess.keyOf(keys.get(i)));
                String content = e == null ? null : TableAccess.str(e, "content", null);
                boolean its = e != null && d.decisionId() != null && d.decisionId().equals(TableAccess.str(e, "decision_id", null));
                d = d.withContent(its ? content : null, its && content != null ? null : "its entry (sequence "
                        + d.sequence() + " of chain " + d.chainId() + ") is missing, holds another decision, or holds no content");
            }
            out.add(d);
        }
        return out;
    }

    private static Map<String, AttributeValue> entryKey(String tenant, Map<String, AttributeValue> projection) {
        return LedgerKeys.entry(new ChainKey(tenant, TableAccess.str(projection, "chain_id", "")),
                Math.max(0, TableAccess.num(projection, "seq")));
    }

    @Override
    public DecisionPage listDecisions(String tenant, DecisionQuery q) {
        String index;
        String partition;
        int shards;
        IntFunction<String> partitionValue; // the list's partition key value in one shard
        List<String> filters = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        if (q.serviceName() != null) {
            index = "by_service";
            partition = "g_svc";
            shards = LedgerTable.SERVICE_INDEX_SHARDS;
            partitionValue = shard -> LedgerKeys.byService(tenant, q.serviceName(), shard);
        } else if (q.decisionType() != null) {
            index = "by_type";
            partition = "g_type";
            shards = LedgerTable.TENANT_INDEX_SHARDS;
            partitionValue = shard -> LedgerKeys.byType(tenant, q.decisionType(), shard);
        } else if (q.status() != null) {
            index = "by_status";
            partition = "g_status";
            shards = LedgerTable.TENANT_INDEX_SHARDS;
            partitionValue = shard -> LedgerKeys.byStatus(tenant, q.status().wire(), shard);
        } else {
            index = "by_tenant";
            partition = "g_all";
            shards = LedgerTable.TENANT_INDEX_SHARDS;
            partitionValue = shard -> LedgerKeys.byTenant(tenant, shard);
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
                .scanIndexForward(false);
        if (!names.isEmpty()) base.expressionAttributeNames(names);
        if (!filters.isEmpty()) base.filterExpression(String.join(" AND ", filters));

        // binds a cursor to its tenant and filters (the partition values name the tenant; shard 00's stands for all)
        Map<String, AttributeValue> bound = new java.util.TreeMap<>(values);
        bound.put(":p", s(partitionValue.apply(0)));
        String fingerprint = dev.loopgrid.core.ledger.Canonical.sha256Hex(index + "\n" + bound).substring(0, 16);
        long pagesToSkip; // page=N: the pages before it, with the same boundaries as the cursor walk
        long offset;
        String below = null; // a cursor's sort key: every shard is read from below it
        if (q.cursor() != null) {
            Cursor c = Cursor.decode(q.cursor(), fingerprint);
            c.checkRange(q.since(), q.until());
            // the decision it names must be the tenant's, in this list, with this sort key: else it was edited
            Map<String, AttributeValue> named = table.get(LedgerKeys.decision(tenant, c.decisionId()));
            String itsPartition = partitionValue.apply(LedgerKeys.indexShard(c.decisionId(), shards));
            if (named == null || !c.sortKey().equals(TableAccess.str(named, LedgerTable.LIST_SORT_KEY, null))
                    || !itsPartition.equals(TableAccess.str(named, partition, null))) {
                throw Cursor.invalid();
            }
            below = c.sortKey();
            offset = c.offset();
            pagesToSkip = 0;
        } else {
            pagesToSkip = q.page() - 1L;
            offset = 0;
        }
        // a key condition has one range on the sort key: a cursor's bound replaces until (the cursor is within it)
        Map<String, AttributeValue> listValues = new HashMap<>(values);
        String listCond = keyCond.toString();
        if (below != null) {
            listValues.remove(":until");
            listValues.put(":below", s(below));
            listCond = partition + " = :p AND lsk " + (q.since() != null ? "BETWEEN :since AND :below" : "< :below");
        }

        ShardMerge merge = new ShardMerge(shardQueries(base, listCond, listValues, partitionValue, shards), below);
        merge.start(q.pageSize() + pagesToSkip * q.pageSize());
        List<Map<String, AttributeValue>> pageItems = new ArrayList<>(); // the page's projections, in order
        Map<String, AttributeValue> lastItem = null;
        boolean moreItems = false; // items may follow the last one returned
        long bytes = 0;
        int skippedCount = 0; // decisions in the page being skipped
        long skippedBytes = 0;
        boolean full = false; // the next decision would take the page past its byte budget
        while (pageItems.size() < q.pageSize() && !full) {
            long wanted = q.pageSize() - pageItems.size() + pagesToSkip * q.pageSize();
            List<Map<String, AttributeValue>> items = projections(merge.next((int) Math.min(Math.max(wanted, 1), 1000), wanted));
            int i = 0;
            for (; i < items.size() && pageItems.size() < q.pageSize(); i++) {
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
                if (DecisionQuery.pageEndsBefore(pageItems.size(), bytes, size, Integer.MAX_VALUE)) {
                    full = true; // the cursor goes on from the last decision returned
                    break;
                }
                lastItem = item;
                pageItems.add(item);
                bytes += size;
            }
            moreItems = i < items.size() || merge.hasMore();
            if (!merge.hasMore()) break;
        }
        long total = total(tenant, q, shardQueries(base, keyCond.toString(), values, partitionValue, shards));
        boolean hasMore = moreItems && offset + pageItems.size() < total;
        String next = hasMore && lastItem != null
                ? new Cursor(TableAccess.str(lastItem, LedgerTable.LIST_SORT_KEY, ""), offset + pageItems.size()).encode(fingerprint)
                : null;
        return new DecisionPage(records(tenant, pageItems), total, hasMore, next);
    }

    /** One Query per shard of the list: {@code base} with the key condition, {@code :p} being that shard's value. */
    private static List<QueryRequest> shardQueries(QueryRequest.Builder base, String keyCondition,
                                                   Map<String, AttributeValue> values, IntFunction<String> partitionValue,
                                                   int shards) {
        List<QueryRequest> out = new ArrayList<>(shards);
        for (int shard = 0; shard < shards; shard++) {
            Map<String, AttributeValue> v = new HashMap<>(values);
            v.put(":p", s(partitionValue.apply(shard)));
            out.add(base.copy().keyConditionExpression(keyCondition).expressionAttributeValues(v).build());
        }
        return out;
    }

    /**
     * The shards of one list merged newest first by sort key ({@code lsk} is unique: created_at#decision_id), each read
     * lazily a page at a time. The first page of every shard is read at once ({@link ParallelReads#all}); after that a shard
     * is read again only when its last buffered item was taken and it has more (its next item may be the newest left).
     * A page's limit is the shard's expected share of what the list still needs, λ = need / shards, plus two standard
     * deviations of that share (√λ, as for a Poisson count) and one: a Query is billed by the bytes it reads rounded up
     * to 4 KB, and index items are ~200 bytes, so a few items more per shard cost nothing while a shard read again is a
     * round trip more. A shard read again (a filter dropped what it read, or it holds more than its share) doubles its
     * last limit, up to 1,000.
     */
    private final class ShardMerge {
        private final List<Shard> shards = new ArrayList<>();
        /** Shards with a buffered item, the newest head first. */
        private final PriorityQueue<Shard> heads = new PriorityQueue<>(
                (a, b) -> TableAccess.str(b.buffer.peek(), LedgerTable.LIST_SORT_KEY, "")
                        .compareTo(TableAccess.str(a.buffer.peek(), LedgerTable.LIST_SORT_KEY, "")));
        /** The shard whose last buffered item was taken while it has more: read before the next item is chosen. */
        private Shard pending;

        /** @param below a cursor's sort key, left out where a shard's key condition includes it (BETWEEN), or null */
        ShardMerge(List<QueryRequest> queries, String below) {
            for (QueryRequest q : queries) shards.add(new Shard(q, below));
        }

        /** Reads every shard until it has an item or has none left, all at once; {@code need}: items the list wants. */
        void start(long need) {
            int limit = limit(need);
            List<Shard> unread = shards;
            while (!unread.isEmpty()) {
                List<Callable<Shard>> reads = new ArrayList<>(unread.size());
                for (Shard shard : unread) reads.add(() -> shard.read(limit));
                unread = new ArrayList<>();
                for (Shard shard : ParallelReads.all(reads)) {
                    if (!shard.buffer.isEmpty()) heads.add(shard);
                    else if (shard.next != null) unread.add(shard);
                }
            }
        }

        /** Up to {@code n} index items, newest first; fewer only when every shard is read to its end. */
        List<Map<String, AttributeValue>> next(int n, long need) {
            List<Map<String, AttributeValue>> out = new ArrayList<>(n);
            while (out.size() < n) {
                if (pending != null) {
                    Shard shard = pending;
                    pending = null;
                    while (shard.buffer.isEmpty() && shard.next != null) shard.read(limit(need - out.size()));
                    if (!shard.buffer.isEmpty()) heads.add(shard);
                }
                Shard top = heads.poll();
                if (top == null) break;
                out.add(top.buffer.poll());
                if (!top.buffer.isEmpty()) heads.add(top);
                else if (top.next != null) pending = top;
            }
            return out;
        }

        /** Whether items may follow the last one taken (a shard not yet read to its end may hold none). */
        boolean hasMore() {
            return !heads.isEmpty() || pending != null;
        }

        private int limit(long need) {
            double share = (double) Math.max(need, 1) / shards.size();
            return (int) Math.min(1000, Math.ceil(share + 2 * Math.sqrt(share)) + 1);
        }
    }

    /** One shard of a list: its query, the items read and not yet taken, and where it goes on (null: at its end). */
    private final class Shard {
        final QueryRequest query;
        final String below;
        final ArrayDeque<Map<String, AttributeValue>> buffer = new ArrayDeque<>();
        Map<String, AttributeValue> next = Map.of(); // empty: not read yet
        int lastLimit;

        Shard(QueryRequest query, String below) {
            this.query = query;
            this.below = below;
        }

        Shard read(int limit) {
            lastLimit = Math.min(1000, Math.max(limit, 2 * lastLimit));
            QueryRequest.Builder r = query.toBuilder().limit(lastLimit);
            if (!next.isEmpty()) r.exclusiveStartKey(next);
            QueryResponse resp = table.query(r.build());
            for (Map<String, AttributeValue> item : resp.items()) {
                if (!TableAccess.str(item, LedgerTable.LIST_SORT_KEY, "").equals(below)) buffer.add(item);
            }
            next = resp.hasLastEvaluatedKey() && !resp.lastEvaluatedKey().isEmpty() ? resp.lastEvaluatedKey() : null;
            return this;
        }
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
     * (Select=COUNT of every shard at once, each paged: a read of every matching index entry, ~1 RCU per 4 KB of them,
     * and one Query per shard at least) when a time range is given or when the decision type is not counted under its
     * own name on some chain (beyond the cap of {@link dev.loopgrid.core.decision.CounterGroups#MAX_NAMES} types,
     * counted under "(other)").
     */
    private long total(String tenant, DecisionQuery q, List<QueryRequest> shardCounts) {
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
        List<Callable<Long>> counts = new ArrayList<>(shardCounts.size());
        for (QueryRequest shard : shardCounts) {
            counts.add(() -> {
                long count = 0;
                Map<String, AttributeValue> start = null;
                do {
                    QueryRequest.Builder r = shard.toBuilder().select(Select.COUNT);
                    if (start != null) r.exclusiveStartKey(start);
                    QueryResponse resp = table.query(r.build());
                    count += resp.count();
                    start = resp.hasLastEvaluatedKey() && !resp.lastEvaluatedKey().isEmpty() ? resp.lastEvaluatedKey() : null;
                } while (start != null);
                return count;
            });
        }
        long sum = 0;
        for (long n : ParallelReads.all(counts)) sum += n;
        return sum;
    }

    /**
     * An opaque cursor: the list sort key of the last decision returned ({@code created_at#decision_id}), how many
     * came before, and a fingerprint of the tenant and filters it belongs to. It only bounds the sort key of queries
     * built from the caller's tenant and filters, so a cursor can never point a query into another tenant's partition;
     * a cursor whose fingerprint or sort key does not fit is 400 {@code invalid_cursor}.
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

        /** 400 unless the sort key has the shape this class writes and lies within the list's time range. */
        void checkRange(String since, String until) {
            if (!SORT_KEY.matcher(sortKey).matches()) throw invalid();
            if ((since != null && sortKey.compareTo(since) < 0) || (until != null && sortKey.compareTo(until + "#\uffff") > 0)) {
                throw invalid();
            }
        }

        static LedgerException.Malformed invalid() {
            return new LedgerException.Malformed("invalid_cursor",
                    "cursor is not valid: pass next_cursor from a previous page unchanged");
        }
    }
}

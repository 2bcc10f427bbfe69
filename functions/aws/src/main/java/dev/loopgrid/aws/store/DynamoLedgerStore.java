package dev.loopgrid.aws.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.AppendRequest;
import dev.loopgrid.core.Canonical;
import dev.loopgrid.core.ChainHead;
import dev.loopgrid.core.ChainKey;
import dev.loopgrid.core.Counters;
import dev.loopgrid.core.DecisionPage;
import dev.loopgrid.core.DecisionQuery;
import dev.loopgrid.core.DecisionRecord;
import dev.loopgrid.core.DecisionStatus;
import dev.loopgrid.core.Entry;
import dev.loopgrid.core.EntryType;
import dev.loopgrid.core.IdempotencyRecord;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.LedgerException;
import dev.loopgrid.core.LedgerStore;
import dev.loopgrid.core.ProjectionChange;
import dev.loopgrid.core.StoreException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.Select;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * The ledger in one DynamoDB table (layout in {@link LedgerTable}). An append is one
 * {@code TransactWriteItems}: the head update conditioned on the sequence read, every entry put with
 * {@code attribute_not_exists}, each decision's projection put or conditionally updated, and idempotency
 * claims — so the chain can never fork and a retried request can never append twice.
 */
public final class DynamoLedgerStore implements LedgerStore {
    /** Condition on the head when the chain is expected to exist at a given sequence. */
    static final String HEAD_AT_SEQUENCE = "#seq = :expected";
    static final String ITEM_ABSENT = "attribute_not_exists(pk)";
    static final String STATUS_IS = "#status = :expected_status";
    static final String IDEM_FREE = "attribute_not_exists(pk) OR expires_at < :now";
    private static final String COUNTER_PREFIX = "n:";
    static final String CONTENT_KEY = "content_key";
    static final String CONTENT_BYTES = "content_bytes";
    private static final int ENTRY_PAGE = 200;

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public DynamoLedgerStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    // ---- keys ------------------------------------------------------------------------------------------

    static String chainPk(ChainKey c) { return "CHAIN#" + c.tenant() + "#" + c.chainId(); }

    static String entrySk(long seq) { return String.format("E#%020d", seq); }

    static String decisionPk(String tenant, String id) { return "DEC#" + tenant + "#" + id; }

    static String idemPk(String tenant, String key) { return "IDEM#" + tenant + "#" + key; }

    static String registryPk(String tenant) { return "TENANT#" + tenant; }

    private static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of(LedgerTable.PK, s(pk), LedgerTable.SK, s(sk));
    }

    private static AttributeValue s(String v) { return AttributeValue.fromS(v); }

    private static AttributeValue n(long v) { return AttributeValue.fromN(Long.toString(v)); }

    // ---- append ----------------------------------------------------------------------------------------

    private enum Role { HEAD, REGISTRY, ENTRY, PROJECTION, IDEMPOTENCY }

    @Override
    public void append(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                       Map<String, Long> counterDeltas) {
        List<TransactWriteItem> items = new ArrayList<>();
        List<Role> roles = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        Entry last = entries.get(entries.size() - 1);
        String pk = chainPk(chain);

        items.add(headWrite(chain, expected, last, entries.get(0).recordedAt(), counterDeltas));
        roles.add(Role.HEAD);
        owners.add(-1);
        if (expected == null) {
            Map<String, AttributeValue> reg = new HashMap<>(key(registryPk(chain.tenant()), "CHAIN#" + chain.chainId()));
            reg.put("chain_id", s(chain.chainId()));
            reg.put("created_at", s(entries.get(0).recordedAt()));
            items.add(TransactWriteItem.builder().put(Put.builder().tableName(table).item(reg)
                    .conditionExpression(ITEM_ABSENT).build()).build());
            roles.add(Role.REGISTRY);
            owners.add(-1);
        }
        long now = clock.instant().getEpochSecond();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            AppendRequest r = requests.get(i);
            items.add(TransactWriteItem.builder().put(Put.builder().tableName(table).item(entryItem(pk, e))
                    .conditionExpression(ITEM_ABSENT).build()).build());
            roles.add(Role.ENTRY);
            owners.add(i);
            TransactWriteItem projection = projectionWrite(chain.tenant(), e, r.projection());
            if (projection != null) {
                items.add(projection);
                roles.add(Role.PROJECTION);
                owners.add(i);
            }
            if (r.idempotency() != null) {
                AppendRequest.IdempotencyClaim claim = r.idempotency();
                Map<String, AttributeValue> item = new HashMap<>(key(idemPk(chain.tenant(), claim.key()), "IDEM"));
                item.put("decision_id", s(e.decisionId()));
                item.put("content_hash", s(claim.contentHash()));
                item.put(LedgerTable.TTL_ATTRIBUTE, n(claim.expiresAtEpochSecond()));
                items.add(TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                        .conditionExpression(IDEM_FREE)
                        .expressionAttributeValues(Map.of(":now", n(now))).build()).build());
                roles.add(Role.IDEMPOTENCY);
                owners.add(i);
            }
        }
        try {
            dynamo.transactWriteItems(TransactWriteItemsRequest.builder().transactItems(items).build());
        } catch (TransactionCanceledException e) {
            throw translate(chain, e, roles, owners);
        } catch (DynamoDbException e) {
            if (isClientError(e)) {
                throw new IllegalStateException("DynamoDB refused the append of " + entries.size()
                        + " entries to chain " + chain.chainId() + ": " + e.awsErrorDetails().errorMessage(), e);
            }
            throw new StoreException.Unavailable("DynamoDB append failed: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB append failed: " + e.getMessage(), e);
        }
    }

    private static boolean isClientError(DynamoDbException e) {
        if (e.statusCode() != 400 || e.awsErrorDetails() == null) return false;
        String code = e.awsErrorDetails().errorCode();
        return "ValidationException".equals(code) || "ResourceNotFoundException".equals(code);
    }

    /** Maps the per-item cancellation reasons to a domain outcome: a lost head race wins over item conditions. */
    private RuntimeException translate(ChainKey chain, TransactionCanceledException e, List<Role> roles,
                                       List<Integer> owners) {
        List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
        int rejectedIndex = -1;
        StoreException.WriteRejected.Reason rejected = null;
        boolean headMoved = false;
        ChainHead current = null;
        String refused = null;
        for (int i = 0; i < reasons.size() && i < roles.size(); i++) {
            CancellationReason r = reasons.get(i);
            String code = r.code();
            if (code == null || "None".equals(code)) continue;
            if ("ValidationError".equals(code) && refused == null) refused = r.message();
            if ("ConditionalCheckFailed".equals(code)) {
                switch (roles.get(i)) {
                    case HEAD -> {
                        headMoved = true;
                        if (r.hasItem() && r.item() != null && !r.item().isEmpty()) current = head(chain, r.item());
                    }
                    case REGISTRY, ENTRY -> headMoved = true;
                    case PROJECTION -> {
                        if (rejected == null) {
                            rejected = StoreException.WriteRejected.Reason.PROJECTION_MOVED;
                            rejectedIndex = owners.get(i);
                        }
                    }
                    case IDEMPOTENCY -> {
                        if (rejected == null) {
                            rejected = StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN;
                            rejectedIndex = owners.get(i);
                        }
                    }
                }
            }
            // other codes (TransactionConflict, ThrottlingError, ProvisionedThroughputExceeded, …): try again later
        }
        if (headMoved) return new StoreException.HeadMoved("head of chain " + chain.chainId() + " moved", current);
        if (rejected != null) {
            // a definite refusal of one request; any transient reason on other items is moot, nothing was written
            return new StoreException.WriteRejected(rejectedIndex, rejected, "condition failed: " + rejected);
        }
        if (refused != null) {
            // e.g. an item would grow beyond 400 KB: the same request is refused every time, so this is no unknown
            // outcome to retry (and answer 503 for) but a definite refusal, like a ValidationException
            return new IllegalStateException("DynamoDB refused the append to chain " + chain.chainId() + ": " + refused, e);
        }
        return new StoreException.Unavailable("transaction cancelled: " + e.getMessage(), e);
    }

    private TransactWriteItem headWrite(ChainKey chain, ChainHead expected, Entry last, String firstAt,
                                        Map<String, Long> deltas) {
        if (expected == null) {
            Map<String, AttributeValue> item = new HashMap<>(key(chainPk(chain), "HEAD"));
            item.put("chain_id", s(chain.chainId()));
            item.put("seq", n(last.sequence()));
            item.put("head_hash", s(last.chainHash()));
            item.put("first_at", s(firstAt));
            item.put("last_at", s(last.recordedAt()));
            deltas.forEach((k, v) -> item.put(COUNTER_PREFIX + k, n(v)));
            return TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                    .conditionExpression(ITEM_ABSENT)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .build()).build();
        }
        Map<String, String> names = new LinkedHashMap<>();
        Map<String, AttributeValue> values = new LinkedHashMap<>();
        names.put("#seq", "seq");
        values.put(":expected", n(expected.sequence()));
        values.put(":seq", n(last.sequence()));
        values.put(":hash", s(last.chainHash()));
        values.put(":last", s(last.recordedAt()));
        StringBuilder add = new StringBuilder();
        int i = 0;
        for (Map.Entry<String, Long> d : deltas.entrySet()) {
            names.put("#c" + i, COUNTER_PREFIX + d.getKey());
            values.put(":c" + i, n(d.getValue()));
            add.append(add.length() == 0 ? " ADD " : ", ").append("#c").append(i).append(" :c").append(i);
            i++;
        }
        return TransactWriteItem.builder().update(Update.builder().tableName(table).key(key(chainPk(chain), "HEAD"))
                .updateExpression("SET #seq = :seq, head_hash = :hash, last_at = :last" + add)
                .conditionExpression(HEAD_AT_SEQUENCE)
                .expressionAttributeNames(names)
                .expressionAttributeValues(values)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build()).build();
    }

    private static Map<String, AttributeValue> entryItem(String pk, Entry e) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(LedgerTable.PK, s(pk));
        item.put(LedgerTable.SK, s(entrySk(e.sequence())));
        item.put("chain_id", s(e.chainId()));
        item.put("seq", n(e.sequence()));
        item.put("type", s(e.type().wire()));
        item.put("id", s(e.id()));
        item.put("decision_id", s(e.decisionId()));
        item.put("recorded_at", s(e.recordedAt()));
        putContent(item, e);
        item.put("previous_hash", s(e.previousHash()));
        item.put("chain_hash", s(e.chainHash()));
        return item;
    }

    /**
     * The content attributes of an entry or projection item: the exact canonical text ({@code content}), or, when it
     * lives in the content store, its key ({@code content_key}) and UTF-8 size ({@code content_bytes}, for list
     * paging) instead; and {@code content_hash} either way.
     */
    private static void putContent(Map<String, AttributeValue> item, Entry e) {
        if (e.contentKey() == null) {
            item.put("content", s(e.content()));
        } else {
            item.put(CONTENT_KEY, s(e.contentKey()));
            item.put(CONTENT_BYTES, n(Canonical.utf8Length(e.content())));
        }
        item.put("content_hash", s(e.contentHash()));
    }

    private TransactWriteItem projectionWrite(String tenant, Entry e, ProjectionChange change) {
        if (change instanceof ProjectionChange.NewDecision nd) {
            Map<String, AttributeValue> item = new HashMap<>(key(decisionPk(tenant, e.decisionId()), "DEC"));
            item.put("decision_id", s(e.decisionId()));
            item.put("chain_id", s(e.chainId()));
            item.put("decision_type", s(nd.decisionType()));
            item.put("seq", n(e.sequence()));
            item.put("created_at", s(e.recordedAt()));
            putContent(item, e);
            item.put("chain_hash", s(e.chainHash()));
            item.put("previous_hash", s(e.previousHash()));
            item.put("status", s(DecisionStatus.RECORDED.wire()));
            item.put("g_all", s(tenant));
            item.put("g_svc", s(tenant + "#" + e.chainId()));
            item.put("g_type", s(tenant + "#" + nd.decisionType()));
            item.put("g_status", s(tenant + "#" + DecisionStatus.RECORDED.wire()));
            item.put(LedgerTable.LIST_SORT_KEY, s(e.recordedAt() + "#" + e.decisionId()));
            return TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                    .conditionExpression(ITEM_ABSENT).build()).build();
        }
        if (change instanceof ProjectionChange.StatusChange sc) {
            Map<String, String> names = new HashMap<>();
            Map<String, AttributeValue> values = new HashMap<>();
            names.put("#status", "status");
            values.put(":expected_status", s(sc.expected().wire()));
            values.put(":status", s(sc.next().wire()));
            values.put(":g_status", s(tenant + "#" + sc.next().wire()));
            values.put(":at", s(e.recordedAt()));
            StringBuilder set = new StringBuilder("SET #status = :status, g_status = :g_status");
            if (sc.next() == DecisionStatus.INCORRECT) {
                set.append(", incorrect_at = :at");
                if (sc.reason() != null) {
                    set.append(", incorrect_reason = :reason");
                    values.put(":reason", s(sc.reason()));
                } else {
                    set.append(" REMOVE incorrect_reason");
                }
            } else {
                // the correction's own entry, so ground-truth exports can name it without walking the chain
                set.append(", corrected_at = :at, correction = :correction, corrected_by = :by"
                        + ", correction_seq = :cseq, correction_hash = :chash");
                values.put(":correction", s(sc.correction()));
                values.put(":by", s(sc.correctedBy()));
                values.put(":cseq", n(e.sequence()));
                values.put(":chash", s(e.chainHash()));
                if (sc.notes() != null) {
                    set.append(", correction_notes = :notes");
                    values.put(":notes", s(sc.notes()));
                } else {
                    set.append(" REMOVE correction_notes");
                }
            }
            return TransactWriteItem.builder().update(Update.builder().tableName(table)
                    .key(key(decisionPk(tenant, e.decisionId()), "DEC"))
                    .updateExpression(set.toString())
                    .conditionExpression(STATUS_IS)
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values).build()).build();
        }
        if (change instanceof ProjectionChange.ReplayFinished rf) {
            return ReplayItems.finish(table, tenant, e, rf.result(), rf.attempt());
        }
        return null;
    }

    // ---- reads -----------------------------------------------------------------------------------------

    @Override
    public Optional<ChainHead> readHead(ChainKey chain) {
        Map<String, AttributeValue> item = get(key(chainPk(chain), "HEAD"));
        return item == null ? Optional.empty() : Optional.of(head(chain, item));
    }

    private static ChainHead head(ChainKey chain, Map<String, AttributeValue> item) {
        Map<String, Long> counters = new TreeMap<>();
        item.forEach((k, v) -> {
            if (k.startsWith(COUNTER_PREFIX) && v.n() != null) counters.put(k.substring(COUNTER_PREFIX.length()), Long.parseLong(v.n()));
        });
        return new ChainHead(str(item, "chain_id", chain.chainId()), num(item, "seq"), str(item, "head_hash", null),
                counters, str(item, "first_at", null), str(item, "last_at", null));
    }

    @Override
    public Optional<Entry> readEntry(ChainKey chain, long sequence) {
        Map<String, AttributeValue> item = get(key(chainPk(chain), entrySk(sequence)));
        return item == null ? Optional.empty() : Optional.of(entry(item));
    }

    @Override
    public Iterator<Entry> readEntries(ChainKey chain, long fromSequence, long toSequence) {
        // Every key of sequence N with anything appended (inserted items such as E#…03x, even a suffix outside the
        // BMP, which sorts above '\uffff' in DynamoDB's UTF-8 byte order) sorts below E#<N+1>: read up to that key
        // and leave it out.
        String after = toSequence == Long.MAX_VALUE ? null : entrySk(toSequence + 1);
        QueryRequest base = QueryRequest.builder().tableName(table)
                .keyConditionExpression("pk = :pk AND sk BETWEEN :from AND :to")
                .expressionAttributeValues(Map.of(":pk", s(chainPk(chain)), ":from", s(entrySk(fromSequence)),
                        ":to", s(after == null ? entrySk(toSequence) + "\uffff" : after)))
                .consistentRead(true)
                .limit(ENTRY_PAGE)
                .build();
        return new Iterator<>() {
            Iterator<Map<String, AttributeValue>> page = List.<Map<String, AttributeValue>>of().iterator();
            Map<String, AttributeValue> startKey;
            boolean last;

            @Override
            public boolean hasNext() {
                while (!page.hasNext() && !last) {
                    QueryResponse r = query(startKey == null ? base : base.toBuilder().exclusiveStartKey(startKey).build());
                    page = r.items().stream().filter(i -> after == null || !after.equals(str(i, LedgerTable.SK, null)))
                            .iterator();
                    startKey = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
                    last = startKey == null;
                }
                return page.hasNext();
            }

            @Override
            public Entry next() {
                if (!hasNext()) throw new NoSuchElementException();
                return entry(page.next());
            }
        };
    }

    /** Reads an entry item leniently: a tampered item still yields an entry for the verifier to judge. */
    private static Entry entry(Map<String, AttributeValue> item) {
        EntryType type;
        try {
            type = EntryType.fromWire(str(item, "type", ""));
        } catch (IllegalArgumentException e) {
            type = null;
        }
        return new Entry(str(item, "chain_id", ""), num(item, "seq"), type, str(item, "id", null),
                str(item, "decision_id", null), str(item, "recorded_at", null), str(item, "content", null),
                str(item, "content_hash", null), str(item, "previous_hash", null), str(item, "chain_hash", null),
                str(item, CONTENT_KEY, null));
    }

    @Override
    public List<ChainHead> listChains(String tenant) {
        List<String> chains = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest.Builder q = QueryRequest.builder().tableName(table)
                    .keyConditionExpression("pk = :pk")
                    .expressionAttributeValues(Map.of(":pk", s(registryPk(tenant))))
                    .consistentRead(true);
            if (start != null) q.exclusiveStartKey(start);
            QueryResponse r = query(q.build());
            for (Map<String, AttributeValue> item : r.items()) chains.add(str(item, "chain_id", ""));
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        Map<String, ChainHead> heads = new TreeMap<>();
        for (int i = 0; i < chains.size(); i += 100) {
            List<Map<String, AttributeValue>> keys = new ArrayList<>();
            for (String c : chains.subList(i, Math.min(i + 100, chains.size()))) {
                keys.add(key(chainPk(new ChainKey(tenant, c)), "HEAD"));
            }
            Map<String, KeysAndAttributes> request = Map.of(table,
                    KeysAndAttributes.builder().keys(keys).consistentRead(true).build());
            for (int round = 0; !request.isEmpty(); round++) {
                BatchGetItemResponse r;
                try {
                    r = dynamo.batchGetItem(b -> b.requestItems(Map.copyOf(request)));
                } catch (SdkException e) {
                    throw new StoreException.Unavailable("DynamoDB read failed: " + e.getMessage(), e);
                }
                for (Map<String, AttributeValue> item : r.responses().getOrDefault(table, List.of())) {
                    ChainHead h = head(new ChainKey(tenant, str(item, "chain_id", "")), item);
                    heads.put(h.chainId(), h);
                }
                if (!r.hasUnprocessedKeys() || r.unprocessedKeys().isEmpty()) break;
                if (round > 10) throw new StoreException.Unavailable("DynamoDB kept keys unprocessed", null);
                request.clear();
                request.putAll(r.unprocessedKeys());
            }
        }
        // a registered chain whose head item is gone comes back with a null hash, so verification still walks it
        for (String c : chains) heads.putIfAbsent(c, new ChainHead(c, 0, null, Map.of(), null, null));
        return List.copyOf(heads.values());
    }

    @Override
    public Optional<DecisionRecord> findDecision(String tenant, String decisionId) {
        if (decisionId == null || decisionId.isEmpty() || decisionId.length() > 200) return Optional.empty();
        Map<String, AttributeValue> item = get(key(decisionPk(tenant, decisionId), "DEC"));
        return item == null ? Optional.empty() : Optional.of(decision(item));
    }

    private static DecisionRecord decision(Map<String, AttributeValue> item) {
        return new DecisionRecord(str(item, "decision_id", null), str(item, "chain_id", null),
                str(item, "decision_type", null), num(item, "seq"), str(item, "created_at", null),
                str(item, "content", null), str(item, "content_hash", null), str(item, "chain_hash", null),
                str(item, "previous_hash", null),
                DecisionStatus.fromWire(str(item, "status", "recorded")).orElse(DecisionStatus.RECORDED),
                str(item, "incorrect_reason", null), str(item, "incorrect_at", null), str(item, "correction", null),
                str(item, "corrected_by", null), str(item, "corrected_at", null), str(item, "correction_notes", null),
                Math.max(0, num(item, "correction_seq")), str(item, "correction_hash", null),
                str(item, CONTENT_KEY, null), null);
    }

    @Override
    public Optional<IdempotencyRecord> findIdempotency(String tenant, String key) {
        Map<String, AttributeValue> item = get(key(idemPk(tenant, key), "IDEM"));
        if (item == null) return Optional.empty();
        long expires = num(item, LedgerTable.TTL_ATTRIBUTE);
        if (expires < clock.instant().getEpochSecond()) return Optional.empty();
        return Optional.of(new IdempotencyRecord(key, str(item, "decision_id", null), str(item, "content_hash", null),
                expires));
    }

    // ---- lists -----------------------------------------------------------------------------------------

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
            values.put(":p", s(tenant + "#" + q.serviceName()));
        } else if (q.decisionType() != null) {
            index = "by_type";
            partition = "g_type";
            values.put(":p", s(tenant + "#" + q.decisionType()));
        } else if (q.status() != null) {
            index = "by_status";
            partition = "g_status";
            values.put(":p", s(tenant + "#" + q.status().wire()));
        } else {
            index = "by_tenant";
            partition = "g_all";
            values.put(":p", s(tenant));
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

        QueryRequest.Builder base = QueryRequest.builder().tableName(table).indexName(index)
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
            QueryResponse resp = query(r.build());
            List<Map<String, AttributeValue>> items = resp.items();
            int i = 0;
            for (; i < items.size() && out.size() < q.pageSize(); i++) {
                Map<String, AttributeValue> item = items.get(i);
                long size = servedBytes(item);
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
                out.add(decision(item));
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

    /** {@link DecisionQuery#servedBytes} of a projection item, from its attributes (content in the content store included). */
    private static long servedBytes(Map<String, AttributeValue> item) {
        long content = item.containsKey(CONTENT_KEY) ? Math.max(0, num(item, CONTENT_BYTES))
                : Canonical.utf8Length(str(item, "content", null));
        return DecisionQuery.servedBytes(content, str(item, "correction", null), str(item, "incorrect_reason", null),
                str(item, "correction_notes", null));
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
                QueryResponse resp = query(r.build());
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
            return readHead(new ChainKey(tenant, q.serviceName())).map(h -> h.counter(counter)).orElse(0L);
        }
        long sum = 0;
        for (ChainHead h : listChains(tenant)) sum += h.counter(counter);
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
                o.get("k").fields().forEachRemaining(f -> key.put(f.getKey(), s(f.getValue().textValue())));
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

    // ---- plumbing --------------------------------------------------------------------------------------

    private Map<String, AttributeValue> get(Map<String, AttributeValue> key) {
        try {
            var r = dynamo.getItem(GetItemRequest.builder().tableName(table).key(key).consistentRead(true).build());
            return r.hasItem() && !r.item().isEmpty() ? r.item() : null;
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB read failed: " + e.getMessage(), e);
        }
    }

    private QueryResponse query(QueryRequest q) {
        try {
            return dynamo.query(q);
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB query failed: " + e.getMessage(), e);
        }
    }

    private static String str(Map<String, AttributeValue> item, String name, String dflt) {
        AttributeValue v = item.get(name);
        return v == null || v.s() == null ? dflt : v.s();
    }

    private static long num(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        if (v == null || v.n() == null) return -1;
        try {
            return Long.parseLong(v.n());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

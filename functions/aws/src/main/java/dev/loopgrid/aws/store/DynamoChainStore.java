package dev.loopgrid.aws.store;

import static dev.loopgrid.aws.store.TableAccess.n;
import static dev.loopgrid.aws.store.TableAccess.num;
import static dev.loopgrid.aws.store.TableAccess.s;
import static dev.loopgrid.aws.store.TableAccess.str;

import dev.loopgrid.core.decision.CounterGroups;
import dev.loopgrid.core.ledger.AppendRequest;
import dev.loopgrid.core.ledger.ChainHead;
import dev.loopgrid.core.ledger.ChainKey;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.IdempotencyRecord;
import dev.loopgrid.core.ledger.StagedRequest;
import dev.loopgrid.core.ledger.StagedState;
import dev.loopgrid.core.ledger.StagingStore;
import dev.loopgrid.core.ledger.StoreException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The chains in the ledger table (layout in {@link LedgerTable}, keys in {@link LedgerKeys}). An append is one
 * {@code TransactWriteItems}: the head update conditioned on the sequence read, every entry put with
 * {@code attribute_not_exists}, each request's projection change written by its {@link ProjectionWriter}, and
 * idempotency claims — so the chain can never fork and a retried request can never append twice.
 */
public final class DynamoChainStore implements StagingStore {
    /** Condition on the head when the chain is expected to exist at a given sequence. */
    static final String HEAD_AT_SEQUENCE = "#seq = :expected";
    static final String ITEM_ABSENT = "attribute_not_exists(pk)";
    static final String IDEM_FREE = "attribute_not_exists(pk) OR expires_at < :now";
    /** Condition on the chain's lease item for a direct append of a writer alone: nobody holds it. */
    static final String LEASE_FREE = "attribute_not_exists(pk) OR #u < :now";
    static final String STAGED_PENDING = "attribute_exists(pk) AND attribute_not_exists(" + StagedItems.REJECTED + ")";
    private static final int ENTRY_PAGE = 200;

    private final TableAccess access;
    private final String table;
    private final Clock clock;
    private final ProjectionWriters writers;
    private final CounterItems counters;
    private final int stagePartitions;
    private final StagingWidth widths;

    public DynamoChainStore(DynamoDbClient dynamo, String table, Clock clock, ProjectionWriters writers) {
        this(dynamo, table, clock, writers, CounterGroups.MAX_NAMES);
    }

    /** @param maxNames distinct types, and model labels, a chain counts under their own name ({@link CounterGroups}) */
    public DynamoChainStore(DynamoDbClient dynamo, String table, Clock clock, ProjectionWriters writers, int maxNames) {
        this(dynamo, table, clock, writers, maxNames, LedgerKeys.DEFAULT_STAGE_PARTITIONS);
    }

    /**
     * @param stagePartitions how many partition keys a chain's staged requests are spread over (1 to
     *                        {@link LedgerKeys#MAX_STAGE_PARTITIONS}); every writer of a table must use the same count
     */
    public DynamoChainStore(DynamoDbClient dynamo, String table, Clock clock, ProjectionWriters writers, int maxNames,
                            int stagePartitions) {
        if (stagePartitions < 1 || stagePartitions > LedgerKeys.MAX_STAGE_PARTITIONS) {
            throw new IllegalArgumentException("staging partitions must be 1.." + LedgerKeys.MAX_STAGE_PARTITIONS
                    + ", not " + stagePartitions);
        }
        this.stagePartitions = stagePartitions;
        this.widths = new StagingWidth(stagePartitions, System::nanoTime);
        this.access = new TableAccess(dynamo, table);
        this.table = table;
        this.clock = clock;
        this.writers = writers;
        this.counters = new CounterItems(access, table, maxNames);
    }

    // ---- append ----------------------------------------------------------------------------------------

    private enum Role { HEAD, LEASE, REGISTRY, ENTRY, PROJECTION, IDEMPOTENCY, STAGED }

    /** DynamoDB's limit of items in one TransactWriteItems. */
    static final int MAX_TRANSACTION_ITEMS = 100;

    /** Another process admitted names since this one last looked (learnt): fold again and retry. */
    private static final class NamesMoved extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NamesMoved() {
            super(null, null, false, false);
        }
    }

    @Override
    public void append(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                       Map<String, Long> counterDeltas) {
        append(chain, expected, entries, requests, counterDeltas, java.util.Collections.nCopies(entries.size(), null));
    }

    /**
     * Counts, at most, the items the transaction would hold: head, lease check, registry on a first write, per request its entry,
     * projection, idempotency claim and staged item, and the counter items the batch touches (one per counter group of
     * its deltas before folding, which only merges groups; both admitted-names items; one more week, should the batch
     * straddle a week's end).
     */
    @Override
    public boolean fitsOneWrite(ChainHead expected, List<AppendRequest> requests, int staged) {
        int items = 2 + (expected == null ? 1 : 0) + staged; // the head, and a direct append's check of the lease
        for (AppendRequest r : requests) items += 1 + (r.projection() == null ? 0 : 1) + (r.idempotency() == null ? 0 : 1);
        String at = dev.loopgrid.core.ledger.Times.format(clock.millis());
        List<Entry> probes = new ArrayList<>(requests.size());
        for (AppendRequest r : requests) {
            probes.add(new Entry("", 0, r.type(), r.id(), r.decisionId(), at, null, null, null, null, null));
        }
        java.util.Set<String> groups = new java.util.HashSet<>();
        for (String name : dev.loopgrid.core.ledger.Ledger.counterDeltas(requests, probes).keySet()) {
            CounterGroups.Slot slot = CounterGroups.slot(name);
            groups.add(slot.family() + "#" + slot.group());
        }
        for (CounterGroups.Family f : CounterGroups.Family.values()) if (f.capped()) items++; // its admitted names
        items += groups.size() + 1;
        return items <= MAX_TRANSACTION_ITEMS;
    }

    @Override
    public void append(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                       Map<String, Long> counterDeltas, List<StagedRequest> staged) {
        append(chain, expected, entries, requests, counterDeltas, staged, false);
    }

    /** As {@link #append}, with a {@code ConditionCheck} that the chain's lease item is absent or expired. */
    @Override
    public void appendUnlessLeased(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                                   Map<String, Long> counterDeltas) {
        append(chain, expected, entries, requests, counterDeltas, java.util.Collections.nCopies(entries.size(), null), true);
    }

    private void append(ChainKey chain, ChainHead expected, List<Entry> entries, List<AppendRequest> requests,
                        Map<String, Long> counterDeltas, List<StagedRequest> staged, boolean unlessLeased) {
        List<TransactWriteItem> items = new ArrayList<>();
        List<Role> roles = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        Entry last = entries.get(entries.size() - 1);
        items.add(headWrite(chain, expected, last, entries.get(0).recordedAt()));
        roles.add(Role.HEAD);
        owners.add(-1);
        if (unlessLeased) {
            items.add(TransactWriteItem.builder().conditionCheck(ConditionCheck.builder().tableName(table)
                    .key(LedgerKeys.lease(chain))
                    .conditionExpression(LEASE_FREE)
                    .expressionAttributeNames(Map.of("#u", "until"))
                    .expressionAttributeValues(Map.of(":now", n(clock.millis()))).build()).build());
            roles.add(Role.LEASE);
            owners.add(-1);
        }
        if (expected == null) {
            Map<String, AttributeValue> reg = new HashMap<>(LedgerKeys.key(LedgerKeys.registryPk(chain.tenant()), LedgerKeys.registrySk(chain.chainId())));
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
            items.add(TransactWriteItem.builder().put(Put.builder().tableName(table).item(EntryItems.item(LedgerKeys.entryPk(chain, e.sequence()), e))
                    .conditionExpression(ITEM_ABSENT).build()).build());
            roles.add(Role.ENTRY);
            owners.add(i);
            if (r.projection() != null) {
                for (TransactWriteItem w : writers.write(table, chain.tenant(), e, r.projection())) {
                    // a staged decision's projection names the staged request that made it (StagedItems.appended)
                    if (staged.get(i) != null && w.put() != null) w = StagedItems.naming(w, staged.get(i));
                    items.add(w);
                    roles.add(Role.PROJECTION);
                    owners.add(i);
                }
            }
            if (r.idempotency() != null) {
                AppendRequest.IdempotencyClaim claim = r.idempotency();
                Map<String, AttributeValue> item = new HashMap<>(LedgerKeys.idempotency(chain.tenant(), claim.key()));
                item.put("decision_id", s(e.decisionId()));
                item.put("content_hash", s(claim.contentHash()));
                item.put(LedgerTable.TTL_ATTRIBUTE, n(claim.expiresAtEpochSecond()));
                items.add(TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                        .conditionExpression(IDEM_FREE)
                        .expressionAttributeValues(Map.of(":now", n(now))).build()).build());
                roles.add(Role.IDEMPOTENCY);
                owners.add(i);
            }
            if (staged.get(i) != null) {
                items.add(TransactWriteItem.builder().delete(Delete.builder().tableName(table)
                        .key(LedgerKeys.staged(chain, staged.get(i).stageId(), stagePartitions))
                        .conditionExpression(STAGED_PENDING).build()).build());
                roles.add(Role.STAGED);
                owners.add(i);
            }
        }
        // every lost admission race means the chain's admitted set grew, so this ends within the cap's rounds
        for (int round = 0; ; round++) {
            CounterItems.Plan plan = counters.plan(chain, counterDeltas);
            try {
                transact(chain, entries, withCounters(items, plan));
                counters.committed(chain, plan);
                int fromStaging = 0;
                for (StagedRequest s : staged) if (s != null) fromStaging++;
                widths.appended(chain, fromStaging);
                return;
            } catch (TransactionCanceledException e) {
                RuntimeException out = translate(chain, e, roles, owners);
                if (!(out instanceof NamesMoved)) throw out;
                if (round > CounterGroups.MAX_NAMES + 2) {
                    throw new StoreException.Unavailable("admitted names of chain " + chain.chainId() + " kept moving", e);
                }
            }
        }
    }

    private static List<TransactWriteItem> withCounters(List<TransactWriteItem> items, CounterItems.Plan plan) {
        List<TransactWriteItem> all = new ArrayList<>(items.size() + plan.writes().size());
        all.addAll(items);
        all.addAll(plan.writes());
        return all;
    }

    private void transact(ChainKey chain, List<Entry> entries, List<TransactWriteItem> items) {
        try {
            access.dynamo.transactWriteItems(TransactWriteItemsRequest.builder().transactItems(items).build());
        } catch (TransactionCanceledException e) {
            throw e;
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
        java.util.SortedMap<Integer, StoreException.WriteRejected.Reason> rejected = new java.util.TreeMap<>();
        boolean headMoved = false;
        boolean leased = false;
        boolean namesMoved = false;
        ChainHead current = null;
        String refused = null;
        for (int i = 0; i < reasons.size(); i++) {
            CancellationReason r = reasons.get(i);
            String code = r.code();
            if (code == null || "None".equals(code)) continue;
            if ("ValidationError".equals(code) && refused == null) refused = r.message();
            if ("ConditionalCheckFailed".equals(code)) {
                if (i >= roles.size()) {
                    // the counter items after the append's own: only an admission has a condition
                    namesMoved = true;
                    counters.learn(chain, r.hasItem() ? r.item() : null);
                    continue;
                }
                switch (roles.get(i)) {
                    case LEASE -> leased = true;
                    case HEAD -> {
                        headMoved = true;
                        if (r.hasItem() && r.item() != null && !r.item().isEmpty()) current = head(chain, r.item());
                    }
                    // a staged request no longer pending was appended (or withdrawn) by another writer meanwhile
                    case REGISTRY, ENTRY, STAGED -> headMoved = true;
                    // DynamoDB names every item whose condition failed: each such request is refused for good
                    case PROJECTION -> rejected.putIfAbsent(owners.get(i), StoreException.WriteRejected.Reason.PROJECTION_MOVED);
                    case IDEMPOTENCY -> rejected.putIfAbsent(owners.get(i), StoreException.WriteRejected.Reason.IDEMPOTENCY_KEY_TAKEN);
                }
            }
            // other codes (TransactionConflict, ThrottlingError, ProvisionedThroughputExceeded, …): try again later
        }
        if (leased) return new StoreException.Leased("another writer holds the lease of chain " + chain.chainId());
        if (headMoved) return new StoreException.HeadMoved("head of chain " + chain.chainId() + " moved", current);
        if (!rejected.isEmpty()) {
            // definite refusals of these requests; any transient reason on other items is moot, nothing was written
            return new StoreException.WriteRejected(rejected, "condition failed: " + rejected);
        }
        if (namesMoved) return new NamesMoved();
        if (refused != null) {
            // e.g. an item would grow beyond 400 KB: the same request is refused every time, so this is no unknown
            // outcome to retry (and answer 503 for) but a definite refusal, like a ValidationException
            return new IllegalStateException("DynamoDB refused the append to chain " + chain.chainId() + ": " + refused, e);
        }
        return new StoreException.Unavailable("transaction cancelled: " + e.getMessage(), e);
    }

    /** The head item: position only (chain id, sequence, hash, first and last time), under 1 KB for good. */
    private TransactWriteItem headWrite(ChainKey chain, ChainHead expected, Entry last, String firstAt) {
        if (expected == null) {
            Map<String, AttributeValue> item = new HashMap<>(LedgerKeys.head(chain));
            item.put("chain_id", s(chain.chainId()));
            item.put("seq", n(last.sequence()));
            item.put("head_hash", s(last.chainHash()));
            item.put("first_at", s(firstAt));
            item.put("last_at", s(last.recordedAt()));
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
        return TransactWriteItem.builder().update(Update.builder().tableName(table).key(LedgerKeys.head(chain))
                .updateExpression("SET #seq = :seq, head_hash = :hash, last_at = :last")
                .conditionExpression(HEAD_AT_SEQUENCE)
                .expressionAttributeNames(names)
                .expressionAttributeValues(values)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build()).build();
    }

    // ---- staging (Ledger's staged mode) -----------------------------------------------------------------

    @Override
    public boolean canStage(AppendRequest request) {
        return StagedItems.canStage(request);
    }

    @Override
    public void stage(ChainKey chain, StagedRequest staged) {
        try {
            access.dynamo.putItem(PutItemRequest.builder().tableName(table)
                    .item(StagedItems.item(chain, staged, clock.instant().getEpochSecond(), stagePartitions))
                    .conditionExpression(ITEM_ABSENT).build());
        } catch (ConditionalCheckFailedException e) {
            // staged already (an earlier attempt landed): nothing to do
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB staging failed: " + e.getMessage(), e);
        }
    }

    /**
     * BatchWriteItem, 25 puts a call, unprocessed items sent again (bounded). Unconditional: a request is staged once
     * more only while pending (harmless); the single {@link #stage} that settles an unknown outcome has the condition.
     */
    @Override
    public void stageAll(ChainKey chain, List<StagedRequest> staged) {
        long now = clock.instant().getEpochSecond();
        for (int from = 0; from < staged.size(); from += 25) {
            List<WriteRequest> writes = new ArrayList<>();
            for (StagedRequest s : staged.subList(from, Math.min(from + 25, staged.size()))) {
                writes.add(WriteRequest.builder().putRequest(PutRequest.builder()
                        .item(StagedItems.item(chain, s, now, stagePartitions)).build()).build());
            }
            Map<String, List<WriteRequest>> request = Map.of(table, writes);
            for (int round = 0; !request.isEmpty(); round++) {
                if (round > 8) throw new StoreException.Unavailable("DynamoDB kept staged writes unprocessed", null);
                if (round > 0) {
                    try {
                        Thread.sleep(Math.min(200, 10L << round));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new StoreException.Unavailable("interrupted while staging", e);
                    }
                }
                BatchWriteItemResponse r;
                Map<String, List<WriteRequest>> send = request;
                try {
                    r = access.dynamo.batchWriteItem(b -> b.requestItems(send));
                } catch (SdkException e) {
                    throw new StoreException.Unavailable("DynamoDB staging failed: " + e.getMessage(), e);
                }
                request = r.hasUnprocessedItems() ? r.unprocessedItems() : Map.of();
            }
        }
    }

    /**
     * A prefix whose requests land within the chain's staging width ({@link StagingWidth}): as learnt lately by this
     * process, else as the lease item says now (one consistent GetItem; every partition when it cannot be read).
     */
    @Override
    public String newStagePrefix(ChainKey chain, long epochMillis) {
        int width = widths.forWriters(chain);
        if (width == 0) {
            try {
                widths.learn(chain, access.get(LedgerKeys.lease(chain)));
                width = widths.forWriters(chain);
            } catch (StoreException.Unavailable e) {
                width = stagePartitions; // staging itself will tell whether the store is there
            }
        }
        return widths.prefix(width == 0 ? stagePartitions : width, epochMillis);
    }

    /**
     * The lease item sits in the staging partition (sort key {@value LedgerKeys#LEASE_SK}); a conditional write claims
     * it. It also carries the chain's staging width ({@link StagingWidth}): a claim leaves it (a chain's first sets
     * every partition) and reads it back; a renewal writes the width this holder's rate needs when that changed. A
     * claim that fails learns the width from the item.
     */
    @Override
    public boolean lease(ChainKey chain, String writer, long untilEpochMillis) {
        long now = clock.millis();
        boolean renewal = widths.holds(chain, writer);
        StagingWidth.Fields fields = renewal ? widths.fieldsToWrite(chain, now) : null;
        Map<String, String> names = new HashMap<>(Map.of("#w", "writer", "#u", "until"));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":w", s(writer), ":u", n(untilEpochMillis),
                ":now", n(now)));
        String update = "SET #w = :w, #u = :u, " + widthUpdate(fields, names, values);
        try {
            var r = access.dynamo.updateItem(UpdateItemRequest.builder().tableName(table)
                    .key(LedgerKeys.lease(chain))
                    .updateExpression(update)
                    .conditionExpression("attribute_not_exists(pk) OR #u < :now OR #w = :w")
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values)
                    .returnValues(ReturnValue.ALL_NEW)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .build());
            if (fields != null) widths.wrote(chain, fields);
            else if (!renewal) widths.claimed(chain, writer, r.hasAttributes() ? r.attributes() : Map.of());
            return true;
        } catch (ConditionalCheckFailedException e) {
            if (renewal) widths.ended(chain); // lost it (another writer of this process may hold it otherwise)
            if (e.hasItem() && e.item() != null && !e.item().isEmpty()) widths.learn(chain, e.item());
            return false;
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB update failed: " + e.getMessage(), e);
        }
    }

    /** The update of the lease item's staging fields: {@code fields}, or the width left as it is (set if absent). */
    private String widthUpdate(StagingWidth.Fields fields, Map<String, String> names, Map<String, AttributeValue> values) {
        names.put("#width", StagingWidth.WIDTH);
        if (fields == null) {
            values.put(":width", n(stagePartitions));
            return "#width = if_not_exists(#width, :width)";
        }
        names.put("#wide", StagingWidth.WIDE);
        names.put("#wideUntil", StagingWidth.WIDE_UNTIL);
        values.put(":width", n(fields.width()));
        values.put(":wide", n(fields.wide()));
        values.put(":wideUntil", n(fields.wideUntil()));
        return "#width = :width, #wide = :wide, #wideUntil = :wideUntil";
    }

    /**
     * Ends the term ({@code until} set to 0) and writes the staging width measured over it when that changed; the item
     * stays, so the next holder starts from that width.
     */
    @Override
    public void release(ChainKey chain, String writer) {
        boolean held = widths.holds(chain, writer);
        StagingWidth.Fields fields = held ? widths.fieldsToWrite(chain, clock.millis()) : null;
        if (held) widths.ended(chain);
        Map<String, String> names = new HashMap<>(Map.of("#w", "writer", "#u", "until"));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":w", s(writer), ":ended", n(0)));
        String update = "SET #u = :ended";
        if (fields != null) update += ", " + widthUpdate(fields, names, values);
        try {
            access.dynamo.updateItem(UpdateItemRequest.builder().tableName(table).key(LedgerKeys.lease(chain))
                    .updateExpression(update)
                    .conditionExpression("#w = :w")
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values).build());
        } catch (ConditionalCheckFailedException e) {
            // another writer holds it since ours expired
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB update failed: " + e.getMessage(), e);
        }
    }

    /**
     * One Query per staging partition in use (the chain's staging width, {@link StagingWidth#toRead}; every partition once
     * every {@value StagingWidth#SWEEP_EVERY} batches; first pages read in parallel), merged by stage id: the oldest
     * {@code limit} pending requests of the chain there.
     */
    @Override
    public List<StagedRequest> readStaged(ChainKey chain, int limit) {
        int read = widths.toRead(chain, clock.millis());
        List<QueryRequest> queries = new ArrayList<>(read);
        for (int p = 0; p < read; p++) {
            queries.add(QueryRequest.builder().tableName(table)
                    // stage ids start with a digit: a lease item (of a chain whose id ends like a partition) is left out
                    .keyConditionExpression("pk = :pk AND sk < :lease")
                    .filterExpression("attribute_not_exists(" + StagedItems.REJECTED + ")")
                    .expressionAttributeValues(Map.of(":pk", s(LedgerKeys.stagePk(chain, p)), ":lease", s(LedgerKeys.LEASE_SK)))
                    .consistentRead(true)
                    .limit(limit)
                    .build());
        }
        MergedQuery items = new MergedQuery(access, queries, limit, i -> true).parallelFirstPages();
        List<StagedRequest> out = new ArrayList<>(limit);
        while (out.size() < limit && items.hasNext()) out.add(StagedItems.request(items.next()));
        return out;
    }

    /**
     * One consistent BatchGetItem of the staged item, the decision's projection and the chain's lease (a writer's poll
     * is one request). The two are not read atomically: seen neither, the projection is read once more, since the
     * transaction that appended the request may have come between the two reads.
     */
    @Override
    public StagedState stagedState(ChainKey chain, StagedRequest staged) {
        return stagedStates(chain, List.of(staged)).get(0);
    }

    /** As {@link #stagedState}, 49 requests per BatchGetItem (their staged items and projections, and the lease). */
    @Override
    public List<StagedState> stagedStates(ChainKey chain, List<StagedRequest> staged) {
        return stagedStates(chain, staged, true);
    }

    /** Without {@code withLease}, the lease is left out of the BatchGetItem and pending requests read as leased. */
    @Override
    public List<StagedState> stagedStates(ChainKey chain, List<StagedRequest> staged, boolean withLease) {
        List<StagedState> out = new ArrayList<>(staged.size());
        for (int from = 0; from < staged.size(); from += 49) {
            List<StagedRequest> part = staged.subList(from, Math.min(from + 49, staged.size()));
            List<Map<String, AttributeValue>> keys = new ArrayList<>();
            for (StagedRequest s : part) {
                keys.add(LedgerKeys.staged(chain, s.stageId(), stagePartitions));
                keys.add(LedgerKeys.decision(chain.tenant(), s.request().decisionId()));
            }
            // the lease also tells the chain's staging width: read along when this process's is stale
            boolean readLease = withLease || widths.stale(chain);
            if (readLease) keys.add(LedgerKeys.lease(chain));
            Map<String, Map<String, AttributeValue>> found = new HashMap<>(); // "pk|sk" → item
            for (Map<String, AttributeValue> item : access.batchGet(keys)) {
                found.put(TableAccess.keyOf(item), item);
            }
            Map<String, AttributeValue> lease = found.get(TableAccess.keyOf(LedgerKeys.lease(chain)));
            if (readLease) widths.learn(chain, lease);
            boolean leased = !withLease || (lease != null && num(lease, "until") >= clock.millis());
            for (StagedRequest s : part) {
                Map<String, AttributeValue> stagedItem = found.get(TableAccess.keyOf(LedgerKeys.staged(chain, s.stageId(), stagePartitions)));
                Map<String, AttributeValue> projection = found.get(TableAccess.keyOf(LedgerKeys.decision(chain.tenant(), s.request().decisionId())));
                Entry e = StagedItems.appended(chain, s, projection);
                if (e != null) {
                    out.add(new StagedState.Integrated(e));
                } else if (stagedItem != null) {
                    StoreException.WriteRejected.Reason reason = StagedItems.rejected(stagedItem);
                    // another request's decision holds this id (one its idempotency key fixes, as an OTLP span's):
                    // the projection may only be created, so this request can never be appended
                    if (reason == null && projection != null) reason = StoreException.WriteRejected.Reason.PROJECTION_MOVED;
                    out.add(reason == null ? new StagedState.Pending(leased) : new StagedState.Rejected(reason));
                } else {
                    out.add(appendedOrAbsent(chain, s));
                }
            }
        }
        return out;
    }

    private StagedState appendedOrAbsent(ChainKey chain, StagedRequest staged) {
        Map<String, AttributeValue> projection = access.get(LedgerKeys.decision(chain.tenant(), staged.request().decisionId()));
        Entry e = StagedItems.appended(chain, staged, projection);
        return e == null ? new StagedState.Absent() : new StagedState.Integrated(e);
    }

    @Override
    public void rejectStaged(ChainKey chain, StagedRequest staged, StoreException.WriteRejected.Reason reason) {
        try {
            access.dynamo.updateItem(UpdateItemRequest.builder().tableName(table)
                    .key(LedgerKeys.staged(chain, staged.stageId(), stagePartitions))
                    .updateExpression("SET #r = :r")
                    .conditionExpression("attribute_exists(pk)")
                    .expressionAttributeNames(Map.of("#r", StagedItems.REJECTED))
                    .expressionAttributeValues(Map.of(":r", s(reason.name())))
                    .build());
        } catch (ConditionalCheckFailedException e) {
            // no longer staged: appended or withdrawn meanwhile
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB update failed: " + e.getMessage(), e);
        }
    }

    @Override
    public StagedState withdrawStaged(ChainKey chain, StagedRequest staged) {
        Map<String, AttributeValue> old;
        try {
            old = access.dynamo.deleteItem(DeleteItemRequest.builder().tableName(table)
                    .key(LedgerKeys.staged(chain, staged.stageId(), stagePartitions))
                    .returnValues(ReturnValue.ALL_OLD).build()).attributes();
        } catch (SdkException e) {
            throw new StoreException.Unavailable("DynamoDB delete failed: " + e.getMessage(), e);
        }
        if (old != null && !old.isEmpty()) {
            StoreException.WriteRejected.Reason reason = StagedItems.rejected(old);
            return reason == null ? new StagedState.Absent() : new StagedState.Rejected(reason);
        }
        return appendedOrAbsent(chain, staged);
    }

    // ---- reads -----------------------------------------------------------------------------------------

    /** The head item and the chain's counter items (one GetItem, one Query of the bounded counter partition). */
    @Override
    public Optional<ChainHead> readHead(ChainKey chain) {
        return readPosition(chain).map(h -> withCounters(chain, h));
    }

    /** The head item alone: one GetItem of an item under 1 KB. */
    @Override
    public Optional<ChainHead> readPosition(ChainKey chain) {
        Map<String, AttributeValue> item = access.get(LedgerKeys.head(chain));
        return item == null ? Optional.empty() : Optional.of(head(chain, item));
    }

    /** The item of the counter's group, and when it is missing and the name is capped, the admitted names. */
    @Override
    public OptionalLong readCounter(ChainKey chain, String counter) {
        return counters.readOne(chain, counter);
    }

    private ChainHead withCounters(ChainKey chain, ChainHead h) {
        return new ChainHead(h.chainId(), h.sequence(), h.headHash(), counters.read(chain), h.firstRecordedAt(),
                h.lastRecordedAt());
    }

    private static ChainHead head(ChainKey chain, Map<String, AttributeValue> item) {
        return new ChainHead(str(item, "chain_id", chain.chainId()), num(item, "seq"), str(item, "head_hash", null),
                null, str(item, "first_at", null), str(item, "last_at", null));
    }

    @Override
    public Optional<Entry> readEntry(ChainKey chain, long sequence) {
        Map<String, AttributeValue> item = access.get(LedgerKeys.entry(chain, sequence));
        return item == null ? Optional.empty() : Optional.of(EntryItems.entry(item));
    }

    /**
     * The entries from {@code fromSequence} to {@code toSequence}: one Query per entry partition the range falls in
     * ({@link LedgerKeys#ENTRY_PARTITIONS}; fewer when the range is shorter than that), merged in key order. A first
     * page is small (a reader often wants a few), later pages {@value #ENTRY_PAGE} items.
     */
    @Override
    public Iterator<Entry> readEntries(ChainKey chain, long fromSequence, long toSequence) {
        // Every key of sequence N with anything appended (inserted items such as E#…03x, even a suffix outside the
        // BMP, which sorts above '\uffff' in DynamoDB's UTF-8 byte order) sorts below E#<N+1>: read up to that key
        // and leave it out.
        String after = toSequence == Long.MAX_VALUE ? null : LedgerKeys.entrySk(toSequence + 1);
        String to = after == null ? LedgerKeys.entrySk(toSequence) + "\uffff" : after;
        int partitions = LedgerKeys.ENTRY_PARTITIONS;
        boolean everyPartition = toSequence - fromSequence + 1 >= partitions || toSequence - fromSequence + 1 <= 0;
        int firstPage = Math.max(8, ENTRY_PAGE / partitions);
        List<QueryRequest> queries = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            if (!everyPartition && Math.floorMod(p - fromSequence, (long) partitions) > toSequence - fromSequence) continue;
            queries.add(QueryRequest.builder().tableName(table)
                    .keyConditionExpression("pk = :pk AND sk BETWEEN :from AND :to")
                    .expressionAttributeValues(Map.of(":pk", s(LedgerKeys.entryPk(chain, p)),
                            ":from", s(LedgerKeys.entrySk(fromSequence)), ":to", s(to)))
                    .consistentRead(true)
                    .limit(firstPage)
                    .build());
        }
        MergedQuery items = new MergedQuery(access, queries, ENTRY_PAGE,
                i -> after == null || !after.equals(str(i, LedgerTable.SK, null))).parallelFirstPages();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return items.hasNext();
            }

            @Override
            public Entry next() {
                return EntryItems.entry(items.next());
            }
        };
    }

    /** The registry, the heads (BatchGetItem) and each chain's counter partition (one Query per chain). */
    @Override
    public List<ChainHead> listChains(String tenant) {
        List<String> chains = listChainIds(tenant);
        Map<String, ChainHead> heads = new TreeMap<>();
        for (int i = 0; i < chains.size(); i += 100) {
            List<Map<String, AttributeValue>> keys = new ArrayList<>();
            for (String c : chains.subList(i, Math.min(i + 100, chains.size()))) {
                keys.add(LedgerKeys.head(new ChainKey(tenant, c)));
            }
            for (Map<String, AttributeValue> item : access.batchGet(keys)) {
                ChainKey key = new ChainKey(tenant, str(item, "chain_id", ""));
                ChainHead h = withCounters(key, head(key, item));
                heads.put(h.chainId(), h);
            }
        }
        // a registered chain whose head item is gone comes back with a null hash, so verification still walks it
        for (String c : chains) heads.putIfAbsent(c, new ChainHead(c, 0, null, Map.of(), null, null));
        return List.copyOf(heads.values());
    }

    /** The tenant's chain registry only (one Query, paged). */
    @Override
    public List<String> listChainIds(String tenant) {
        List<String> chains = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest.Builder q = QueryRequest.builder().tableName(table)
                    .keyConditionExpression("pk = :pk")
                    .expressionAttributeValues(Map.of(":pk", s(LedgerKeys.registryPk(tenant))))
                    .consistentRead(true);
            if (start != null) q.exclusiveStartKey(start);
            QueryResponse r = access.query(q.build());
            for (Map<String, AttributeValue> item : r.items()) chains.add(str(item, "chain_id", ""));
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return chains;
    }

    @Override
    public Optional<IdempotencyRecord> findIdempotency(String tenant, String key) {
        Map<String, AttributeValue> item = access.get(LedgerKeys.idempotency(tenant, key));
        if (item == null) return Optional.empty();
        long expires = num(item, LedgerTable.TTL_ATTRIBUTE);
        if (expires < clock.instant().getEpochSecond()) return Optional.empty();
        return Optional.of(new IdempotencyRecord(key, str(item, "decision_id", null), str(item, "content_hash", null),
                expires));
    }
}

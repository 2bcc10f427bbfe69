package dev.loopgrid.aws.store;

import static dev.loopgrid.aws.store.TableAccess.n;
import static dev.loopgrid.aws.store.TableAccess.s;
import static dev.loopgrid.aws.store.TableAccess.str;

import dev.loopgrid.core.decision.CounterGroups;
import dev.loopgrid.core.decision.CounterGroups.Family;
import dev.loopgrid.core.ledger.ChainKey;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * A chain's counters in the ledger table (layout in {@link LedgerTable}, keys in {@link LedgerKeys#counterPk}): one
 * item per counter group ({@link CounterGroups}), each counter an attribute named by its field ({@code type},
 * {@code type_status:incorrect}, {@code latency_ms:17}, {@code status:recorded}, …), and per capped family an
 * admitted-names item holding the names admitted so far as a string set ({@value #NAMES}).
 *
 * <p>An append adds its counter deltas with {@code ADD} to the items of the groups it touches, in the append's own
 * transaction (so totals are exact and move with the entries), and, when it admits new names, adds them to the
 * admitted-names item on condition that the set is still what this process last saw ({@value #NAMES_NONE} or
 * {@value #NAMES_UNCHANGED}: the set only grows, so an equal size is an equal set). When another process took a
 * slot first, the condition fails, the item comes back with the cancellation ({@code ALL_OLD}), and the store folds
 * again against what it learnt ({@link #learn}) and retries. A process caches the admitted names per chain: a
 * cached name is admitted for good, and once the cache holds {@link CounterGroups#MAX_NAMES} names every other name
 * folds without any condition.
 *
 * <p>Item sizes are bounded whatever clients send: a group item holds at most ~130 small attributes (a model's
 * latency buckets), an admitted-names item at most the cap's names of at most {@link CounterGroups#MAX_NAME_BYTES}
 * bytes each.
 */
final class CounterItems {
    /** The admitted-names item's string set. */
    static final String NAMES = "names";
    /** Condition of an admission when this process knows of no admitted name. */
    static final String NAMES_NONE = "attribute_not_exists(#names)";
    /** Condition of an admission when this process knows {@code :known} admitted names. */
    static final String NAMES_UNCHANGED = "size(#names) = :known";

    private static final Map<Family, String> SK_PREFIX = Map.of(
            Family.TYPE, "TYPE#", Family.MODEL, "MODEL#", Family.WEEK, "WEEK#");

    private final TableAccess access;
    private final String table;
    private final int maxNames;
    /** chain → family → names known to be admitted (a subset of the stored set; only grows). */
    private final ConcurrentHashMap<ChainKey, Map<Family, Set<String>>> admitted = new ConcurrentHashMap<>();
    /** chain × family pairs whose admitted names were read at least once by this process. */
    private final Set<String> loaded = ConcurrentHashMap.newKeySet();

    CounterItems(TableAccess access, String table, int maxNames) {
        this.access = access;
        this.table = table;
        this.maxNames = maxNames;
    }

    /**
     * The writes of one attempt of an append.
     *
     * @param writes       the counter items' updates, then the admitted-names items' updates
     * @param admit        the names the writes admit, per family
     */
    record Plan(List<TransactWriteItem> writes, Map<Family, Set<String>> admit) {}

    /** Folds {@code deltas} against the names this process knows are admitted, and the writes that add them. */
    Plan plan(ChainKey chain, Map<String, Long> deltas) {
        // one snapshot for the fold and the condition: a read may teach the cache more names meanwhile, and a
        // condition on a larger set than the fold counted could let an admission pass the cap
        Map<Family, Set<String>> known = Map.copyOf(known(chain));
        CounterGroups.Folded folded = CounterGroups.fold(deltas, known, maxNames);
        boolean reread = false;
        for (Family f : folded.admit().keySet()) {
            // a process's first admission on a chain reads the set, so it does not lose a transaction to learn it
            if (loaded.add(key(chain, f))) {
                load(chain, f);
                reread = true;
            }
        }
        if (reread) {
            known = Map.copyOf(known(chain));
            folded = CounterGroups.fold(deltas, known, maxNames);
        }
        Map<String, Map<String, Long>> bySk = new TreeMap<>();
        for (Map.Entry<String, Long> d : folded.deltas().entrySet()) {
            CounterGroups.Slot slot = CounterGroups.slot(d.getKey());
            bySk.computeIfAbsent(sk(slot.family(), slot.group()), k -> new TreeMap<>()).put(slot.field(), d.getValue());
        }
        List<TransactWriteItem> writes = new ArrayList<>();
        String pk = LedgerKeys.counterPk(chain);
        bySk.forEach((sk, fields) -> {
            String itemPk = pk(chain, family(sk));
            Map<String, String> names = new LinkedHashMap<>();
            Map<String, AttributeValue> values = new LinkedHashMap<>();
            StringBuilder add = new StringBuilder("ADD ");
            int i = 0;
            for (Map.Entry<String, Long> f : fields.entrySet()) {
                names.put("#c" + i, f.getKey());
                values.put(":c" + i, n(f.getValue()));
                add.append(i == 0 ? "" : ", ").append("#c").append(i).append(" :c").append(i);
                i++;
            }
            writes.add(TransactWriteItem.builder().update(Update.builder().tableName(table)
                    .key(LedgerKeys.key(itemPk, sk)).updateExpression(add.toString())
                    .expressionAttributeNames(names).expressionAttributeValues(values).build()).build());
        });
        for (Map.Entry<Family, Set<String>> a : folded.admit().entrySet()) {
            int k = known.getOrDefault(a.getKey(), Set.of()).size();
            Map<String, AttributeValue> values = new LinkedHashMap<>();
            values.put(":new", AttributeValue.fromSs(List.copyOf(a.getValue())));
            if (k > 0) values.put(":known", n(k));
            writes.add(TransactWriteItem.builder().update(Update.builder().tableName(table)
                    .key(LedgerKeys.key(pk, namesSk(a.getKey())))
                    .updateExpression("ADD #names :new")
                    .conditionExpression(k == 0 ? NAMES_NONE : NAMES_UNCHANGED)
                    .expressionAttributeNames(Map.of("#names", NAMES))
                    .expressionAttributeValues(values)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .build()).build());
        }
        return new Plan(writes, folded.admit());
    }

    /** Remembers the names of an admitted-names item (e.g. returned with a failed condition); null is ignored. */
    void learn(ChainKey chain, Map<String, AttributeValue> item) {
        if (item == null || item.isEmpty()) return;
        String sk = str(item, LedgerTable.SK, "");
        for (Family f : new Family[] {Family.TYPE, Family.MODEL}) {
            if (sk.equals(namesSk(f))) {
                AttributeValue set = item.get(NAMES);
                if (set != null && set.hasSs()) remember(chain, f, set.ss());
            }
        }
    }

    /** Remembers the names a committed append admitted. */
    void committed(ChainKey chain, Plan plan) {
        plan.admit().forEach((f, names) -> remember(chain, f, names));
    }

    /** The partition of {@code family}'s counter items on {@code chain}. */
    private static String pk(ChainKey chain, Family family) {
        return family == Family.TOTAL ? LedgerKeys.counterPk(chain) : LedgerKeys.counterPk(chain, family.name());
    }

    /**
     * All counters of a chain (one Query of each of its four counter partitions, bounded, read side by side), by full
     * counter name.
     */
    Map<String, Long> read(ChainKey chain) {
        Map<String, Long> out = new TreeMap<>();
        List<java.util.concurrent.Callable<List<Map<String, AttributeValue>>>> reads = new ArrayList<>();
        for (Family f : Family.values()) reads.add(() -> partition(pk(chain, f)));
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        for (List<Map<String, AttributeValue>> part : ParallelReads.all(reads)) items.addAll(part);
        for (Map<String, AttributeValue> item : items) {
            String sk = str(item, LedgerTable.SK, "");
            if (sk.startsWith(LedgerKeys.COUNTER_NAMES_SK_PREFIX)) {
                if (pk(chain, Family.TOTAL).equals(str(item, LedgerTable.PK, ""))) learn(chain, item);
                continue;
            }
            Family family = family(sk);
            if (!pk(chain, family).equals(str(item, LedgerTable.PK, ""))) continue; // not where this store writes it
            String group = family == Family.TOTAL ? "" : sk.substring(SK_PREFIX.get(family).length());
            item.forEach((field, v) -> {
                if (field.equals(LedgerTable.PK) || field.equals(LedgerTable.SK) || v.n() == null) return;
                try {
                    out.merge(CounterGroups.counter(family, group, field), Long.parseLong(v.n()), Long::sum);
                } catch (NumberFormatException e) {
                    // not a counter DynamoDB's ADD wrote; leave it out
                }
            });
        }
        return out;
    }

    /** Every item under {@code pk} (a counter partition: bounded), paged. */
    private List<Map<String, AttributeValue>> partition(String pk) {
        List<Map<String, AttributeValue>> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest.Builder q = QueryRequest.builder().tableName(table)
                    .keyConditionExpression("pk = :pk")
                    .expressionAttributeValues(Map.of(":pk", s(pk)))
                    .consistentRead(true);
            if (start != null) q.exclusiveStartKey(start);
            software.amazon.awssdk.services.dynamodb.model.QueryResponse r = access.query(q.build());
            out.addAll(r.items());
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    /**
     * One counter, reading the item of its group (and, when that is missing and the name is capped, the admitted
     * names): empty when the name is counted under {@link CounterGroups#OTHER} on this chain.
     */
    OptionalLong readOne(ChainKey chain, String counter) {
        CounterGroups.Slot slot = CounterGroups.slot(counter);
        String group = CounterGroups.groupName(slot.group());
        String pk = LedgerKeys.counterPk(chain);
        Map<String, AttributeValue> item = access.get(LedgerKeys.key(pk(chain, slot.family()), sk(slot.family(), group)));
        if (item != null) return OptionalLong.of(value(item.get(slot.field())));
        if (slot.family().capped() && !group.equals(CounterGroups.OTHER)) {
            Map<String, AttributeValue> names = access.get(LedgerKeys.key(pk, namesSk(slot.family())));
            List<String> set = names == null || names.get(NAMES) == null || !names.get(NAMES).hasSs()
                    ? List.of() : names.get(NAMES).ss();
            if (!set.contains(group) && set.size() >= maxNames) return OptionalLong.empty();
        }
        return OptionalLong.of(0);
    }

    private static long value(AttributeValue v) {
        if (v == null || v.n() == null) return 0;
        try {
            return Long.parseLong(v.n());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void load(ChainKey chain, Family f) {
        Map<String, AttributeValue> item = access.get(LedgerKeys.key(LedgerKeys.counterPk(chain), namesSk(f)));
        learn(chain, item);
    }

    private Map<Family, Set<String>> known(ChainKey chain) {
        return admitted.computeIfAbsent(chain, c -> new ConcurrentHashMap<>());
    }

    private void remember(ChainKey chain, Family f, java.util.Collection<String> names) {
        known(chain).merge(f, Set.copyOf(names), (a, b) -> {
            Set<String> u = new HashSet<>(a);
            u.addAll(b);
            return Set.copyOf(u);
        });
    }

    private static String key(ChainKey chain, Family f) {
        return f + "\u0000" + chain.tenant() + "\u0000" + chain.chainId();
    }

    /** Sort key of a group's item. */
    static String sk(Family family, String group) {
        return family == Family.TOTAL ? LedgerKeys.COUNTER_TOTAL_SK : SK_PREFIX.get(family) + group;
    }

    /** Sort key of a family's admitted-names item: {@code NAMES#type}, {@code NAMES#model}. */
    static String namesSk(Family f) {
        return LedgerKeys.COUNTER_NAMES_SK_PREFIX + f.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static Family family(String sk) {
        for (Map.Entry<Family, String> e : new EnumMap<>(SK_PREFIX).entrySet()) {
            if (sk.startsWith(e.getValue())) return e.getKey();
        }
        return Family.TOTAL;
    }
}

package dev.loopgrid.aws.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.function.Predicate;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The items of several partitions read as one, in sort-key order: one paged Query per partition, merged as they are
 * read. Used where the table spreads what is one sequence over several partition keys (a chain's entries,
 * {@link LedgerKeys#ENTRY_PARTITIONS}), so no single key carries all of its writes. Sort keys compare as DynamoDB
 * orders them, by their UTF-8 bytes.
 */
final class MergedQuery implements Iterator<Map<String, AttributeValue>> {
    /** DynamoDB's order of string sort keys: unsigned UTF-8 bytes. */
    static final Comparator<String> KEY_ORDER = (a, b) -> {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        return java.util.Arrays.compareUnsigned(x, y);
    };

    private final TableAccess access;
    private final PriorityQueue<Partition> heads =
            new PriorityQueue<>(Comparator.comparing((Partition p) -> p.sortKey(), KEY_ORDER));
    private final List<Partition> unread = new ArrayList<>();
    private final Predicate<Map<String, AttributeValue>> keep;
    private final int nextLimit;

    /**
     * @param queries    one per partition, each with its key condition and the limit of its first page
     * @param nextLimit  the limit of every later page of a partition
     * @param keep       the items returned (the others are read and dropped)
     */
    MergedQuery(TableAccess access, List<QueryRequest> queries, int nextLimit, Predicate<Map<String, AttributeValue>> keep) {
        this.access = access;
        this.keep = keep;
        this.nextLimit = nextLimit;
        for (QueryRequest q : queries) unread.add(new Partition(q));
    }

    @Override
    public boolean hasNext() {
        if (!unread.isEmpty()) { // every partition's first page before the first item: any may hold the smallest key
            for (Partition p : unread) if (p.advance()) heads.add(p);
            unread.clear();
        }
        return !heads.isEmpty();
    }

    @Override
    public Map<String, AttributeValue> next() {
        if (!hasNext()) throw new NoSuchElementException();
        Partition p = heads.poll();
        Map<String, AttributeValue> item = p.current;
        if (p.advance()) heads.add(p);
        return item;
    }

    private final class Partition {
        private final QueryRequest base;
        private Iterator<Map<String, AttributeValue>> page = List.<Map<String, AttributeValue>>of().iterator();
        private Map<String, AttributeValue> startKey;
        private boolean started;
        private boolean last;
        Map<String, AttributeValue> current;

        Partition(QueryRequest base) {
            this.base = base;
        }

        String sortKey() {
            return TableAccess.str(current, LedgerTable.SK, "");
        }

        /** Moves to this partition's next kept item; false when it has none left. */
        boolean advance() {
            while (true) {
                while (page.hasNext()) {
                    Map<String, AttributeValue> item = page.next();
                    if (keep.test(item)) {
                        current = item;
                        return true;
                    }
                }
                if (last) {
                    current = null;
                    return false;
                }
                QueryRequest q = !started ? base : base.toBuilder().limit(nextLimit).exclusiveStartKey(startKey).build();
                started = true;
                QueryResponse r = access.query(q);
                page = r.items().iterator();
                startKey = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
                last = startKey == null;
            }
        }
    }
}

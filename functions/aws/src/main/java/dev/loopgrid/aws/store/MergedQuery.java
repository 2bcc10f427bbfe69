package dev.loopgrid.aws.store;

import dev.loopgrid.core.ledger.StoreException;
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
 * {@link LedgerKeys#ENTRY_PARTITIONS}; its staged requests, {@link LedgerKeys#DEFAULT_STAGE_PARTITIONS}), so no single key
 * carries all of its writes. A partition's next page is read only when the merge needs its next item. Sort keys
 * compare as DynamoDB orders them, by their UTF-8 bytes.
 */
final class MergedQuery implements Iterator<Map<String, AttributeValue>> {
    /** DynamoDB's order of string sort keys: unsigned UTF-8 bytes. */
    static final Comparator<String> KEY_ORDER = (a, b) -> java.util.Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    /** Calls per page before a failed read gives up. */
    static final int ATTEMPTS = 3;

    private final TableAccess access;
    private final PriorityQueue<Partition> heads =
            new PriorityQueue<>(Comparator.comparing((Partition p) -> p.sortKey(), KEY_ORDER));
    private final List<Partition> unread = new ArrayList<>();
    private final Predicate<Map<String, AttributeValue>> keep;
    private final int nextLimit;
    private boolean parallel;
    private Partition taken; // the partition of the item returned last: moved on when the next one is wanted

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

    /** Reads every partition's first page in parallel (a caller that wants the first item soon). */
    MergedQuery parallelFirstPages() {
        this.parallel = true;
        return this;
    }

    @Override
    public boolean hasNext() {
        if (!unread.isEmpty()) { // every partition's first page before the first item: any may hold the smallest key
            if (parallel && unread.size() > 1) {
                List<java.util.concurrent.Callable<Void>> pages = new ArrayList<>(unread.size());
                for (Partition p : unread) {
                    pages.add(() -> {
                        p.readPage();
                        return null;
                    });
                }
                ParallelReads.all(pages);
            }
            for (Partition p : unread) if (p.advance()) heads.add(p);
            unread.clear();
        }
        if (taken != null) {
            if (taken.advance()) heads.add(taken);
            taken = null;
        }
        return !heads.isEmpty();
    }

    @Override
    public Map<String, AttributeValue> next() {
        if (!hasNext()) throw new NoSuchElementException();
        taken = heads.poll();
        return taken.current;
    }

    private final class Partition {
        private final QueryRequest base;
        private Iterator<Map<String, AttributeValue>> page;
        private Map<String, AttributeValue> startKey;
        private boolean last;
        Map<String, AttributeValue> current;

        Partition(QueryRequest base) {
            this.base = base;
        }

        String sortKey() {
            return TableAccess.str(current, LedgerTable.SK, "");
        }

        /**
         * Reads this partition's next page (the first with the query's own limit). A read spanning many partitions
         * makes many calls, so the chance that one of them fails grows with their number: each page is asked for up
         * to {@value #ATTEMPTS} times (a read, safe to repeat) before the whole read fails.
         */
        void readPage() {
            QueryRequest q = page == null ? base : base.toBuilder().limit(nextLimit).exclusiveStartKey(startKey).build();
            QueryResponse r = null;
            for (int attempt = 1; r == null; attempt++) {
                try {
                    r = access.query(q);
                } catch (StoreException.Unavailable e) {
                    if (attempt >= ATTEMPTS) throw e;
                }
            }
            page = r.items().iterator();
            startKey = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
            last = startKey == null;
        }

        /** Moves to this partition's next kept item; false when it has none left. */
        boolean advance() {
            while (true) {
                if (page == null) readPage();
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
                readPage();
            }
        }
    }
}

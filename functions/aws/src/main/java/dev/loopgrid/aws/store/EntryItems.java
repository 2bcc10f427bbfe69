package dev.loopgrid.aws.store;

import static dev.loopgrid.aws.store.TableAccess.n;
import static dev.loopgrid.aws.store.TableAccess.num;
import static dev.loopgrid.aws.store.TableAccess.s;
import static dev.loopgrid.aws.store.TableAccess.str;

import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.ledger.EntryType;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Entry items and the content attributes that entries and projections share. */
public final class EntryItems {
    static final String CONTENT_KEY = "content_key";
    static final String CONTENT_BYTES = "content_bytes";

    private EntryItems() {}

    static Map<String, AttributeValue> item(String pk, Entry e) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(LedgerTable.PK, s(pk));
        item.put(LedgerTable.SK, s(LedgerKeys.entrySk(e.sequence())));
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
    static void putContent(Map<String, AttributeValue> item, Entry e) {
        if (e.contentKey() == null) {
            item.put("content", s(e.content()));
        } else {
            item.put(CONTENT_KEY, s(e.contentKey()));
            item.put(CONTENT_BYTES, n(Canonical.utf8Length(e.content())));
        }
        item.put("content_hash", s(e.contentHash()));
    }

    /**
     * The content attributes of a decision's projection: never the content itself, which its entry holds (one copy
     * per decision: the projection is rewritten by every verdict, and a copy there would double the write cost of
     * recording it); the content store's key when it lives there; its UTF-8 size ({@code content_bytes}, for list
     * paging) and {@code content_hash} either way. Reads fetch the content from the entry
     * ({@link DecisionItems#contentInEntry}).
     */
    static void putContentReference(Map<String, AttributeValue> item, Entry e) {
        if (e.contentKey() != null) item.put(CONTENT_KEY, s(e.contentKey()));
        item.put(CONTENT_BYTES, n(Canonical.utf8Length(e.content())));
        item.put("content_hash", s(e.contentHash()));
    }

    /** Reads an entry item leniently: a tampered item still yields an entry for the verifier to judge. */
    public static Entry entry(Map<String, AttributeValue> item) {
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
}

package dev.loopgrid.aws.store;

import static dev.loopgrid.aws.store.TableAccess.num;
import static dev.loopgrid.aws.store.TableAccess.str;

import dev.loopgrid.core.decision.DecisionQuery;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.ledger.Canonical;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Reads a decision's projection item ({@code pk = DEC#tenant#id}), written by {@link NewDecisionWriter} and {@link StatusChangeWriter}. */
final class DecisionItems {
    /** The model label the decision is counted under, so verdicts need not read the content. */
    static final String MODEL_LABEL = "model_label";

    private DecisionItems() {}

    static DecisionRecord record(Map<String, AttributeValue> item) {
        return new DecisionRecord(str(item, "decision_id", null), str(item, "chain_id", null),
                str(item, "decision_type", null), num(item, "seq"), str(item, "created_at", null),
                str(item, "content", null), str(item, "content_hash", null), str(item, "chain_hash", null),
                str(item, "previous_hash", null),
                DecisionStatus.fromWire(str(item, "status", "recorded")).orElse(DecisionStatus.RECORDED),
                str(item, "incorrect_reason", null), str(item, "incorrect_at", null), str(item, "correction", null),
                str(item, "corrected_by", null), str(item, "corrected_at", null), str(item, "correction_notes", null),
                Math.max(0, num(item, "correction_seq")), str(item, "correction_hash", null),
                str(item, EntryItems.CONTENT_KEY, null), null, str(item, MODEL_LABEL, null),
                str(item, "confirmed_by", null), str(item, "confirmed_at", null), str(item, "confirmation_notes", null),
                str(item, "subject_id", null), null, null);
    }

    /**
     * Whether the decision's content is read from its entry: the projection holds neither the content nor a content
     * store key ({@link EntryItems#putContentReference}).
     */
    static boolean contentInEntry(Map<String, AttributeValue> item) {
        return !item.containsKey("content") && !item.containsKey(EntryItems.CONTENT_KEY);
    }

    /** {@link DecisionQuery#servedBytes} of a projection item, from its attributes (content held elsewhere included). */
    static long servedBytes(Map<String, AttributeValue> item) {
        long content = item.containsKey("content") ? Canonical.utf8Length(str(item, "content", null))
                : Math.max(0, num(item, EntryItems.CONTENT_BYTES));
        return DecisionQuery.servedBytes(content, str(item, "correction", null), str(item, "incorrect_reason", null),
                str(item, "correction_notes", null)) + Canonical.utf8Length(str(item, "confirmation_notes", null));
    }
}

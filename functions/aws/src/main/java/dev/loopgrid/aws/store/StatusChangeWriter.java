package dev.loopgrid.aws.store;

import static dev.loopgrid.aws.store.TableAccess.n;
import static dev.loopgrid.aws.store.TableAccess.s;

import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.decision.StatusChange;
import dev.loopgrid.core.ledger.Entry;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * Moves a decision's projection to the verdict's status, on condition that it is still at the status the verdict read:
 * a flag sets its reason and time, a correction its output, author, notes and entry, a confirmation its author, time
 * and notes (each verdict keeps what the others set: history stays on the projection).
 */
final class StatusChangeWriter implements ProjectionWriter<StatusChange> {
    static final String STATUS_IS = "#status = :expected_status";

    @Override
    public Class<StatusChange> changeType() {
        return StatusChange.class;
    }

    @Override
    public List<TransactWriteItem> write(String table, String tenant, Entry e, StatusChange sc) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        names.put("#status", "status");
        values.put(":expected_status", s(sc.expected().wire()));
        values.put(":status", s(sc.next().wire()));
        // the shard the decision was written to (a function of its id): only the status part of the key moves
        values.put(":g_status", s(LedgerKeys.byStatus(tenant, sc.next().wire(),
                LedgerKeys.indexShard(e.decisionId(), LedgerTable.TENANT_INDEX_SHARDS))));
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
        } else if (sc.next() == DecisionStatus.CONFIRMED) {
            set.append(", confirmed_at = :at, confirmed_by = :by");
            values.put(":by", s(sc.confirmedBy()));
            if (sc.notes() != null) {
                set.append(", confirmation_notes = :notes");
                values.put(":notes", s(sc.notes()));
            } else {
                set.append(" REMOVE confirmation_notes");
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
        return List.of(TransactWriteItem.builder().update(Update.builder().tableName(table)
                .key(LedgerKeys.decision(tenant, e.decisionId()))
                .updateExpression(set.toString())
                .conditionExpression(STATUS_IS)
                .expressionAttributeNames(names)
                .expressionAttributeValues(values).build()).build());
    }
}

package dev.loopgrid.aws.store;

import static dev.loopgrid.aws.store.TableAccess.n;
import static dev.loopgrid.aws.store.TableAccess.s;

import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.decision.NewDecision;
import dev.loopgrid.core.ledger.Entry;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/**
 * Puts a new decision's projection, with its index keys (each in the decision's shard of its index, {@link LedgerTable});
 * it must not exist yet. The content stays in the entry ({@link EntryItems#putContentReference}).
 */
final class NewDecisionWriter implements ProjectionWriter<NewDecision> {
    static final String ITEM_ABSENT = "attribute_not_exists(pk)";

    @Override
    public Class<NewDecision> changeType() {
        return NewDecision.class;
    }

    @Override
    public List<TransactWriteItem> write(String table, String tenant, Entry e, NewDecision nd) {
        Map<String, AttributeValue> item = new HashMap<>(LedgerKeys.decision(tenant, e.decisionId()));
        item.put("decision_id", s(e.decisionId()));
        item.put("chain_id", s(e.chainId()));
        item.put("decision_type", s(nd.decisionType()));
        if (nd.model() != null) item.put(DecisionItems.MODEL_LABEL, s(nd.model()));
        if (nd.subjectId() != null) item.put("subject_id", s(nd.subjectId()));
        item.put("seq", n(e.sequence()));
        item.put("created_at", s(e.recordedAt()));
        EntryItems.putContentReference(item, e);
        item.put("chain_hash", s(e.chainHash()));
        item.put("previous_hash", s(e.previousHash()));
        item.put("status", s(DecisionStatus.RECORDED.wire()));
        int shard = LedgerKeys.indexShard(e.decisionId(), LedgerTable.TENANT_INDEX_SHARDS);
        item.put("g_all", s(LedgerKeys.byTenant(tenant, shard)));
        item.put("g_svc", s(LedgerKeys.byService(tenant, e.chainId(),
                LedgerKeys.indexShard(e.decisionId(), LedgerTable.SERVICE_INDEX_SHARDS))));
        item.put("g_type", s(LedgerKeys.byType(tenant, nd.decisionType(), shard)));
        item.put("g_status", s(LedgerKeys.byStatus(tenant, DecisionStatus.RECORDED.wire(), shard)));
        item.put(LedgerTable.LIST_SORT_KEY, s(LedgerKeys.listSortKey(e.recordedAt(), e.decisionId())));
        return List.of(TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                .conditionExpression(ITEM_ABSENT).build()).build());
    }
}

package dev.loopgrid.aws.store;

import static dev.loopgrid.aws.store.TableAccess.num;
import static dev.loopgrid.aws.store.TableAccess.s;
import static dev.loopgrid.aws.store.TableAccess.str;

import dev.loopgrid.core.lifecycle.Hold;
import dev.loopgrid.core.lifecycle.LifecycleStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The lifecycle's reads: the tenant's state item ({@code LIFECYCLE#tenant}), its holds ({@code HOLDS#tenant}, one
 * Query), and the scheduled erasures ({@code ERASURE_DUE}, sorted by when they run; a sweep reads only what is due).
 */
public final class DynamoLifecycleStore implements LifecycleStore {
    private final TableAccess access;

    public DynamoLifecycleStore(DynamoDbClient dynamo, String table) {
        this.access = new TableAccess(dynamo, table);
    }

    @Override
    public TenantState state(String tenant) {
        Map<String, AttributeValue> item = access.get(LedgerKeys.lifecycle(tenant));
        if (item == null) return new TenantState(0, null);
        long floor = num(item, "floor_days");
        return new TenantState(Math.max(0, num(item, "version")), floor < 0 ? null : (int) floor);
    }

    @Override
    public List<Hold> holds(String tenant) {
        List<Hold> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse r = access.query(QueryRequest.builder().tableName(access.table).consistentRead(true)
                    .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", s(LedgerKeys.holdsPk(tenant))))
                    .exclusiveStartKey(start).build());
            for (Map<String, AttributeValue> i : r.items()) {
                out.add(new Hold(str(i, "hold_id", null), str(i, "scope", null), str(i, "target", null),
                        str(i, "subject_id", null), str(i, "reason", null), str(i, "case_ref", null),
                        str(i, "placed_by", null), str(i, "placed_at", null), Math.max(0, num(i, "seq"))));
            }
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        out.sort(Comparator.comparingLong(Hold::sequence));
        return out;
    }

    @Override
    public List<ScheduledErasure> due(String now, int limit) {
        QueryResponse r = access.query(QueryRequest.builder().tableName(access.table).consistentRead(true)
                .keyConditionExpression("pk = :pk AND sk <= :until")
                .expressionAttributeValues(Map.of(":pk", s(LedgerKeys.ERASURE_DUE_PK), ":until", s(now + "~")))
                .limit(limit).build());
        List<ScheduledErasure> out = new ArrayList<>();
        for (Map<String, AttributeValue> i : r.items()) {
            String tenant = str(i, "tenant", null);
            String subject = str(i, "subject_id", null);
            scheduled(tenant, subject).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public Optional<ScheduledErasure> scheduled(String tenant, String subjectId) {
        Map<String, AttributeValue> i = access.get(LedgerKeys.subject(tenant, subjectId));
        if (i == null || str(i, "scheduled_for", null) == null || i.containsKey("erased_at")) return Optional.empty();
        return Optional.of(new ScheduledErasure(tenant, subjectId, str(i, "scheduled_for", null),
                str(i, "schedule_reason", null), str(i, "schedule_ref", null), str(i, "schedule_by", null)));
    }
}

package dev.loopgrid.aws.store;

import static dev.loopgrid.aws.store.TableAccess.n;
import static dev.loopgrid.aws.store.TableAccess.s;

import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.lifecycle.Hold;
import dev.loopgrid.core.lifecycle.LifecycleChange;
import dev.loopgrid.core.lifecycle.LifecycleStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * The items each lifecycle entry writes in its transaction. Holds move the tenant's hold version; an erasure commits
 * only at the version (and with the services) its hold check saw, so a hold placed meanwhile always wins.
 */
final class LifecycleWriters {
    private LifecycleWriters() {}

    static TransactWriteItem bumpVersion(String table, String tenant) {
        return TransactWriteItem.builder().update(Update.builder().tableName(table).key(LedgerKeys.lifecycle(tenant))
                .updateExpression("ADD version :one")
                .expressionAttributeValues(Map.of(":one", n(1))).build()).build();
    }

    static final class HoldPlacedWriter implements ProjectionWriter<LifecycleChange.HoldPlaced> {
        @Override
        public Class<LifecycleChange.HoldPlaced> changeType() {
            return LifecycleChange.HoldPlaced.class;
        }

        @Override
        public List<TransactWriteItem> write(String table, String tenant, Entry e, LifecycleChange.HoldPlaced c) {
            Hold h = c.hold();
            Map<String, AttributeValue> item = new HashMap<>(LedgerKeys.key(LedgerKeys.holdsPk(tenant), LedgerKeys.holdSk(h.holdId())));
            item.put("hold_id", s(h.holdId()));
            item.put("scope", s(h.scope()));
            item.put("target", s(h.target()));
            if (h.subjectId() != null) item.put("subject_id", s(h.subjectId()));
            item.put("reason", s(h.reason()));
            if (h.caseRef() != null) item.put("case_ref", s(h.caseRef()));
            item.put("placed_by", s(h.placedBy()));
            item.put("placed_at", s(e.recordedAt()));
            item.put("seq", n(e.sequence()));
            return List.of(TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(pk)").build()).build(), bumpVersion(table, tenant));
        }
    }

    static final class HoldReleasedWriter implements ProjectionWriter<LifecycleChange.HoldReleased> {
        @Override
        public Class<LifecycleChange.HoldReleased> changeType() {
            return LifecycleChange.HoldReleased.class;
        }

        @Override
        public List<TransactWriteItem> write(String table, String tenant, Entry e, LifecycleChange.HoldReleased c) {
            return List.of(TransactWriteItem.builder().delete(Delete.builder().tableName(table)
                    .key(LedgerKeys.key(LedgerKeys.holdsPk(tenant), LedgerKeys.holdSk(c.holdId())))
                    .conditionExpression("attribute_exists(pk)").build()).build(), bumpVersion(table, tenant));
        }
    }

    static final class RetentionSetWriter implements ProjectionWriter<LifecycleChange.RetentionSet> {
        @Override
        public Class<LifecycleChange.RetentionSet> changeType() {
            return LifecycleChange.RetentionSet.class;
        }

        @Override
        public List<TransactWriteItem> write(String table, String tenant, Entry e, LifecycleChange.RetentionSet c) {
            return List.of(TransactWriteItem.builder().update(Update.builder().tableName(table)
                    .key(LedgerKeys.lifecycle(tenant)).updateExpression("SET floor_days = :d")
                    .expressionAttributeValues(Map.of(":d", n(c.floorDays()))).build()).build());
        }
    }

    static final class SubjectErasedWriter implements ProjectionWriter<LifecycleChange.SubjectErased> {
        @Override
        public Class<LifecycleChange.SubjectErased> changeType() {
            return LifecycleChange.SubjectErased.class;
        }

        @Override
        public List<TransactWriteItem> write(String table, String tenant, Entry e, LifecycleChange.SubjectErased c) {
            Map<String, AttributeValue> v = new HashMap<>();
            v.put(":at", s(e.recordedAt()));
            v.put(":reason", s(c.reason() != null ? c.reason() : c.requestRef()));
            v.put(":seq", n(e.sequence()));
            v.put(":kid", s(c.keyId()));
            StringBuilder set = new StringBuilder("SET erased_at = :at, erasure_reason = :reason, erasure_seq = :seq");
            if (c.requestRef() != null) {
                set.append(", erasure_ref = :ref");
                v.put(":ref", s(c.requestRef()));
            }
            String cond = "attribute_exists(wrapped_key) AND key_id = :kid AND ";
            if (c.services().isEmpty()) {
                cond += "attribute_not_exists(services)";
            } else {
                cond += "services = :services";
                v.put(":services", AttributeValue.fromSs(new ArrayList<>(c.services())));
            }
            List<TransactWriteItem> items = new ArrayList<>();
            // the wrapped key goes: with it every box sealed under it (the plaintext key was never stored)
            items.add(TransactWriteItem.builder().update(Update.builder().tableName(table)
                    .key(LedgerKeys.subject(tenant, c.subjectId()))
                    .updateExpression(set + " REMOVE wrapped_key, scheduled_for, schedule_reason, schedule_ref, schedule_by")
                    .conditionExpression(cond).expressionAttributeValues(v).build()).build());
            Map<String, AttributeValue> vv = new HashMap<>();
            vv.put(":v", n(c.holdsVersion()));
            items.add(TransactWriteItem.builder().conditionCheck(ConditionCheck.builder().tableName(table)
                    .key(LedgerKeys.lifecycle(tenant))
                    .conditionExpression(c.holdsVersion() == 0 ? "attribute_not_exists(version) OR version = :v" : "version = :v")
                    .expressionAttributeValues(vv).build()).build());
            if (c.scheduledRunAt() != null) {
                items.add(TransactWriteItem.builder().delete(Delete.builder().tableName(table)
                        .key(LedgerKeys.key(LedgerKeys.ERASURE_DUE_PK,
                                LedgerKeys.erasureDueSk(c.scheduledRunAt(), tenant, c.subjectId()))).build()).build());
            }
            return items;
        }
    }

    static final class ErasureScheduledWriter implements ProjectionWriter<LifecycleChange.ErasureScheduled> {
        @Override
        public Class<LifecycleChange.ErasureScheduled> changeType() {
            return LifecycleChange.ErasureScheduled.class;
        }

        @Override
        public List<TransactWriteItem> write(String table, String tenant, Entry e, LifecycleChange.ErasureScheduled c) {
            LifecycleStore.ScheduledErasure s = c.schedule();
            Map<String, AttributeValue> v = new HashMap<>();
            v.put(":run", s(s.runAt()));
            StringBuilder set = new StringBuilder("SET scheduled_for = :run");
            StringBuilder remove = new StringBuilder();
            for (String[] f : new String[][] {{"schedule_reason", s.reason()}, {"schedule_ref", s.requestRef()},
                    {"schedule_by", s.requestedBy()}}) {
                if (f[1] != null) {
                    set.append(", ").append(f[0]).append(" = :").append(f[0]);
                    v.put(":" + f[0], s(f[1]));
                } else {
                    remove.append(remove.length() == 0 ? " REMOVE " : ", ").append(f[0]);
                }
            }
            List<TransactWriteItem> items = new ArrayList<>();
            items.add(TransactWriteItem.builder().update(Update.builder().tableName(table)
                    .key(LedgerKeys.subject(tenant, s.subjectId())).updateExpression(set.toString() + remove)
                    .conditionExpression("attribute_exists(wrapped_key)").expressionAttributeValues(v).build()).build());
            Map<String, AttributeValue> due = new HashMap<>(LedgerKeys.key(LedgerKeys.ERASURE_DUE_PK,
                    LedgerKeys.erasureDueSk(s.runAt(), tenant, s.subjectId())));
            due.put("tenant", s(tenant));
            due.put("subject_id", s(s.subjectId()));
            due.put("run_at", s(s.runAt()));
            items.add(TransactWriteItem.builder().put(Put.builder().tableName(table).item(due).build()).build());
            if (c.previousRunAt() != null && !c.previousRunAt().equals(s.runAt())) {
                items.add(TransactWriteItem.builder().delete(Delete.builder().tableName(table)
                        .key(LedgerKeys.key(LedgerKeys.ERASURE_DUE_PK,
                                LedgerKeys.erasureDueSk(c.previousRunAt(), tenant, s.subjectId()))).build()).build());
            }
            return items;
        }
    }
}

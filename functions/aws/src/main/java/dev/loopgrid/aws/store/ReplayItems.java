package dev.loopgrid.aws.store;

import dev.loopgrid.core.ledger.Entry;
import dev.loopgrid.core.replay.ReplayRecord;
import dev.loopgrid.core.replay.ReplayStatus;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.Update;

/** The replay item ({@code pk = REP#tenant#id, sk = REP}) and its conversions. */
final class ReplayItems {
    /** Condition of a finishing write: the replay is still held by the attempt that finishes it. */
    static final String HELD_BY_ATTEMPT = "#status = :running AND attempts = :attempt";

    private ReplayItems() {}

    static Map<String, AttributeValue> key(String tenant, String replayId) {
        return LedgerKeys.replay(tenant, replayId);
    }

    static Map<String, AttributeValue> item(String tenant, ReplayRecord r) {
        Map<String, AttributeValue> m = new HashMap<>(key(tenant, r.replayId()));
        put(m, "replay_id", r.replayId());
        put(m, "decision_id", r.decisionId());
        put(m, "chain_id", r.chainId());
        put(m, "created_at", r.createdAt());
        put(m, "triggered_by", r.triggeredBy());
        put(m, "overrides", r.overrides());
        put(m, "status", r.status().wire());
        m.put("attempts", AttributeValue.fromN(Integer.toString(r.attempts())));
        m.put("lease_until", AttributeValue.fromN(Long.toString(r.leaseUntil())));
        return m;
    }

    /** The finishing update, in the append transaction: result fields plus the entry that records it. */
    static TransactWriteItem finish(String table, String tenant, Entry e, ReplayRecord r, int attempt) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        names.put("#status", "status");
        values.put(":running", AttributeValue.fromS(ReplayStatus.RUNNING.wire()));
        values.put(":attempt", AttributeValue.fromN(Integer.toString(attempt)));
        StringBuilder set = new StringBuilder("SET #status = :status, completed_at = :completed_at, entry_seq = :entry_seq, "
                + "entry_hash = :entry_hash, lease_until = :zero, output_changed = :output_changed");
        StringBuilder remove = new StringBuilder();
        values.put(":status", AttributeValue.fromS(r.status().wire()));
        values.put(":completed_at", AttributeValue.fromS(e.recordedAt()));
        values.put(":entry_seq", AttributeValue.fromN(Long.toString(e.sequence())));
        values.put(":entry_hash", AttributeValue.fromS(e.chainHash()));
        values.put(":zero", AttributeValue.fromN("0"));
        values.put(":output_changed", AttributeValue.fromBool(r.outputChanged()));
        Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("mode", r.mode());
        fields.put("output", r.output());
        fields.put("diff_summary", r.diffSummary());
        fields.put("diff", r.diff());
        fields.put("provider", r.provider());
        fields.put("model", r.model());
        fields.put("latency_ms", r.latencyMs());
        fields.put("tokens_in", r.inputTokens());
        fields.put("tokens_out", r.outputTokens());
        fields.put("finish_reason", r.finishReason());
        fields.put("system_fingerprint", r.systemFingerprint());
        fields.put("error", r.error());
        int i = 0;
        for (Map.Entry<String, Object> f : fields.entrySet()) {
            String n = "#f" + i;
            names.put(n, f.getKey());
            if (f.getValue() == null) {
                remove.append(remove.length() == 0 ? " REMOVE " : ", ").append(n);
            } else {
                String v = ":f" + i;
                set.append(", ").append(n).append(" = ").append(v);
                values.put(v, f.getValue() instanceof Long l ? AttributeValue.fromN(Long.toString(l))
                        : AttributeValue.fromS((String) f.getValue()));
            }
            i++;
        }
        return TransactWriteItem.builder().update(Update.builder().tableName(table).key(key(tenant, r.replayId()))
                .updateExpression(set.toString() + remove)
                .conditionExpression(HELD_BY_ATTEMPT)
                .expressionAttributeNames(names)
                .expressionAttributeValues(values).build()).build();
    }

    static ReplayRecord record(Map<String, AttributeValue> m) {
        return new ReplayRecord(s(m, "replay_id"), s(m, "decision_id"), s(m, "chain_id"), s(m, "created_at"),
                s(m, "triggered_by"), s(m, "overrides"), ReplayStatus.fromWire(s(m, "status")), s(m, "mode"),
                s(m, "output"), m.containsKey("output_changed") && Boolean.TRUE.equals(m.get("output_changed").bool()),
                s(m, "diff_summary"), s(m, "diff"), s(m, "provider"), s(m, "model"), n(m, "latency_ms"),
                n(m, "tokens_in"), n(m, "tokens_out"), s(m, "finish_reason"), s(m, "system_fingerprint"),
                s(m, "error") != null ? s(m, "error") : null, s(m, "completed_at"),
                (int) (n(m, "attempts") == null ? 0 : n(m, "attempts")),
                n(m, "lease_until") == null ? 0 : n(m, "lease_until"),
                n(m, "entry_seq") == null ? 0 : n(m, "entry_seq"), s(m, "entry_hash"));
    }

    private static void put(Map<String, AttributeValue> m, String k, String v) {
        if (v != null) m.put(k, AttributeValue.fromS(v));
    }

    private static String s(Map<String, AttributeValue> m, String k) {
        AttributeValue v = m.get(k);
        return v == null ? null : v.s();
    }

    private static Long n(Map<String, AttributeValue> m, String k) {
        AttributeValue v = m.get(k);
        return v == null || v.n() == null ? null : Long.parseLong(v.n());
    }
}

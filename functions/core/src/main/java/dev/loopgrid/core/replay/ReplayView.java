package dev.loopgrid.core.replay;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;

/** Renders replays as the API's Replay object. */
public final class ReplayView {
    private ReplayView() {}

    public static ObjectNode toJson(ReplayRecord r) {
        ObjectNode o = Json.object();
        o.put("replay_id", r.replayId());
        o.put("decision_id", r.decisionId());
        o.put("created_at", r.createdAt());
        o.put("triggered_by", r.triggeredBy());
        o.set("overrides", r.overrides() == null ? o.nullNode() : Json.parseStored(r.overrides()));
        o.set("replay_output", r.output() == null ? o.nullNode() : Json.parseStored(r.output()));
        o.put("execution_status", r.status().wire());
        o.put("execution_mode", r.mode());
        o.put("output_changed", r.outputChanged());
        o.put("diff_summary", r.diffSummary());
        o.put("provider", r.provider());
        o.put("model", r.model());
        if (r.latencyMs() == null) o.putNull("latency_ms"); else o.put("latency_ms", r.latencyMs());
        if (r.inputTokens() != null || r.outputTokens() != null) {
            ObjectNode t = o.putObject("tokens");
            if (r.inputTokens() == null) t.putNull("input"); else t.put("input", r.inputTokens());
            if (r.outputTokens() == null) t.putNull("output"); else t.put("output", r.outputTokens());
        } else {
            o.putNull("tokens");
        }
        o.put("finish_reason", r.finishReason());
        o.put("system_fingerprint", r.systemFingerprint());
        o.put("error", r.error());
        o.put("completed_at", r.completedAt());
        o.set("diff", r.diff() == null ? Json.MAPPER.createArrayNode() : Json.parseStored(r.diff()));
        o.put("attempts", r.attempts());
        if (r.entrySequence() > 0) {
            ObjectNode e = o.putObject("ledger_entry");
            e.put("chain_id", r.chainId());
            e.put("sequence", r.entrySequence());
            e.put("chain_hash", r.entryHash());
        }
        return o;
    }
}

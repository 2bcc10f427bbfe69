package dev.loopgrid.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A replay (the API's Replay object); {@link #raw()} is the object as received.
 *
 * @param executionStatus {@code pending}, {@code running}, {@code completed} or {@code failed}
 * @param executionMode   {@code live}, {@code simulated}, {@code error}, or null while pending
 * @param replayOutput    null until completed
 */
public record Replay(String replayId, String decisionId, Instant createdAt, String triggeredBy, JsonNode overrides,
                     JsonNode replayOutput, String executionStatus, String executionMode, boolean outputChanged,
                     String diffSummary, String provider, String model, Long latencyMs, Long inputTokens,
                     Long outputTokens, String error, Instant completedAt, List<DiffChange> diff, JsonNode raw) {

    /** True once the replay completed or failed. */
    public boolean isFinished() {
        return "completed".equals(executionStatus) || "failed".equals(executionStatus);
    }

    public static Replay of(JsonNode n) {
        JsonNode tokens = n.path("tokens");
        return new Replay(Nodes.text(n, "replay_id"), Nodes.text(n, "decision_id"), Nodes.instant(n, "created_at"),
                Nodes.text(n, "triggered_by"), Nodes.node(n, "overrides"), Nodes.node(n, "replay_output"),
                Nodes.text(n, "execution_status"), Nodes.text(n, "execution_mode"), Nodes.bool(n, "output_changed"),
                Nodes.text(n, "diff_summary"), Nodes.text(n, "provider"), Nodes.text(n, "model"),
                Nodes.number(n, "latency_ms"), Nodes.number(tokens, "input"), Nodes.number(tokens, "output"),
                Nodes.text(n, "error"), Nodes.instant(n, "completed_at"), DiffChange.list(n.get("diff")), n);
    }

    /**
     * One change between two outputs, as a JSON pointer (RFC 6901).
     *
     * @param op   {@code add}, {@code remove} or {@code replace}
     * @param from the old value (null for add)
     * @param to   the new value (null for remove)
     */
    public record DiffChange(String path, String op, JsonNode from, JsonNode to) {
        static List<DiffChange> list(JsonNode array) {
            List<DiffChange> out = new ArrayList<>();
            if (array != null && array.isArray()) {
                for (JsonNode c : array) {
                    out.add(new DiffChange(Nodes.text(c, "path"), Nodes.text(c, "op"), Nodes.node(c, "from"), Nodes.node(c, "to")));
                }
            }
            return List.copyOf(out);
        }
    }
}

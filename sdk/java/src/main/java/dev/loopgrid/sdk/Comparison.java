package dev.loopgrid.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A decision's recorded output against a replay's ({@code GET /v1/decisions/{id}/compare/{replay_id}}).
 *
 * @param replayOutput null while the replay has not completed
 */
public record Comparison(String decisionId, String replayId, JsonNode originalOutput, JsonNode replayOutput,
                         boolean outputChanged, String diffSummary, List<Replay.DiffChange> diff, JsonNode raw) {

    public static Comparison of(JsonNode n) {
        return new Comparison(Nodes.text(n, "decision_id"), Nodes.text(n, "replay_id"), Nodes.node(n, "original_output"),
                Nodes.node(n, "replay_output"), Nodes.bool(n, "output_changed"), Nodes.text(n, "diff_summary"),
                Replay.DiffChange.list(n.get("diff")), n);
    }
}

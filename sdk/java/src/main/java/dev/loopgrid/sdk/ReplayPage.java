package dev.loopgrid.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One page of a decision's replays ({@code GET /v1/decisions/{id}/replays}), oldest first.
 *
 * @param nextCursor pass to {@link LoopGrid#listDecisionReplays(String, int, String)} for the next page; null on the last
 */
public record ReplayPage(String decisionId, List<Replay> replays, boolean hasMore, String nextCursor, JsonNode raw) {

    static ReplayPage of(JsonNode n) {
        List<Replay> list = new ArrayList<>();
        for (JsonNode r : n.path("replays")) list.add(Replay.of(r));
        return new ReplayPage(Nodes.text(n, "decision_id"), List.copyOf(list), n.path("has_more").asBoolean(false),
                Nodes.text(n, "next_cursor"), n);
    }
}

package dev.loopgrid.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One page of {@code GET /v1/decisions}, newest first.
 *
 * @param total      the exact number of decisions matching the filters
 * @param nextCursor pass to {@link DecisionQuery.Builder#cursor} for the next page; null on the last page
 */
public record DecisionPage(List<Decision> decisions, long total, int page, int pageSize, boolean hasMore,
                           String nextCursor, JsonNode raw) {

    public static DecisionPage of(JsonNode n) {
        List<Decision> list = new ArrayList<>();
        for (JsonNode d : n.path("decisions")) list.add(Decision.of(d));
        return new DecisionPage(List.copyOf(list), n.path("total").asLong(), n.path("page").asInt(1),
                n.path("page_size").asInt(list.size()), n.path("has_more").asBoolean(false), Nodes.text(n, "next_cursor"), n);
    }
}

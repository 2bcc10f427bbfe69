package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.replay.ReplayRecord;
import dev.loopgrid.core.replay.ReplayService;
import dev.loopgrid.core.replay.ReplayStore;
import dev.loopgrid.core.replay.ReplayView;

/** {@code GET /v1/decisions/{decision_id}/replays}: the decision's replays, oldest first, paged by cursor (200) or 404. */
public final class ListDecisionReplaysHandler extends ApiHandler {
    private final ReplayService replays;

    public ListDecisionReplaysHandler() {
        this(App.get());
    }

    public ListDecisionReplaysHandler(App app) {
        super(app.config);
        this.replays = app.replays;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        String id = pathParameter(event, "decision_id");
        int pageSize = intQuery(event, "page_size", 20, 1, 100);
        ReplayStore.ReplayPage page = replays.listForDecision(tenant(event), id, pageSize, query(event, "cursor"));
        ObjectNode body = Json.object();
        body.put("decision_id", id);
        ArrayNode list = body.putArray("replays");
        for (ReplayRecord r : page.replays()) list.add(ReplayView.toJson(r));
        body.put("page_size", pageSize);
        body.put("has_more", page.nextCursor() != null);
        body.put("next_cursor", page.nextCursor());
        return ApiResponses.json(200, body);
    }
}

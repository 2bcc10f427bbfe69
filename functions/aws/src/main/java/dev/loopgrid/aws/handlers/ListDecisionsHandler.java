package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.decision.DecisionPage;
import dev.loopgrid.core.decision.DecisionQuery;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.decision.DecisionStatus;
import dev.loopgrid.core.decision.DecisionView;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.LedgerException;
import dev.loopgrid.core.ledger.Times;

/** {@code GET /v1/decisions}: one page of decisions, newest first, with the exact total. */
public final class ListDecisionsHandler extends ApiHandler {
    private final DecisionService decisions;

    public ListDecisionsHandler() {
        this(App.get());
    }

    public ListDecisionsHandler(App app) {
        super(app.config);
        this.decisions = app.decisions;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        String statusText = query(event, "status");
        DecisionStatus status = null;
        if (statusText != null) {
            status = DecisionStatus.fromWire(statusText).orElseThrow(() -> new LedgerException.Malformed(
                    "invalid_parameter", "Query parameter status must be one of recorded, incorrect, corrected, confirmed"));
        }
        String since = query(event, "since");
        String until = query(event, "until");
        if (since != null) since = Times.normalise("since", since);
        if (until != null) until = Times.normalise("until", until);
        int page = intQuery(event, "page", 1, 1, 1_000_000);
        int pageSize = intQuery(event, "page_size", 20, 1, 100);
        String cursor = query(event, "cursor");
        DecisionQuery q = new DecisionQuery(nameQuery(event, "service_name"), nameQuery(event, "decision_type"), status,
                since, until, page, pageSize, cursor);
        DecisionPage result = decisions.list(tenant(event), q);
        ObjectNode body = Json.object();
        ArrayNode list = body.putArray("decisions");
        for (DecisionRecord d : result.decisions()) list.add(DecisionView.toJson(d));
        body.put("total", result.total());
        body.put("page", page);
        body.put("page_size", pageSize);
        body.put("has_more", result.hasMore());
        body.put("next_cursor", result.nextCursor());
        return ApiResponses.json(200, body);
    }
}

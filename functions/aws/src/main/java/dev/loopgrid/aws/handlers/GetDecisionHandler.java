package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.decision.DecisionView;

/** {@code GET /v1/decisions/{decision_id}}: one decision (200) or 404. */
public final class GetDecisionHandler extends ApiHandler {
    private final DecisionService decisions;

    public GetDecisionHandler() {
        this(App.get());
    }

    public GetDecisionHandler(App app) {
        super(app.config);
        this.decisions = app.decisions;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        return ApiResponses.json(200, DecisionView.toJson(decisions.get(tenant(event), pathParameter(event, "decision_id"))));
    }
}

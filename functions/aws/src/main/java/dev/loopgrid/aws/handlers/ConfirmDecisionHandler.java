package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.decision.DecisionView;

/**
 * {@code POST /v1/decisions/{decision_id}/confirm}: appends a confirmation entry and returns the decision (200); 409
 * when the decision is incorrect or corrected.
 */
public final class ConfirmDecisionHandler extends ApiHandler {
    private final DecisionService decisions;

    public ConfirmDecisionHandler() {
        this(App.get());
    }

    public ConfirmDecisionHandler(App app) {
        super(app.config);
        this.decisions = app.decisions;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        String id = pathParameter(event, "decision_id");
        return ApiResponses.json(200, DecisionView.toJson(decisions.confirm(tenant(event), id, requiredJson(event))));
    }
}

package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.decision.DecisionView;

/** {@code POST /v1/decisions/{decision_id}/incorrect}: appends a flag entry and returns the decision (200). */
public final class MarkIncorrectHandler extends ApiHandler {
    private final DecisionService decisions;

    public MarkIncorrectHandler() {
        this(App.get());
    }

    public MarkIncorrectHandler(App app) {
        super(app.config);
        this.decisions = app.decisions;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        return ApiResponses.json(200, DecisionView.toJson(
                decisions.markIncorrect(tenant(event), pathParameter(event, "decision_id"), optionalJson(event))));
    }
}

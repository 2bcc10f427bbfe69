package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.aws.telemetry.Telemetry;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.decision.DecisionView;

/** {@code POST /v1/decisions}: records a decision (201), or returns the original for a repeated Idempotency-Key (200). */
public final class RecordDecisionHandler extends ApiHandler {
    private final DecisionService decisions;

    public RecordDecisionHandler() {
        this(App.get());
    }

    public RecordDecisionHandler(App app) {
        super(app.config);
        this.decisions = app.decisions;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        DecisionService.Recorded r = decisions.record(tenant(event), requiredJson(event), header(event, "Idempotency-Key"));
        if (r.created()) Telemetry.count(Telemetry.DECISIONS_RECORDED, 1);
        APIGatewayProxyResponseEvent resp = ApiResponses.json(r.created() ? 201 : 200, DecisionView.toJson(r.decision()));
        resp.getHeaders().put("Location", "/v1/decisions/" + r.decision().decisionId());
        return resp;
    }
}

package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.core.decision.DecisionRecord;
import dev.loopgrid.core.log.LogService;
import dev.loopgrid.core.log.RecentEntries;

/** {@code GET /v1/decisions/{decision_id}/receipt[?wait=N]}: the decision entry's receipt (200), 202 with {@code Retry-After} until it is in a signed checkpoint, or 404. */
public final class GetReceiptHandler extends ApiHandler {
    private final App app;

    public GetReceiptHandler() {
        this(App.get());
    }

    public GetReceiptHandler(App app) {
        super(app.config);
        this.app = app;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        String tenant = tenant(event);
        int wait = intQuery(event, "wait", 0, 0, LogService.MAX_WAIT_SECONDS);
        String id = pathParameter(event, "decision_id");
        LogService log = LogResponses.log(app);
        // a decision this process appended lately needs no read of its projection (the local stack)
        RecentEntries.Position at = log.recentDecision(tenant, id).orElseGet(() -> {
            DecisionRecord d = app.decisions.getWithoutContent(tenant, id);
            return new RecentEntries.Position(d.chainId(), d.sequence());
        });
        return LogResponses.receipt(log.receipt(tenant, at.chainId(), at.sequence(), wait));
    }
}

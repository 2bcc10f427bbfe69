package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.report.StatsService;

/** {@code GET /v1/stats}: verdicts, accuracy, time to verdict, and per model usage, latency and cost (200). */
public final class StatsHandler extends ApiHandler {
    private final StatsService stats;

    public StatsHandler() {
        this(App.get());
    }

    public StatsHandler(App app) {
        super(app.config);
        this.stats = app.stats;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        return ApiResponses.json(200, stats.stats(tenant(event), nameQuery(event, "service_name")));
    }
}

package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import java.util.Map;

/** {@code GET /health}: liveness, with the version. */
public final class HealthHandler extends ApiHandler {


    /** Lambda's constructor: builds no App (no clients), so this function's cold start stays minimal. */
    public HealthHandler() {
        super();
    }

    public HealthHandler(App app) {
        this();
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        return ApiResponses.json(200, new java.util.TreeMap<>(Map.of("status", "healthy", "version", App.VERSION, "service", "loopgrid")));
    }
}

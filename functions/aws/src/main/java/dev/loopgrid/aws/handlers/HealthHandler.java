package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import java.util.Map;

/** {@code GET /health}: liveness, with the version. */
public final class HealthHandler extends ApiHandler {


    public HealthHandler() {
        this(App.get());
    }

    public HealthHandler(App app) {
        super(app.config.tenant());

    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        return ApiResponses.json(200, new java.util.TreeMap<>(Map.of("status", "healthy", "version", App.VERSION, "service", "loopgrid")));
    }
}

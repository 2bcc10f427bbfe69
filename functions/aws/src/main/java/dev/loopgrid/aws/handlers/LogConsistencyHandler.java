package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;

/** {@code GET /v1/log/consistency?from=N&to=M}: an RFC 9162 consistency proof between two sizes of the caller's log. */
public final class LogConsistencyHandler extends ApiHandler {
    private final App app;

    public LogConsistencyHandler() {
        this(App.get());
    }

    public LogConsistencyHandler(App app) {
        super(app.config);
        this.app = app;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        long from = longQuery(event, "from");
        long to = longQuery(event, "to");
        return ApiResponses.json(200, LogResponses.log(app).consistency(tenant(event), from, to));
    }
}

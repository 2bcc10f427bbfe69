package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import java.util.Map;

/** {@code GET /}: what this API is and where its documentation lives. */
public final class RootHandler extends ApiHandler {


    public RootHandler() {
        this(App.get());
    }

    public RootHandler(App app) {
        super(app.config.tenant());

    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        return ApiResponses.json(200, Map.of("name", "LoopGrid", "version", App.VERSION,
                "description", "System of record for AI decisions: hash-chained ledger, replays, human corrections, "
                        + "integrity verification and compliance reports", "docs", "/docs"));
    }
}

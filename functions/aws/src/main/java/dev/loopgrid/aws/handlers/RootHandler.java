package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import java.util.Map;

/** {@code GET /}: what this API is and where its documentation lives. */
public final class RootHandler extends ApiHandler {


    /** Lambda's constructor: builds no App (no clients), so this function's cold start stays minimal. */
    public RootHandler() {
        super();
    }

    public RootHandler(App app) {
        this();
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        Map<String, String> body = new java.util.LinkedHashMap<>();
        body.put("name", "LoopGrid");
        body.put("version", App.VERSION);
        body.put("description", "System of record for AI decisions: hash-chained ledger, replays, human corrections, "
                + "integrity verification and compliance reports");
        body.put("docs", "/docs");
        return ApiResponses.json(200, body);
    }
}

package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.core.ledger.LedgerException;

/** {@code GET /v1/log/tile/{path+}}: a C2SP tile or entry bundle of the caller's log (immutable bytes), or 404. */
public final class LogTileHandler extends ApiHandler {
    private final App app;

    public LogTileHandler() {
        this(App.get());
    }

    public LogTileHandler(App app) {
        super(app.config);
        this.app = app;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        String path = "tile/" + pathParameter(event, "path");
        byte[] bytes = LogResponses.log(app).tile(tenant(event), path).orElseThrow(() -> new LedgerException.NotFound(
                "tile_not_found", "No " + path + " in this log (yet)"));
        return LogResponses.binary(bytes);
    }
}

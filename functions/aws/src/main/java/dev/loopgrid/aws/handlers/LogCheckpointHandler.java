package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.core.ledger.LedgerException;
import java.nio.charset.StandardCharsets;

/** {@code GET /v1/log/checkpoint}: the latest signed checkpoint of the caller's log (C2SP tlog-checkpoint in a signed note), or 404 before the first. */
public final class LogCheckpointHandler extends ApiHandler {
    private final App app;

    public LogCheckpointHandler() {
        this(App.get());
    }

    public LogCheckpointHandler(App app) {
        super(app.config);
        this.app = app;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        byte[] note = LogResponses.log(app).latestCheckpoint(tenant(event)).orElseThrow(() -> new LedgerException.NotFound(
                "checkpoint_not_found", "The log has no signed checkpoint yet: nothing was recorded, or it is being integrated"));
        return LogResponses.text(new String(note, StandardCharsets.UTF_8), "no-cache");
    }
}

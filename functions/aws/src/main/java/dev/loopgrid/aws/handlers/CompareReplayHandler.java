package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.replay.ReplayService;

/**
 * {@code GET /v1/decisions/{decision_id}/compare/{replay_id}}: recorded output against replay output with a
 * JSON-pointer diff; 404 when either is unknown, 400 when the replay belongs to another decision.
 */
public final class CompareReplayHandler extends ApiHandler {
    private final ReplayService replays;

    public CompareReplayHandler() {
        this(App.get());
    }

    public CompareReplayHandler(App app) {
        super(app.config);
        this.replays = app.replays;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        return ApiResponses.json(200, replays.compare(tenant(event), pathParameter(event, "decision_id"),
                pathParameter(event, "replay_id")));
    }
}

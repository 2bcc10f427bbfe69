package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.replay.ReplayService;
import dev.loopgrid.core.replay.ReplayView;

/** {@code GET /v1/replays/{replay_id}}: the replay's current state (200) or 404. */
public final class GetReplayHandler extends ApiHandler {
    private final ReplayService replays;

    public GetReplayHandler() {
        this(App.get());
    }

    public GetReplayHandler(App app) {
        super(app.config);
        this.replays = app.replays;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        return ApiResponses.json(200, ReplayView.toJson(replays.get(tenant(event), pathParameter(event, "replay_id"))));
    }
}

package dev.loopgrid.aws.handlers;

import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.lifecycle.Hold;
import dev.loopgrid.core.lifecycle.LifecycleService;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code DELETE /v1/holds/{hold_id}} (admin): releases a hold ({@code ?reason=} optional) and returns it (200). */
public final class ReleaseHoldHandler extends ApiHandler {
    private final LifecycleService lifecycle;

    public ReleaseHoldHandler() {
        this(App.get());
    }

    public ReleaseHoldHandler(App app) {
        super(app.config);
        this.lifecycle = app.lifecycle();
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        Hold h = lifecycle.releaseHold(tenant(event), pathParameter(event, "hold_id"), query(event, "reason"), actor(event));
        ObjectNode o = LifecycleService.holdJson(h);
        o.put("released", true);
        return ApiResponses.json(200, o);
    }
}

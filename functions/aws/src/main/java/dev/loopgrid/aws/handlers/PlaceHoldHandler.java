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

/** {@code POST /v1/holds} (admin): places a legal hold on a decision, a data subject or a service (201); it blocks their erasure until released. */
public final class PlaceHoldHandler extends ApiHandler {
    private final LifecycleService lifecycle;

    public PlaceHoldHandler() {
        this(App.get());
    }

    public PlaceHoldHandler(App app) {
        super(app.config);
        this.lifecycle = app.lifecycle();
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        Hold h = lifecycle.placeHold(tenant(event), requiredJson(event), actor(event));
        return ApiResponses.json(201, LifecycleService.holdJson(h));
    }
}

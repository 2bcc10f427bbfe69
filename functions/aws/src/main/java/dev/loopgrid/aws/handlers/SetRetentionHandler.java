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

/** {@code PUT /v1/retention} (admin): sets the tenant's retention floor ({@code floor_days}); a retention entry records it. */
public final class SetRetentionHandler extends ApiHandler {
    private final LifecycleService lifecycle;

    public SetRetentionHandler() {
        this(App.get());
    }

    public SetRetentionHandler(App app) {
        super(app.config);
        this.lifecycle = app.lifecycle();
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        return ApiResponses.json(200, lifecycle.setRetention(tenant(event), requiredJson(event), actor(event)));
    }
}

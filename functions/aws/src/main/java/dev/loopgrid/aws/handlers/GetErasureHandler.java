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

/** {@code GET /v1/subjects/{subject_id}/erasure} (admin): whether the subject is erased (and whether the erasure is complete: backups past their window), scheduled, or neither. */
public final class GetErasureHandler extends ApiHandler {
    private final LifecycleService lifecycle;

    public GetErasureHandler() {
        this(App.get());
    }

    public GetErasureHandler(App app) {
        super(app.config);
        this.lifecycle = app.lifecycle();
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        return ApiResponses.json(200, lifecycle.erasureStatus(tenant(event), pathParameter(event, "subject_id")));
    }
}

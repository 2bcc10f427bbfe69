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

/** {@code GET /v1/holds} (admin): the legal holds in place. */
public final class ListHoldsHandler extends ApiHandler {
    private final LifecycleService lifecycle;

    public ListHoldsHandler() {
        this(App.get());
    }

    public ListHoldsHandler(App app) {
        super(app.config);
        this.lifecycle = app.lifecycle();
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        ArrayNode list = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        for (Hold h : lifecycle.holds(tenant(event))) list.add(LifecycleService.holdJson(h));
        ObjectNode o = Json.object();
        o.set("holds", list);
        o.put("total", list.size());
        return ApiResponses.json(200, o);
    }
}

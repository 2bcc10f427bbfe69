package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.auth.ApiKeyRecord;
import dev.loopgrid.core.auth.ApiKeys;
import java.util.List;

/** {@code GET /v1/admin/keys} (admin): the tenant's keys, active and revoked, oldest first; no secrets. */
public final class ListApiKeysHandler extends ApiHandler {
    private final ApiKeys keys;

    public ListApiKeysHandler() {
        this(App.get());
    }

    public ListApiKeysHandler(App app) {
        super(app.config);
        this.keys = app.apiKeys;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        List<ApiKeyRecord> list = keys.list(tenant(event));
        ObjectNode body = Json.object();
        ArrayNode arr = body.putArray("keys");
        for (ApiKeyRecord k : list) arr.add(ApiKeyViews.toJson(k));
        body.put("total", list.size());
        return ApiResponses.json(200, body);
    }
}

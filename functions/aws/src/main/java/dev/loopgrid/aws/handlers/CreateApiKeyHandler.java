package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.auth.ApiKeys;

/**
 * {@code POST /v1/admin/keys} (admin): creates an API key for the admin's tenant, {@code {"role": …, "name": …}}
 * → 201 with the record and {@code api_key}, the secret, shown this once ({@code Cache-Control: no-store}).
 */
public final class CreateApiKeyHandler extends ApiHandler {
    private final ApiKeys keys;

    public CreateApiKeyHandler() {
        this(App.get());
    }

    public CreateApiKeyHandler(App app) {
        super(app.config);
        this.keys = app.apiKeys;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        ApiKeys.Created created = keys.create(principal(event), requiredJson(event));
        ObjectNode body = ApiKeyViews.toJson(created.record());
        body.put("api_key", created.secret());
        APIGatewayProxyResponseEvent r = ApiResponses.json(201, body);
        r.getHeaders().put("Cache-Control", "no-store");
        return r;
    }
}

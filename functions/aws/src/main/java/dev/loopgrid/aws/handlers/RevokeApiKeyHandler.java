package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import dev.loopgrid.core.auth.ApiKeys;

/**
 * {@code DELETE /v1/admin/keys/{key_id}} (admin): revokes one of the tenant's keys and returns its record (200;
 * revoking again answers the same record). The record is kept: revocation is not deletion. Another tenant's
 * key id answers 404 like an unknown one.
 */
public final class RevokeApiKeyHandler extends ApiHandler {
    private final ApiKeys keys;

    public RevokeApiKeyHandler() {
        this(App.get());
    }

    public RevokeApiKeyHandler(App app) {
        super(app.config);
        this.keys = app.apiKeys;
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        return ApiResponses.json(200, ApiKeyViews.toJson(keys.revoke(tenant(event), pathParameter(event, "key_id"))));
    }
}

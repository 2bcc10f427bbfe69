package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.docs.ApiDocs;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.core.ledger.LedgerException;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code GET /docs/{asset}}: Swagger UI's {@code swagger-ui-bundle.js} and {@code swagger-ui.css}, from the
 * webjar. Both are text, so they go out as plain (not base64) bodies: no binary media types are needed on the
 * API. Anything else is a 404. Touches no table.
 */
public final class DocsAssetHandler extends ApiHandler {

    public DocsAssetHandler() {
        super(); // no tenant: the assets are the same for everyone
        ApiDocs.asset("swagger-ui-bundle.js"); // read the files at init (and into the SnapStart snapshot)
    }

    /** For the route table's factory; the application is not needed. */
    public DocsAssetHandler(App app) {
        this();
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        String name = pathParameter(event, "asset");
        ApiDocs.Asset asset = ApiDocs.asset(name).orElseThrow(() -> new LedgerException.NotFound("asset_not_found",
                "No documentation asset " + (name.length() > 80 ? name.substring(0, 80) + "…" : name)
                        + "; there are " + String.join(", ", new java.util.TreeSet<>(ApiDocs.ASSET_TYPES.keySet()))));
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", asset.contentType());
        headers.put("Cache-Control", "public, max-age=86400");
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("ETag", "\"swagger-ui-" + ApiDocs.swaggerUiVersion() + "\"");
        return new APIGatewayProxyResponseEvent()
                .withStatusCode(200)
                .withHeaders(headers)
                .withBody(asset.text());
    }
}

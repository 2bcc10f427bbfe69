package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.docs.ApiDocs;
import dev.loopgrid.aws.http.ApiHandler;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code GET /docs}: the interactive documentation, a Swagger UI page that loads its script and style from
 * {@code /docs/{asset}} ({@link DocsAssetHandler}) and the document from {@code /openapi.json}, all under the
 * base path the client used. Touches no table.
 */
public final class DocsHandler extends ApiHandler {

    public DocsHandler() {
        super(); // no tenant: the page is the same for everyone
        ApiDocs.indexPage("");
    }

    /** For the route table's factory; the application is not needed. */
    public DocsHandler(App app) {
        this();
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", "text/html; charset=utf-8");
        headers.put("Cache-Control", "no-cache");
        headers.put("X-Content-Type-Options", "nosniff");
        String page = ApiDocs.indexPage(ApiDocs.basePath(event));
        headers.put("Content-Security-Policy", ApiDocs.contentSecurityPolicy(page));
        headers.put("Referrer-Policy", "no-referrer");
        return new APIGatewayProxyResponseEvent()
                .withStatusCode(200)
                .withHeaders(headers)
                .withBody(page);
    }
}

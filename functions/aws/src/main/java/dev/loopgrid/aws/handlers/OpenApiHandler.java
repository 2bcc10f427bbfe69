package dev.loopgrid.aws.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.docs.ApiDocs;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;

/**
 * {@code GET /openapi.json}: the OpenAPI 3 document of every route, with {@code servers} pointing at the base
 * path the client used (the API Gateway stage, e.g. {@code /prod}), so "try it out" in the docs works behind a
 * stage. Touches no table: the no-arg constructor (Lambda's) does not build the {@link App}.
 */
public final class OpenApiHandler extends ApiHandler {

    public OpenApiHandler() {
        super(); // no tenant: the document is the same for everyone
        ApiDocs.openApi(); // load at init (and into the SnapStart snapshot), not on the first request
    }

    /** For the route table's factory; the application is not needed. */
    public OpenApiHandler(App app) {
        this();
    }

    @Override
    protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        ObjectNode doc = ApiDocs.openApi();
        String base = ApiDocs.basePath(event);
        ObjectNode server = doc.putArray("servers").addObject();
        server.put("url", base.isEmpty() ? "/" : base);
        server.put("description", "this deployment");
        APIGatewayProxyResponseEvent r = ApiResponses.json(200, doc);
        r.getHeaders().put("Cache-Control", "no-cache");
        return r;
    }
}

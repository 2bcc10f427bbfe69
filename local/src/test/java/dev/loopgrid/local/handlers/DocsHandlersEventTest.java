package dev.loopgrid.local.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.aws.handlers.DocsAssetHandler;
import dev.loopgrid.aws.handlers.OpenApiHandler;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.LocalLambdaContext;
import org.junit.jupiter.api.Test;

/**
 * The documentation handlers on the events of {@code events/} (API Gateway, stage {@code prod}), built as Lambda
 * builds them: with their no-arg constructors, which need no table (Access NONE). The page and its assets, which
 * are not JSON, are tested in {@code functions/aws} ({@code DocsHandlersTest}).
 */
class DocsHandlersEventTest {

    private static APIGatewayProxyResponseEvent invoke(ApiHandler h, String event) {
        return h.handleRequest(EventLoader.loadApiGatewayRestEvent("../events/" + event),
                new LocalLambdaContext("req-docs", h.getClass().getSimpleName()));
    }

    @Test
    void openApi_throughAStage() {
        APIGatewayProxyResponseEvent r = invoke(new OpenApiHandler(), "get-openapi.json");
        assertEquals(200, r.getStatusCode());
        JsonNode doc = Json.parseStored(r.getBody());
        assertTrue(doc.get("openapi").asText().startsWith("3."));
        assertEquals("/prod", doc.at("/servers/0/url").asText());
    }

    @Test
    void unknownAsset_is404() {
        APIGatewayProxyResponseEvent r = invoke(new DocsAssetHandler(), "get-docs-asset-unknown.json");
        assertEquals(404, r.getStatusCode());
        assertEquals("asset_not_found", Json.parseStored(r.getBody()).get("code").asText());
    }
}

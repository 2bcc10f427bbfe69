package dev.loopgrid.aws.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.aws.handlers.DocsAssetHandler;
import dev.loopgrid.aws.handlers.DocsHandler;
import dev.loopgrid.aws.handlers.OpenApiHandler;
import dev.loopgrid.core.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The documentation handlers, with the events API Gateway sends behind a stage and the local front sends. */
class DocsHandlersTest {

    private static APIGatewayProxyRequestEvent event(String resource, String path, String contextPath,
                                                     Map<String, String> pathParameters) {
        return new APIGatewayProxyRequestEvent()
                .withResource(resource)
                .withPath(path)
                .withHttpMethod("GET")
                .withPathParameters(pathParameters)
                .withRequestContext(new APIGatewayProxyRequestEvent.ProxyRequestContext()
                        .withPath(contextPath).withStage("prod").withRequestId("req-1"));
    }

    @Test
    void openApi_pointsServersAtTheStage() {
        // given a request through the execute-api endpoint of stage prod
        APIGatewayProxyRequestEvent e = event("/openapi.json", "/openapi.json", "/prod/openapi.json", null);

        // when
        APIGatewayProxyResponseEvent r = new OpenApiHandler().handleRequest(e, null);

        // then
        assertEquals(200, r.getStatusCode());
        assertEquals("application/json", r.getHeaders().get("Content-Type"));
        JsonNode doc = Json.parse(r.getBody());
        assertEquals("/prod", doc.at("/servers/0/url").asText());
        assertTrue(doc.get("paths").has("/v1/decisions"));
    }

    @Test
    void openApi_locally_servesFromTheRoot() {
        APIGatewayProxyResponseEvent r = new OpenApiHandler()
                .handleRequest(event("/openapi.json", "/openapi.json", "/openapi.json", null), null);
        assertEquals("/", Json.parse(r.getBody()).at("/servers/0/url").asText());
    }

    @Test
    void docsPage_loadsAssetsAndDocumentUnderTheBasePath() {
        APIGatewayProxyResponseEvent r = new DocsHandler().handleRequest(event("/docs", "/docs", "/prod/docs", null), null);
        assertEquals(200, r.getStatusCode());
        assertTrue(r.getHeaders().get("Content-Type").startsWith("text/html"));
        String html = r.getBody();
        assertTrue(html.contains("src=\"/prod/docs/swagger-ui-bundle.js\""), html);
        assertTrue(html.contains("href=\"/prod/docs/swagger-ui.css\""), html);
        assertTrue(html.contains("url: \"/prod/openapi.json\""), html);
        assertTrue(!html.contains("{{base}}"), html);
    }

    @Test
    void docsPage_neverWritesAnUnsafeBasePath() {
        // a context path that is not a plain path prefix is ignored rather than written into the page
        APIGatewayProxyResponseEvent r = new DocsHandler()
                .handleRequest(event("/docs", "/docs", "/a\"><script>/docs", null), null);
        assertTrue(r.getBody().contains("src=\"/docs/swagger-ui-bundle.js\""));
        assertTrue(!r.getBody().contains("<script>/"));
    }

    @Test
    void assets_areServedAsText_withTheirTypes() {
        DocsAssetHandler h = new DocsAssetHandler();
        APIGatewayProxyResponseEvent js = h.handleRequest(event("/docs/{asset}", "/docs/swagger-ui-bundle.js",
                "/docs/swagger-ui-bundle.js", Map.of("asset", "swagger-ui-bundle.js")), null);
        assertEquals(200, js.getStatusCode());
        assertEquals("application/javascript; charset=utf-8", js.getHeaders().get("Content-Type"));
        assertTrue(js.getIsBase64Encoded() == null || !js.getIsBase64Encoded());
        assertTrue(js.getBody().contains("SwaggerUIBundle"));
        APIGatewayProxyResponseEvent css = h.handleRequest(event("/docs/{asset}", "/docs/swagger-ui.css",
                "/docs/swagger-ui.css", Map.of("asset", "swagger-ui.css")), null);
        assertEquals("text/css; charset=utf-8", css.getHeaders().get("Content-Type"));
        assertTrue(css.getBody().contains(".swagger-ui"));
    }

    @Test
    void unknownAsset_is404_withDetail() {
        APIGatewayProxyResponseEvent r = new DocsAssetHandler().handleRequest(event("/docs/{asset}",
                "/docs/swagger-ui.js.map", "/docs/swagger-ui.js.map", Map.of("asset", "swagger-ui.js.map")), null);
        assertEquals(404, r.getStatusCode());
        JsonNode body = Json.parse(r.getBody());
        assertEquals("asset_not_found", body.get("code").asText());
        assertTrue(body.get("detail").asText().contains("swagger-ui.css"));
    }

    @Test
    void swaggerUiVersion_comesFromTheWebjar() {
        assertEquals("5.17.14", ApiDocs.swaggerUiVersion());
    }
}

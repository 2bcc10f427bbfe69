package dev.loopgrid.cdk;

import static dev.loopgrid.cdk.Synthesized.props;
import static dev.loopgrid.cdk.Synthesized.resources;
import static dev.loopgrid.cdk.Synthesized.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * API Gateway's own answers keep the API's error shape: a JSON body with exactly {@code detail} (a string) and
 * {@code code}, the contract's status codes, and the headers clients act on. Expectations are written out here.
 */
class GatewayResponsesTemplateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What API Gateway puts in place of {@code $context.error.messageString}: a quoted string. */
    private static final String GATEWAY_MESSAGE = "$context.error.messageString";

    /**
     * @param status  the status, or null when API Gateway's own one is kept (the DEFAULT_ types)
     * @param ownText whether {@code detail} is our text (else API Gateway's message)
     */
    private record Expected(String status, String code, boolean ownText, Map<String, String> headers) {}

    private static final Map<String, Expected> EXPECTED = Map.ofEntries(
            Map.entry("UNAUTHORIZED", new Expected("401", "unauthorized", true,
                    Map.of("WWW-Authenticate", "'Bearer realm=\"loopgrid\"'"))),
            Map.entry("ACCESS_DENIED", new Expected("403", "forbidden", true, Map.of())),
            Map.entry("THROTTLED", new Expected("429", "throttled", true, Map.of("Retry-After", "'1'"))),
            Map.entry("QUOTA_EXCEEDED", new Expected("429", "quota_exceeded", true, Map.of())),
            Map.entry("AUTHORIZER_FAILURE", new Expected("503", "auth_unavailable", true, Map.of("Retry-After", "'1'"))),
            Map.entry("AUTHORIZER_CONFIGURATION_ERROR", new Expected("503", "auth_unavailable", true, Map.of("Retry-After", "'1'"))),
            Map.entry("INVALID_API_KEY", new Expected("403", "forbidden", true, Map.of())),
            Map.entry("REQUEST_TOO_LARGE", new Expected("413", "payload_too_large", true, Map.of())),
            Map.entry("MISSING_AUTHENTICATION_TOKEN", new Expected("404", "route_not_found", true, Map.of())),
            Map.entry("DEFAULT_4XX", new Expected(null, "client_error", false, Map.of())),
            Map.entry("DEFAULT_5XX", new Expected(null, "internal_error", false, Map.of())));

    private static Map<String, Map<String, Object>> byType() {
        Map<String, Map<String, Object>> out = new HashMap<>();
        for (Map<String, Object> r : resources("AWS::ApiGateway::GatewayResponse").values()) {
            assertEquals(Map.of("Ref", template().getResourceId("AWS::ApiGateway::RestApi")), props(r).get("RestApiId"));
            assertEquals(null, out.put((String) props(r).get("ResponseType"), props(r)), "type defined twice");
        }
        return out;
    }

    /** The body template parsed as JSON, with API Gateway's message variable replaced by a sample string. */
    private static JsonNode body(Map<String, Object> response) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> templates = (Map<String, Object>) response.get("ResponseTemplates");
        assertEquals(Set.of("application/json"), templates.keySet(), "one JSON template");
        String template = (String) templates.get("application/json");
        return JSON.readTree(template.replace(GATEWAY_MESSAGE, "\"sample gateway message\""));
    }

    @Test
    void exactlyTheExpectedResponseTypes_areCustomized() {
        assertEquals(EXPECTED.keySet(), byType().keySet());
    }

    @Test
    void everyResponse_hasTheContractsStatus_andABodyOfDetailAndCode() throws Exception {
        for (var e : byType().entrySet()) {
            Expected want = EXPECTED.get(e.getKey());
            Map<String, Object> response = e.getValue();
            assertEquals(want.status(), response.get("StatusCode"), e.getKey());
            JsonNode body = body(response);
            Set<String> fields = new HashSet<>();
            body.fieldNames().forEachRemaining(fields::add);
            assertEquals(Set.of("detail", "code"), fields, e.getKey());
            assertEquals(want.code(), body.get("code").asText(), e.getKey());
            assertTrue(body.get("detail").isTextual() && !body.get("detail").asText().isBlank(), e.getKey());
            String raw = response.get("ResponseTemplates").toString();
            assertEquals(!want.ownText(), raw.contains(GATEWAY_MESSAGE), e.getKey() + ": whose detail");
        }
    }

    @Test
    void everyResponse_hasExactlyTheHeadersClientsActOn() {
        for (var e : byType().entrySet()) {
            Map<String, String> headers = new HashMap<>();
            @SuppressWarnings("unchecked")
            Map<String, Object> params = (Map<String, Object>) e.getValue().getOrDefault("ResponseParameters", Map.of());
            params.forEach((k, v) -> {
                assertTrue(k.startsWith("gatewayresponse.header."), k);
                headers.put(k.substring("gatewayresponse.header.".length()), (String) v);
            });
            assertEquals(EXPECTED.get(e.getKey()).headers(), headers, e.getKey());
        }
    }

    @Test
    void unknownRoutes_are404_notApiGateways403() throws Exception {
        Map<String, Object> missing = byType().get("MISSING_AUTHENTICATION_TOKEN");
        assertNotNull(missing);
        assertEquals("404", missing.get("StatusCode"));
        assertFalse(body(missing).get("detail").asText().contains("Authentication Token"), "API Gateway's misleading text");
    }

    @Test
    void theResponses_areDeployed_withTheStage() {
        // CDK folds gateway responses into the deployment's logical id, so a change redeploys the stage
        Map<String, Object> deployment = resources("AWS::ApiGateway::Deployment").values().iterator().next();
        @SuppressWarnings("unchecked")
        List<String> dependsOn = (List<String>) deployment.get("DependsOn");
        for (String id : resources("AWS::ApiGateway::GatewayResponse").keySet()) {
            assertTrue(dependsOn.contains(id), "the deployment does not wait for " + id);
        }
    }
}

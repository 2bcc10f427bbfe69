package dev.loopgrid.local.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.handlers.GetDecisionHandler;
import dev.loopgrid.aws.handlers.HealthHandler;
import dev.loopgrid.aws.handlers.ListDecisionsHandler;
import dev.loopgrid.aws.handlers.RootHandler;
import dev.loopgrid.aws.handlers.VerifyIntegrityHandler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Get, list, verify, health and root on the events of {@code events/}. */
class ReadHandlersTest extends HandlerTestSupport {

    @Test
    void getDecision() {
        JsonNode d = recordSample();
        APIGatewayProxyResponseEvent r = invoke(new GetDecisionHandler(app),
                withDecisionId(load("get-decision.json"), d.get("decision_id").asText()));
        assertEquals(200, r.getStatusCode(), r.getBody());
        assertEquals(d, body(r));
    }

    @Test
    void getUnknownDecisionIs404() {
        JsonNode b = assertError(invoke(new GetDecisionHandler(app), load("get-decision-unknown.json")),
                404, "decision_not_found");
        assertEquals("Decision dec_x not found", b.get("detail").asText());
        // the placeholder id of the samples is unknown too
        assertError(invoke(new GetDecisionHandler(app), load("get-decision.json")), 404, "decision_not_found");
    }

    @Test
    void listDecisionsFiltersByServiceAndType() {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            expected.add(0, record("support-agent", "customer_support_reply").get("decision_id").asText());
            record("support-agent", "escalation");
            record("billing-agent", "customer_support_reply");
        }
        APIGatewayProxyResponseEvent r = invoke(new ListDecisionsHandler(app), load("list-decisions.json"));
        assertEquals(200, r.getStatusCode(), r.getBody());
        JsonNode b = body(r);
        assertEquals(3, b.get("total").asLong());
        assertEquals(1, b.get("page").asInt());
        assertEquals(10, b.get("page_size").asInt());
        assertFalse(b.get("has_more").asBoolean());
        assertTrue(b.get("next_cursor").isNull());
        List<String> ids = new ArrayList<>();
        for (JsonNode d : b.get("decisions")) {
            assertDecision(d);
            assertEquals("support-agent", d.get("service_name").asText());
            assertEquals("customer_support_reply", d.get("decision_type").asText());
            ids.add(d.get("decision_id").asText());
        }
        assertEquals(expected, ids, "newest first");
    }

    @Test
    void listWithPageSizeOnePagesThroughEverything() {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 4; i++) expected.add(0, recordSample().get("decision_id").asText());
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            APIGatewayProxyRequestEvent e = load("list-decisions.json");
            Map<String, String> q = new HashMap<>(e.getQueryStringParameters());
            q.put("page_size", "1");
            if (cursor != null) q.put("cursor", cursor);
            e.setQueryStringParameters(q);
            JsonNode b = body(invoke(new ListDecisionsHandler(app), e));
            assertEquals(4, b.get("total").asLong());
            for (JsonNode d : b.get("decisions")) seen.add(d.get("decision_id").asText());
            cursor = b.get("next_cursor").isNull() ? null : b.get("next_cursor").asText();
            assertEquals(cursor != null, b.get("has_more").asBoolean());
        } while (cursor != null && seen.size() < 10);
        assertEquals(expected, seen);
    }

    @Test
    void badQueryParametersAre400() {
        JsonNode b = assertError(invoke(new ListDecisionsHandler(app), load("list-decisions-bad-page-size.json")),
                400, "invalid_parameter");
        assertTrue(b.get("detail").asText().contains("page_size"), b.toString());
        b = assertError(invoke(new ListDecisionsHandler(app), load("list-decisions-bad-status.json")),
                400, "invalid_parameter");
        assertTrue(b.get("detail").asText().contains("status"), b.toString());
        b = assertError(invoke(new ListDecisionsHandler(app), load("list-decisions-bad-since.json")),
                400, "invalid_parameter");
        assertTrue(b.get("detail").asText().contains("since"), b.toString());
    }

    @Test
    void verifyIntegrity() {
        JsonNode empty = body(invoke(new VerifyIntegrityHandler(app), load("verify-integrity.json")));
        assertTrue(empty.at("/integrity/valid").asBoolean(), empty.toString());
        assertEquals(0, empty.at("/integrity/total").asLong());
        assertTrue(empty.at("/integrity/head_hash").isNull());

        recordSample();
        JsonNode last = recordSample();
        APIGatewayProxyResponseEvent r = invoke(new VerifyIntegrityHandler(app), load("verify-integrity.json"));
        assertEquals(200, r.getStatusCode(), r.getBody());
        JsonNode b = body(r);
        JsonNode i = b.get("integrity");
        assertTrue(i.get("valid").asBoolean(), i.toString());
        assertEquals(2, i.get("total").asLong());
        assertEquals(2, i.get("decisions").asLong());
        assertEquals(1, i.get("chains").asInt());
        assertTrue(i.get("broken_at").isNull());
        assertEquals(last.get("chain_hash").asText(), i.get("head_hash").asText());
        assertTrue(i.get("message").asText().contains("2 entries verified"), i.toString());
        assertEquals("support-agent", b.get("service_filter").asText());
    }

    /**
     * Every sample API Gateway event names a route of the table, and its handler answers it without a 5xx (sqs-* are
     * worker events, authorizer-* the key authorizer's: {@link AuthEventsTest}).
     */
    @Test
    void everySampleEventBelongsToARoute() throws java.io.IOException {
        List<java.nio.file.Path> files;
        try (var s = java.nio.file.Files.list(java.nio.file.Path.of("../events"))) {
            files = s.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().startsWith("sqs-")
                            && !p.getFileName().toString().startsWith("authorizer-"))
                    .sorted().toList();
        }
        assertTrue(files.size() >= 13, files.toString());
        for (java.nio.file.Path f : files) {
            APIGatewayProxyRequestEvent e = load(f.getFileName().toString());
            dev.loopgrid.aws.Routes.Route route = dev.loopgrid.aws.Routes.ALL.stream()
                    .filter(r -> r.method().equals(e.getHttpMethod()) && r.path().equals(e.getResource()))
                    .findFirst().orElseThrow(() -> new AssertionError(f + ": no route " + e.getHttpMethod() + " "
                            + e.getResource()));
            assertEquals(e.getResource(), e.getRequestContext().getResourcePath(), f.toString());
            assertEquals(e.getHttpMethod(), e.getRequestContext().getHttpMethod(), f.toString());
            assertEquals(Boolean.FALSE, e.getIsBase64Encoded(), f.toString());
            APIGatewayProxyResponseEvent r = invoke(route.factory().apply(app), e);
            JsonNode b = body(r);
            if (r.getStatusCode() >= 400) {
                assertTrue(b.path("detail").isTextual(), f + ": " + r.getBody());
            }
        }
    }

    @Test
    void healthAndRoot() {
        JsonNode h = body(invoke(new HealthHandler(app), load("health.json")));
        assertEquals("healthy", h.get("status").asText());
        assertEquals("loopgrid", h.get("service").asText());
        assertEquals(App.VERSION, h.get("version").asText());
        JsonNode root = body(invoke(new RootHandler(app), load("root.json")));
        assertEquals("LoopGrid", root.get("name").asText());
        assertEquals("/docs", root.get("docs").asText());
        assertTrue(root.get("description").isTextual());
    }
}

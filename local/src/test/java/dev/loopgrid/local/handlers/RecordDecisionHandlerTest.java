package dev.loopgrid.local.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.handlers.GetDecisionHandler;
import dev.loopgrid.aws.handlers.RecordDecisionHandler;
import dev.loopgrid.aws.handlers.VerifyIntegrityHandler;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/decisions} through {@link RecordDecisionHandler}, on the events of {@code events/}. */
class RecordDecisionHandlerTest extends HandlerTestSupport {

    @Test
    void recordsTheSampleDecision() {
        APIGatewayProxyRequestEvent event = load("record-decision.json");
        JsonNode sent = Json.parseStored(event.getBody());
        APIGatewayProxyResponseEvent r = invoke(new RecordDecisionHandler(app), event);
        assertEquals(201, r.getStatusCode(), r.getBody());
        JsonNode d = body(r);
        assertDecision(d);
        assertEquals("/v1/decisions/" + d.get("decision_id").asText(), r.getHeaders().get("Location"));
        assertEquals("recorded", d.get("status").asText());
        assertEquals(1, d.get("sequence").asLong());
        assertEquals(EntryHasher.GENESIS, d.get("previous_hash").asText());
        assertEquals("support-agent", d.get("chain_id").asText());
        for (String f : new String[] {"service_name", "decision_type", "input", "model", "output", "prompt",
                                      "tool_calls", "metadata"}) {
            assertEquals(sent.get(f), d.get(f), f);
        }
        assertFalse(d.has("incorrect_reason"));
        assertFalse(d.has("correction"));

        // and it reads back identically
        APIGatewayProxyResponseEvent got = invoke(new GetDecisionHandler(app),
                withDecisionId(load("get-decision.json"), d.get("decision_id").asText()));
        assertEquals(200, got.getStatusCode());
        assertEquals(d, body(got));
    }

    @Test
    void secondDecisionLinksToTheFirst() {
        JsonNode first = recordSample();
        JsonNode second = recordSample();
        assertDecision(second);
        assertEquals(2, second.get("sequence").asLong());
        assertEquals(first.get("chain_hash").asText(), second.get("previous_hash").asText());
        assertEquals(first.get("content_hash").asText(), second.get("content_hash").asText(),
                "identical content, identical content hash");
        assertNotEquals(first.get("chain_hash").asText(), second.get("chain_hash").asText());
        assertNotEquals(first.get("decision_id").asText(), second.get("decision_id").asText());

        JsonNode other = record("billing-agent", "refund_decision");
        assertEquals(1, other.get("sequence").asLong(), "another service is another chain");
        assertEquals(EntryHasher.GENESIS, other.get("previous_hash").asText());
    }

    @Test
    void idempotencyKeyReturnsTheOriginalAndAppendsNothing() {
        RecordDecisionHandler handler = new RecordDecisionHandler(app);
        APIGatewayProxyResponseEvent first = invoke(handler, load("record-decision-idempotent.json"));
        assertEquals(201, first.getStatusCode(), first.getBody());
        APIGatewayProxyResponseEvent again = invoke(handler, load("record-decision-idempotent.json"));
        assertEquals(200, again.getStatusCode(), again.getBody());
        assertEquals(body(first), body(again));
        assertEquals(1, verifyTotal(), "the retry appended nothing");

        APIGatewayProxyRequestEvent changed = load("record-decision-idempotent.json");
        ObjectNode b = (ObjectNode) Json.parseStored(changed.getBody());
        b.putObject("output").put("response", "Something else entirely");
        changed.setBody(Json.write(b));
        JsonNode conflict = assertError(invoke(handler, changed), 409, "idempotency_key_reused");
        assertTrue(conflict.get("detail").asText().contains("order-1042-reply-1"), conflict.toString());
        assertEquals(1, verifyTotal());
    }

    @Test
    void invalidBodyIs422NamingEachField() {
        JsonNode b = assertError(invoke(new RecordDecisionHandler(app), load("record-decision-invalid.json")),
                422, "validation_failed");
        assertTrue(errorFields(b).containsAll(java.util.List.of("decision_type", "input", "output", "model.name")),
                b.toString());
        assertFalse(errorFields(b).contains("service_name"), b.toString());
        for (JsonNode e : b.get("errors")) assertTrue(e.path("message").isTextual(), e.toString());
        assertEquals(0, verifyTotal());
    }

    @Test
    void malformedJsonIs400() {
        JsonNode b = assertError(invoke(new RecordDecisionHandler(app), load("record-decision-malformed.json")),
                400, "malformed_request");
        assertTrue(b.get("detail").asText().startsWith("Malformed JSON"), b.toString());
    }

    @Test
    void wrongContentTypeIs415() {
        assertError(invoke(new RecordDecisionHandler(app), load("record-decision-wrong-content-type.json")),
                415, "unsupported_media_type");
    }

    @Test
    void base64EncodedBodyIsDecoded() {
        APIGatewayProxyRequestEvent e = load("record-decision.json");
        e.setBody(Base64.getEncoder().encodeToString(e.getBody().getBytes(StandardCharsets.UTF_8)));
        e.setIsBase64Encoded(true);
        APIGatewayProxyResponseEvent r = invoke(new RecordDecisionHandler(app), e);
        assertEquals(201, r.getStatusCode(), r.getBody());
        assertDecision(body(r));
    }

    @Test
    void missingBodyIs400() {
        APIGatewayProxyRequestEvent e = load("record-decision.json");
        e.setBody(null);
        assertError(invoke(new RecordDecisionHandler(app), e), 400, "malformed_request");
    }

    @Test
    void sampleEventsHaveTheRestProxyShape() {
        APIGatewayProxyRequestEvent e = load("record-decision.json");
        assertEquals("POST", e.getHttpMethod());
        assertEquals("/v1/decisions", e.getResource());
        assertEquals("/v1/decisions", e.getPath());
        assertEquals(Boolean.FALSE, e.getIsBase64Encoded());
        assertNull(e.getPathParameters());
        assertEquals("application/json", e.getHeaders().get("Content-Type"));
        assertEquals(java.util.List.of("application/json"), e.getMultiValueHeaders().get("Content-Type"));
        assertEquals("203.0.113.10", e.getRequestContext().getIdentity().getSourceIp());
        assertEquals("/v1/decisions", e.getRequestContext().getResourcePath());

        APIGatewayProxyRequestEvent list = load("list-decisions.json");
        assertEquals("10", list.getQueryStringParameters().get("page_size"));
        assertEquals(java.util.List.of("support-agent"), list.getMultiValueQueryStringParameters().get("service_name"));

        APIGatewayProxyRequestEvent get = withDecisionId(load("get-decision.json"), "dec_abc");
        assertEquals("/v1/decisions/{decision_id}", get.getResource());
        assertEquals("/v1/decisions/dec_abc", get.getPath());
        Map<String, String> expected = new HashMap<>();
        expected.put("decision_id", "dec_abc");
        assertEquals(expected, get.getPathParameters());
    }

    private long verifyTotal() {
        APIGatewayProxyResponseEvent r = invoke(new VerifyIntegrityHandler(app), load("verify-integrity.json"));
        assertEquals(200, r.getStatusCode());
        JsonNode i = body(r).get("integrity");
        assertTrue(i.get("valid").asBoolean(), i.toString());
        return i.get("total").asLong();
    }
}

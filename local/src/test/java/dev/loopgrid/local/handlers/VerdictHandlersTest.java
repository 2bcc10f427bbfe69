package dev.loopgrid.local.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.aws.handlers.AttachCorrectionHandler;
import dev.loopgrid.aws.handlers.GetDecisionHandler;
import dev.loopgrid.aws.handlers.MarkIncorrectHandler;
import dev.loopgrid.aws.handlers.VerifyIntegrityHandler;
import dev.loopgrid.core.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code POST …/incorrect} and {@code POST …/correction}: status transitions recorded → incorrect → corrected. */
class VerdictHandlersTest extends HandlerTestSupport {

    @Test
    void recordedThenIncorrectThenCorrected() {
        JsonNode d = recordSample();
        String id = d.get("decision_id").asText();

        APIGatewayProxyResponseEvent flagged = invoke(new MarkIncorrectHandler(app),
                withDecisionId(load("mark-incorrect.json"), id));
        assertEquals(200, flagged.getStatusCode(), flagged.getBody());
        JsonNode f = body(flagged);
        assertEquals("incorrect", f.get("status").asText());
        assertEquals("Missed billing issue: the customer was charged twice", f.get("incorrect_reason").asText());
        assertTrue(TIME.matcher(f.get("incorrect_at").asText()).matches(), f.toString());
        assertFalse(f.has("correction"));
        assertUnchangedEntry(d, f);

        APIGatewayProxyResponseEvent corrected = invoke(new AttachCorrectionHandler(app),
                withDecisionId(load("attach-correction.json"), id));
        assertEquals(200, corrected.getStatusCode(), corrected.getBody());
        JsonNode c = body(corrected);
        assertEquals("corrected", c.get("status").asText());
        JsonNode sentCorrection = Json.parseStored(load("attach-correction.json").getBody());
        assertEquals(sentCorrection.get("correction"), c.at("/correction/output"));
        assertEquals("agent_42", c.at("/correction/corrected_by").asText());
        assertEquals("Duplicate charge confirmed in billing", c.at("/correction/notes").asText());
        assertTrue(TIME.matcher(c.at("/correction/corrected_at").asText()).matches(), c.toString());
        assertEquals(f.get("incorrect_reason"), c.get("incorrect_reason"), "the flag stays visible");
        assertUnchangedEntry(d, c);

        // reads agree with what the verdicts returned
        JsonNode read = body(invoke(new GetDecisionHandler(app), withDecisionId(load("get-decision.json"), id)));
        assertEquals(c, read);

        // the flag and the correction are entries of the chain: 3 entries, 1 decision, all verified
        JsonNode i = verify();
        assertTrue(i.get("valid").asBoolean(), i.toString());
        assertEquals(3, i.get("total").asLong());
        assertEquals(1, i.get("decisions").asLong());
        assertEquals(1, i.get("chains").asInt());
        String head = i.get("head_hash").asText();
        assertTrue(HEX64.matcher(head).matches());

        // the next decision links to the correction entry, at sequence 4
        JsonNode next = recordSample();
        assertEquals(4, next.get("sequence").asLong());
        assertEquals(head, next.get("previous_hash").asText());
        assertDecision(next);
    }

    @Test
    void incorrectWithoutBody() {
        String id = recordSample().get("decision_id").asText();
        APIGatewayProxyResponseEvent r = invoke(new MarkIncorrectHandler(app),
                withDecisionId(load("mark-incorrect-no-body.json"), id));
        assertEquals(200, r.getStatusCode(), r.getBody());
        JsonNode f = body(r);
        assertEquals("incorrect", f.get("status").asText());
        assertTrue(f.has("incorrect_reason") && f.get("incorrect_reason").isNull(), f.toString());
        assertTrue(TIME.matcher(f.get("incorrect_at").asText()).matches());
        assertEquals(2, verify().get("total").asLong());
    }

    @Test
    void incorrectOnUnknownIdIs404() {
        JsonNode b = assertError(invoke(new MarkIncorrectHandler(app), load("mark-incorrect-unknown.json")),
                404, "decision_not_found");
        assertEquals("Decision dec_x not found", b.get("detail").asText());
    }

    @Test
    void incorrectWithNonObjectBodyIs422() {
        String id = recordSample().get("decision_id").asText();
        APIGatewayProxyRequestEvent e = withDecisionId(load("mark-incorrect.json"), id);
        e.setBody("{\"reason\": 42}");
        JsonNode b = assertError(invoke(new MarkIncorrectHandler(app), e), 422, "validation_failed");
        assertEquals(List.of("reason"), errorFields(b));
        e.setBody("[]");
        assertError(invoke(new MarkIncorrectHandler(app), e), 422, "validation_failed");
        assertEquals(1, verify().get("total").asLong(), "rejected verdicts append nothing");
    }

    @Test
    void invalidCorrectionIs422NamingEachField() {
        String id = recordSample().get("decision_id").asText();
        JsonNode b = assertError(invoke(new AttachCorrectionHandler(app),
                withDecisionId(load("attach-correction-invalid.json"), id)), 422, "validation_failed");
        assertTrue(errorFields(b).containsAll(List.of("correction", "corrected_by", "notes")), b.toString());
        JsonNode d = body(invoke(new GetDecisionHandler(app), withDecisionId(load("get-decision.json"), id)));
        assertEquals("recorded", d.get("status").asText());
    }

    @Test
    void correctionOnUnknownIdIs404() {
        JsonNode b = assertError(invoke(new AttachCorrectionHandler(app),
                withDecisionId(load("attach-correction.json"), "dec_x")), 404, "decision_not_found");
        assertEquals("Decision dec_x not found", b.get("detail").asText());
    }

    @Test
    void correctionWithoutPriorFlag() {
        String id = recordSample().get("decision_id").asText();
        JsonNode c = body(invoke(new AttachCorrectionHandler(app), withDecisionId(load("attach-correction.json"), id)));
        assertEquals("corrected", c.get("status").asText());
        assertFalse(c.has("incorrect_at"));
    }

    /** A verdict never changes the decision's own entry. */
    private static void assertUnchangedEntry(JsonNode before, JsonNode after) {
        for (String f : new String[] {"decision_id", "created_at", "content_hash", "chain_hash", "sequence",
                                      "previous_hash", "chain_id", "input", "output", "model"}) {
            assertEquals(before.get(f), after.get(f), f);
        }
    }

    private JsonNode verify() {
        APIGatewayProxyResponseEvent r = invoke(new VerifyIntegrityHandler(app), load("verify-integrity.json"));
        assertEquals(200, r.getStatusCode());
        return body(r).get("integrity");
    }
}

package dev.loopgrid.local.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.aws.handlers.ConfirmDecisionHandler;
import dev.loopgrid.aws.handlers.ListDecisionReplaysHandler;
import dev.loopgrid.aws.handlers.MarkIncorrectHandler;
import dev.loopgrid.aws.handlers.StatsHandler;
import dev.loopgrid.aws.handlers.VerifyIntegrityHandler;
import org.junit.jupiter.api.Test;

/**
 * {@code POST …/confirm}, {@code GET /v1/stats} and {@code GET …/replays} from their sample events: a confirmation is
 * an entry with who and the note, a later flag wins over it, and a confirmation after a flag is 409.
 */
class OversightHandlersTest extends HandlerTestSupport {

    @Test
    void confirmed_thenFlagged_thenConfirmingAgainIs409_andStatsCountIt() {
        JsonNode d = recordSample();
        String id = d.get("decision_id").asText();

        APIGatewayProxyResponseEvent confirmed = invoke(new ConfirmDecisionHandler(app),
                withDecisionId(load("confirm-decision.json"), id));
        assertEquals(200, confirmed.getStatusCode(), confirmed.getBody());
        JsonNode c = body(confirmed);
        assertEquals("confirmed", c.get("status").asText());
        assertEquals("reviewer_7", c.at("/confirmation/confirmed_by").asText());
        assertEquals("Checked against the billing history", c.at("/confirmation/notes").asText());
        assertTrue(TIME.matcher(c.at("/confirmation/confirmed_at").asText()).matches(), c.toString());
        assertUnchangedEntry(d, c);

        JsonNode stats = body(invoke(new StatsHandler(app), load("get-stats.json")));
        assertEquals(d.get("service_name").asText(), stats.get("service_filter").asText());
        assertEquals(1, stats.get("decisions").asLong());
        assertEquals(1, stats.get("confirmed").asLong());
        assertEquals(100.0, stats.get("accuracy_percent").asDouble());
        assertEquals(1, stats.at("/time_to_verdict/decisions").asLong());

        APIGatewayProxyResponseEvent flagged = invoke(new MarkIncorrectHandler(app),
                withDecisionId(load("mark-incorrect.json"), id));
        assertEquals(200, flagged.getStatusCode(), flagged.getBody());
        JsonNode f = body(flagged);
        assertEquals("incorrect", f.get("status").asText(), "the later flag wins");
        assertEquals("reviewer_7", f.at("/confirmation/confirmed_by").asText(), "the confirmation stays visible");

        JsonNode conflict = assertError(invoke(new ConfirmDecisionHandler(app),
                withDecisionId(load("confirm-decision.json"), id)), 409, "verdict_superseded");
        assertTrue(conflict.get("detail").asText().contains("incorrect"), conflict.toString());

        JsonNode after = body(invoke(new StatsHandler(app), load("get-stats.json")));
        assertEquals(0, after.get("confirmed").asLong());
        assertEquals(1, after.get("incorrect").asLong());
        assertEquals(0.0, after.get("accuracy_percent").asDouble());
        assertEquals(3, verify().get("total").asLong(), "decision, confirmation, flag");
    }

    @Test
    void confirm_withoutConfirmedBy_is422_andUnknownDecisions404() {
        String id = recordSample().get("decision_id").asText();
        var e = withDecisionId(load("confirm-decision.json"), id);
        e.setBody("{\"notes\": \"who?\"}");
        JsonNode err = assertError(invoke(new ConfirmDecisionHandler(app), e), 422, "validation_failed");
        assertEquals("confirmed_by", errorFields(err).get(0));
        assertError(invoke(new ConfirmDecisionHandler(app), load("confirm-decision.json")), 404, "decision_not_found");
    }

    @Test
    void replays_ofADecisionWithoutAny_isAnEmptyPage_andOfAnUnknownOne404() {
        String id = recordSample().get("decision_id").asText();
        APIGatewayProxyResponseEvent r = invoke(new ListDecisionReplaysHandler(app),
                withDecisionId(load("list-decision-replays.json"), id));
        assertEquals(200, r.getStatusCode(), r.getBody());
        JsonNode page = body(r);
        assertEquals(0, page.get("replays").size());
        assertEquals(10, page.get("page_size").asInt());
        assertEquals(false, page.get("has_more").asBoolean());
        assertError(invoke(new ListDecisionReplaysHandler(app), load("list-decision-replays.json")), 404, "decision_not_found");
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

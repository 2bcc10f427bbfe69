package dev.loopgrid.local.handlers;

import dev.loopgrid.local.TestApps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.handlers.RecordDecisionHandler;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.core.ledger.Canonical;
import dev.loopgrid.core.decision.DecisionService;
import dev.loopgrid.core.ledger.EntryHasher;
import dev.loopgrid.core.Json;
import dev.loopgrid.local.EmbeddedDynamo;
import dev.loopgrid.local.LocalLambdaContext;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Runs the handler classes directly, as Lambda would, on the sample events of {@code events/}, against one
 * DynamoDB Local in memory per test class. Every test starts on an empty table with a fresh {@link App}
 * (the ledger caches chain heads, so an App must not outlive its table).
 */
abstract class HandlerTestSupport {
    static final String TABLE = "loopgrid-handler-test";
    /** The placeholder decision id of the sample events. */
    static final String PLACEHOLDER_ID = "dec_Zk3xR9qLmT2vWb8NcY4hJg";
    static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    static final Pattern TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    static final Pattern DECISION_ID = Pattern.compile("dec_[A-Za-z0-9_-]{16,}");

    static EmbeddedDynamo dynamo;
    App app;

    @BeforeAll
    static void startDynamo() throws Exception {
        dynamo = EmbeddedDynamo.start(null);
        dynamo.ensureTable(TABLE);
    }

    @AfterAll
    static void stopDynamo() {
        if (dynamo != null) dynamo.close();
    }

    @BeforeEach
    void freshTable() {
        dynamo.resetTable(TABLE);
        app = TestApps.create(dynamo.client(), new App.Config(TABLE, "local", DecisionService.DEFAULT_MAX_CONTENT_BYTES),
                Clock.systemUTC());
    }

    /** An event file of the top-level {@code events/} folder (the tests run in {@code local/}). */
    static APIGatewayProxyRequestEvent load(String name) {
        APIGatewayProxyRequestEvent e = EventLoader.loadApiGatewayRestEvent("../events/" + name);
        assertNotNull(e, name);
        return e;
    }

    /** The event with the placeholder decision id replaced everywhere it appears. */
    static APIGatewayProxyRequestEvent withDecisionId(APIGatewayProxyRequestEvent e, String id) {
        Map<String, String> p = new HashMap<>(e.getPathParameters());
        p.put("decision_id", id);
        e.setPathParameters(p);
        e.setPath(e.getPath().replace(PLACEHOLDER_ID, id));
        if (e.getRequestContext() != null && e.getRequestContext().getPath() != null) {
            e.getRequestContext().setPath(e.getRequestContext().getPath().replace(PLACEHOLDER_ID, id));
        }
        return e;
    }

    static APIGatewayProxyResponseEvent invoke(ApiHandler handler, APIGatewayProxyRequestEvent event) {
        String requestId = event.getRequestContext() != null && event.getRequestContext().getRequestId() != null
                ? event.getRequestContext().getRequestId() : UUID.randomUUID().toString();
        APIGatewayProxyResponseEvent r = handler.handleRequest(event,
                new LocalLambdaContext(requestId, handler.getClass().getSimpleName()));
        assertNotNull(r);
        assertNotNull(r.getStatusCode());
        assertTrue(r.getStatusCode() < 500, () -> "5xx: " + r.getStatusCode() + " " + r.getBody());
        return r;
    }

    static JsonNode body(APIGatewayProxyResponseEvent r) {
        assertEquals("application/json", r.getHeaders().get("Content-Type"));
        return Json.parseStored(r.getBody());
    }

    /** Asserts an error response: status, a string {@code detail}, and {@code code}. */
    static JsonNode assertError(APIGatewayProxyResponseEvent r, int status, String code) {
        JsonNode b = body(r);
        assertEquals(status, r.getStatusCode(), r.getBody());
        assertTrue(b.path("detail").isTextual() && !b.get("detail").textValue().isBlank(), r.getBody());
        assertEquals(code, b.path("code").textValue(), r.getBody());
        return b;
    }

    static List<String> errorFields(JsonNode errorBody) {
        return errorBody.path("errors").findValuesAsText("field");
    }

    /** Records the sample decision of {@code record-decision.json} and returns the Decision. */
    JsonNode recordSample() {
        APIGatewayProxyResponseEvent r = invoke(new RecordDecisionHandler(app), load("record-decision.json"));
        assertEquals(201, r.getStatusCode(), r.getBody());
        return body(r);
    }

    /** Records a decision with the given service and type (body of the sample otherwise). */
    JsonNode record(String service, String type) {
        APIGatewayProxyRequestEvent e = load("record-decision.json");
        ObjectNode b = (ObjectNode) Json.parseStored(e.getBody());
        b.put("service_name", service);
        b.put("decision_type", type);
        e.setBody(Json.write(b));
        APIGatewayProxyResponseEvent r = invoke(new RecordDecisionHandler(app), e);
        assertEquals(201, r.getStatusCode(), r.getBody());
        return body(r);
    }

    /** Checks the shape of a Decision and recomputes both its hashes from its fields alone (DESIGN.md). */
    static void assertDecision(JsonNode d) {
        assertTrue(DECISION_ID.matcher(d.path("decision_id").asText()).matches(), d.toString());
        assertTrue(TIME.matcher(d.path("created_at").asText()).matches(), d.toString());
        assertTrue(HEX64.matcher(d.path("content_hash").asText()).matches(), d.toString());
        assertTrue(HEX64.matcher(d.path("chain_hash").asText()).matches(), d.toString());
        assertTrue(HEX64.matcher(d.path("previous_hash").asText()).matches(), d.toString());
        assertTrue(d.path("sequence").isIntegralNumber() && d.get("sequence").asLong() >= 1, d.toString());
        assertEquals(d.path("service_name").asText(), d.path("chain_id").asText());

        ObjectNode content = Json.object();
        for (String f : new String[] {"service_name", "decision_type", "input", "model", "output", "prompt",
                                      "tool_calls", "metadata"}) {
            JsonNode v = d.get(f);
            content.set(f, v == null ? content.nullNode() : v);
        }
        String contentHash = Canonical.sha256Hex(Canonical.canonicalize(content));
        assertEquals(contentHash, d.get("content_hash").asText(), "content_hash recomputed from the fields");
        String chainHash = EntryHasher.chainHash(d.get("chain_id").asText(), d.get("sequence").asLong(), "decision",
                d.get("decision_id").asText(), d.get("decision_id").asText(), d.get("created_at").asText(),
                contentHash, d.get("previous_hash").asText());
        assertEquals(chainHash, d.get("chain_hash").asText(), "chain_hash recomputed from the fields");
    }
}

package dev.loopgrid.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.local.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replays end to end through the local stack as users run it (HTTP front → SQS (ElasticMQ) → worker → DynamoDB
 * Local): record → replay with wait → get → compare, and the error paths. No provider key is set in tests, so
 * replays run in simulation mode.
 */
class ReplayEndToEndTest {
    static Main.Running stack;
    static HttpTestClient http;

    @BeforeAll
    static void start() throws Exception {
        stack = Main.start(Main.parse(new String[] {"--in-memory", "--port", "0"}),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        http = new HttpTestClient(stack.url());
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    static String record(String service, String response) {
        return http.post("/v1/decisions", "{\"service_name\": \"" + service + "\", \"decision_type\": \"reply\","
                + " \"input\": {\"message\": \"I was charged twice\"}, \"model\": {\"provider\": \"openai\", \"name\": \"gpt-4\"},"
                + " \"output\": {\"response\": \"" + response + "\"}, \"prompt\": {\"text\": \"You are support.\"}}")
                .ok(201).get("decision_id").asText();
    }

    @Test
    void recordReplayWithWaitAndCompare() {
        // given
        String id = record("replay-flow", "Your account looks fine.");

        // when a replay with an improved prompt is created and waited for
        HttpTestClient.Resp created = http.post("/v1/replays?wait=15",
                "{\"decision_id\": \"" + id + "\", \"overrides\": {\"prompt\": {\"text\": \"Check billing first.\"}}}");

        // then it finished within the wait, in simulation, with a changed output
        JsonNode replay = created.ok(200);
        String replayId = replay.get("replay_id").asText();
        assertTrue(replayId.startsWith("rep_"), replayId);
        assertEquals("/v1/replays/" + replayId, created.header("Location"));
        assertEquals("completed", replay.get("execution_status").asText());
        assertEquals("simulated", replay.get("execution_mode").asText());
        assertTrue(replay.get("output_changed").asBoolean());
        assertEquals("You are support.", http.get("/v1/decisions/" + id).ok(200).get("prompt").get("text").asText(),
                "the recorded decision is untouched");
        assertEquals(replay, http.get("/v1/replays/" + replayId).ok(200));

        JsonNode cmp = http.get("/v1/decisions/" + id + "/compare/" + replayId).ok(200);
        assertEquals("Your account looks fine.", cmp.get("original_output").get("response").asText());
        assertTrue(cmp.get("replay_output").get("response").asText().startsWith("[simulated] "));
        assertTrue(cmp.get("output_changed").asBoolean());
        assertEquals("2 changes: replace /response, add /simulated", cmp.get("diff_summary").asText());
        assertEquals("/response", cmp.get("diff").get(0).get("path").asText());
        assertEquals("replace", cmp.get("diff").get(0).get("op").asText());

        // and the replay is an entry in the decision's chain, which still verifies
        JsonNode v = http.get("/v1/integrity/verify?service_name=replay-flow").ok(200).get("integrity");
        assertTrue(v.get("valid").asBoolean(), v.toString());
        assertEquals(2, v.get("total").asLong());
        assertEquals(replay.get("ledger_entry").get("chain_hash"), v.get("head_hash"));
    }

    @Test
    void replayWithoutOverrides_isUnchanged_andPreferWaitWorks() {
        String id = record("replay-same", "Same answer.");
        JsonNode replay = http.post("/v1/replays", "{\"decision_id\": \"" + id + "\"}", "Prefer", "wait=15").ok(200);
        assertFalse(replay.get("output_changed").asBoolean());
        assertEquals("Same answer.", replay.get("replay_output").get("response").asText());
        JsonNode cmp = http.get("/v1/decisions/" + id + "/compare/" + replay.get("replay_id").asText()).ok(200);
        assertFalse(cmp.get("output_changed").asBoolean());
        assertTrue(cmp.get("diff_summary").isNull());
        assertEquals(0, cmp.get("diff").size());
    }

    @Test
    void replayWithoutWait_isAccepted() {
        String id = record("replay-async", "Later.");
        HttpTestClient.Resp r = http.post("/v1/replays", "{\"decision_id\": \"" + id + "\", \"triggered_by\": \"test\"}");
        JsonNode body = r.ok(202);
        assertEquals("pending", body.get("execution_status").asText());
        assertEquals("test", body.get("triggered_by").asText());
        assertTrue(body.get("replay_output").isNull());
    }

    @Test
    void triggeredBy_isApiForAPlainCall_andTheSdkNamedByTheClientHeader() {
        String id = record("replay-trigger", "Who asked?");
        String body = "{\"decision_id\": \"" + id + "\"}";
        assertEquals("api", http.post("/v1/replays", body).ok(202).get("triggered_by").asText());
        assertEquals("sdk-java/0.2.0", http.post("/v1/replays", body, "X-LoopGrid-Client", "sdk-java/0.2.0").ok(202)
                .get("triggered_by").asText());
        http.post("/v1/replays", body, "X-LoopGrid-Client", "two words").error(400, "invalid_header");
    }

    @Test
    void errors() {
        String a = record("replay-errors", "A");
        String b = record("replay-errors", "B");
        String replayOfB = http.post("/v1/replays?wait=15", "{\"decision_id\": \"" + b + "\"}").ok(200)
                .get("replay_id").asText();
        http.post("/v1/replays", "{\"decision_id\": \"dec_nope\"}").error(404, "decision_not_found");
        http.post("/v1/replays", "{\"overrides\": {}}").error(422, "validation_failed");
        http.post("/v1/replays", "{\"decision_id\": \"" + a + "\", \"overrides\": {\"output\": {}}}")
                .error(422, "validation_failed");
        http.post("/v1/replays", "{\"decision_id\": ").error(400, "malformed_request");
        http.post("/v1/replays?wait=99", "{\"decision_id\": \"" + a + "\"}").error(400, "invalid_parameter");
        http.get("/v1/replays/rep_nope").error(404, "replay_not_found");
        http.get("/v1/decisions/" + a + "/compare/" + replayOfB).error(400, "replay_decision_mismatch");
        http.get("/v1/decisions/dec_nope/compare/" + replayOfB).error(404, "decision_not_found");
        http.get("/v1/decisions/" + a + "/compare/rep_nope").error(404, "replay_not_found");
    }
}

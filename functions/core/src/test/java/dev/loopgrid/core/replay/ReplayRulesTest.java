package dev.loopgrid.core.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.ledger.LedgerException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayRulesTest {

    private static JsonNode json(String s) {
        return Json.parse(s);
    }

    private static final JsonNode DECISION = json("""
            {"service_name":"support","decision_type":"reply","input":{"message":"I was charged twice","account":"A1"},
             "model":{"provider":"openai","name":"gpt-4","temperature":0.2},
             "output":{"response":"Your account looks fine."},
             "prompt":{"template":"support_v1","text":"You are a support agent."},"tool_calls":null,"metadata":null}""");

    @Test
    void overrides_mergeModelAndPromptKeyByKey_andReplaceInput() {
        // given
        JsonNode overrides = json("""
                {"model":{"name":"gpt-4o","temperature":null},"prompt":{"text":"Check billing first."},"input":{"message":"hi"}}""");
        // when
        JsonNode eff = Overrides.apply(DECISION, overrides);
        // then
        assertEquals(json("{\"provider\":\"openai\",\"name\":\"gpt-4o\"}"), eff.get("model"), "merged, null removes");
        assertEquals(json("{\"template\":\"support_v1\",\"text\":\"Check billing first.\"}"), eff.get("prompt"));
        assertEquals(json("{\"message\":\"hi\"}"), eff.get("input"), "input replaced whole, account gone");
        assertEquals(json("{\"message\":\"I was charged twice\",\"account\":\"A1\"}"), DECISION.get("input"),
                "the recorded decision is not modified");
    }

    @Test
    void overrides_rejectUnknownMembersAndWrongTypes() {
        LedgerException.Invalid e = assertThrows(LedgerException.Invalid.class,
                () -> Overrides.validate(json("{\"output\":{},\"model\":\"gpt-4\"}")));
        assertEquals(List.of("overrides.output", "overrides.model"), e.errors().stream().map(LedgerException.FieldError::field).toList());
        assertThrows(LedgerException.Invalid.class, () -> Overrides.validate(json("[1]")));
        assertNull(Overrides.validate(null));
    }

    @Test
    void simulate_withoutEffectiveChange_returnsRecordedOutput() {
        JsonNode eff = Overrides.apply(DECISION, json("{\"model\":{\"name\":\"gpt-4\"}}"));
        assertFalse(Overrides.changesSomething(DECISION, eff));
        assertEquals(DECISION.get("output"), Simulator.simulate(DECISION, eff));
    }

    @Test
    void simulate_withChangedPrompt_isDeterministicAndSaysSimulated() {
        JsonNode eff = Overrides.apply(DECISION, json("{\"prompt\":{\"text\":\"Check billing first.\"}}"));
        JsonNode a = Simulator.simulate(DECISION, eff);
        JsonNode b = Simulator.simulate(DECISION, Overrides.apply(DECISION, json("{\"prompt\":{\"text\":\"Check billing first.\"}}")));
        assertEquals(a, b, "same replay, same output");
        assertTrue(a.get("response").textValue().startsWith("[simulated] Your account looks fine. (replayed with changed prompt;"),
                a.toString());
        assertTrue(a.get("simulated").booleanValue());
        JsonNode other = Simulator.simulate(DECISION, Overrides.apply(DECISION, json("{\"prompt\":{\"text\":\"Other.\"}}")));
        assertFalse(a.equals(other), "a different prompt gives a different fingerprint");
    }

    @Test
    void diff_reportsJsonPointerPathsWithOps() {
        JsonNode from = json("{\"response\":\"a\",\"tags\":[1,2,3],\"x/y\":1,\"gone\":true,\"n\":1.0}");
        JsonNode to = json("{\"response\":\"b\",\"tags\":[1,5],\"x/y\":1,\"new\":{\"k\":null},\"n\":1}");
        List<JsonDiff.Change> d = JsonDiff.diff(from, to);
        assertEquals(List.of("remove /gone", "add /new", "replace /response", "replace /tags/1", "remove /tags/2"),
                d.stream().map(c -> c.op() + " " + c.path()).toList(), "1.0 equals 1; '/' escaped; sorted");
        assertEquals("5 changes: remove /gone, add /new, replace /response, replace /tags/1, remove /tags/2",
                JsonDiff.summary(d));
        assertEquals(json("\"a\""), d.get(2).from());
        assertEquals(json("\"b\""), d.get(2).to());
        assertNull(JsonDiff.summary(JsonDiff.diff(from, from)));
        assertEquals("/a~1b~0c", "/" + JsonDiff.escape("a/b~c"));
    }

    @Test
    void providerRequest_rebuildsMessagesFromPromptAndInput_andDerivesToolsFromToolCalls() {
        JsonNode d = json("""
                {"input":{"message":"refund?"},"model":{"provider":"OpenAI","name":"gpt-4","max_tokens":50},
                 "prompt":{"text":"Be brief."},"tool_calls":[{"name":"lookup_account","arguments":{}}]}""");
        ProviderRequest r = ProviderRequest.from(d);
        assertEquals("openai", r.provider());
        assertEquals("gpt-4", r.model());
        assertEquals(json("[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"refund?\"}]"), r.messages());
        assertEquals(json("{\"max_tokens\":50}"), r.parameters());
        assertEquals("lookup_account", r.tools().get(0).get("name").textValue());

        JsonNode verbatim = json("""
                {"input":{"x":1},"model":{"provider":"anthropic","name":"claude"},
                 "prompt":{"messages":[{"role":"user","content":"exact"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}}""");
        ProviderRequest v = ProviderRequest.from(verbatim);
        assertEquals(json("[{\"role\":\"user\",\"content\":\"exact\"}]"), v.messages(), "recorded messages verbatim");
        assertEquals("f", v.tools().get(0).get("name").textValue());
        JsonNode noMessage = json("{\"input\":{\"x\":1},\"model\":{}}");
        assertEquals("{\"x\":1}", ProviderRequest.from(noMessage).messages().get(0).get("content").textValue(),
                "input JSON as the user message when there is no input.message");
    }
}

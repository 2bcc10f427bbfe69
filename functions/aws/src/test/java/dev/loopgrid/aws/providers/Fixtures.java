package dev.loopgrid.aws.providers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopgrid.core.Json;
import dev.loopgrid.core.replay.ProviderException;
import dev.loopgrid.core.replay.ProviderRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Recorded bodies and decisions shared by the provider tests. */
final class Fixtures {
    static final String OPENAI_KEY = "sk-test-OPENAI-5ecr3tK3yValue0123456789";
    static final String ANTHROPIC_KEY = "sk-ant-api03-ANTHROPIC-5ecr3tK3yValue0123456789";

    /** A decision recorded with full chat messages (OpenAI style), tools and sampling parameters. */
    static final String DECISION_WITH_MESSAGES = """
            {
              "decision_type": "refund_approval",
              "input": {"message": "Where is my refund for order A-1042?"},
              "output": {"response": "Your refund has been approved."},
              "model": {"provider": "openai", "name": "gpt-4o-2024-08-06", "temperature": 0.2,
                        "max_tokens": 512, "top_p": 0.9, "stop": ["\\nUser:"], "seed": 7, "top_k": 40},
              "prompt": {
                "messages": [
                  {"role": "system", "content": "You are a refunds assistant for ACME. Be concise."},
                  {"role": "user", "content": "Where is my refund for order A-1042?"},
                  {"role": "assistant", "content": null, "tool_calls": [
                    {"id": "call_1", "type": "function",
                     "function": {"name": "lookup_order", "arguments": "{\\"order_id\\":\\"A-1042\\"}"}}]},
                  {"role": "tool", "tool_call_id": "call_1", "content": "{\\"status\\":\\"refund_pending\\",\\"total\\":49.9}"},
                  {"role": "user", "content": "Please approve it."}
                ],
                "tools": [
                  {"type": "function", "function": {"name": "lookup_order", "description": "Look up an order by id",
                    "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}},
                                   "required": ["order_id"]}}},
                  {"type": "function", "function": {"name": "issue_refund", "description": "Refund an order",
                    "parameters": {"type": "object", "properties": {"order_id": {"type": "string"},
                                   "amount": {"type": "number"}}, "required": ["order_id", "amount"]}}}
                ]
              },
              "tool_calls": [{"name": "lookup_order", "arguments": {"order_id": "A-1042"}}]
            }
            """;

    /** A decision recorded with a prompt text and an input message only. */
    static final String DECISION_WITH_PROMPT_TEXT = """
            {
              "decision_type": "refund_approval",
              "input": {"message": "Where is my refund for order A-1042?", "customer_id": "c-77"},
              "output": {"response": "Your refund has been approved."},
              "model": {"provider": "anthropic", "name": "claude-sonnet-4-20250514", "temperature": 0},
              "prompt": {"text": "You are a refunds assistant for ACME. Be concise."}
            }
            """;

    private Fixtures() {}

    static String resource(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/providers/" + name)) {
            if (in == null) throw new IllegalArgumentException("no test resource /providers/" + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ProviderRequest request(String decisionJson) {
        return ProviderRequest.from(Json.parseStored(decisionJson));
    }

    static JsonNode json(String text) {
        return Json.parseStored(text);
    }

    /** Small budgets so failure tests end quickly. */
    static ProviderHttp.Settings fast() {
        return new ProviderHttp.Settings(Duration.ofSeconds(2), Duration.ofSeconds(10), 2, Duration.ofSeconds(20));
    }

    /** Every message in the exception chain, for "the key never leaks" assertions. */
    static String allMessages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            sb.append(c).append('\n');
        }
        return sb.toString();
    }

    static ProviderException expectProviderException(Runnable r) {
        try {
            r.run();
        } catch (ProviderException e) {
            return e;
        }
        throw new AssertionError("expected a ProviderException");
    }
}

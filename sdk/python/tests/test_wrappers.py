"""The OpenAI and Anthropic wrappers, with fake client objects (no provider packages, no network to providers)."""

import asyncio
import json
import logging
import unittest
import uuid
from types import SimpleNamespace

from loopgrid import LoopGrid, wrap, wrap_anthropic, wrap_openai
from tests.support import DECISION, ScriptedServer, free_port, json_response, stack_url


class Model:
    """Mimics a pydantic model (what the OpenAI and Anthropic SDKs return)."""

    def __init__(self, **data):
        self._data = data

    def model_dump(self):
        return self._data


class FakeCreate:
    def __init__(self, response=None, error=None, chunks=None, is_async=False):
        self.response, self.error, self.chunks, self.is_async = response, error, chunks, is_async
        self.calls = []

    def create(self, **kwargs):
        self.calls.append(kwargs)
        if self.is_async:
            return self._async(kwargs)
        return self._result(kwargs)

    def _result(self, kwargs):
        if self.error:
            raise self.error
        return iter(self.chunks) if kwargs.get("stream") else self.response

    async def _async(self, kwargs):
        await asyncio.sleep(0)
        if kwargs.get("stream"):
            async def gen():
                for c in self.chunks:
                    yield c
            return gen()
        return self._result(kwargs)


def fake_openai(**kw):
    completions = FakeCreate(**kw)
    return SimpleNamespace(chat=SimpleNamespace(completions=completions), models="models-api", api_key="sk-test")


def fake_anthropic(**kw):
    return SimpleNamespace(messages=FakeCreate(**kw), api_key="ak-test")


OPENAI_RESPONSE = Model(
    id="chatcmpl-1", model="gpt-4o-2024-08-06", system_fingerprint="fp_1",
    choices=[{"index": 0, "finish_reason": "tool_calls", "message": {
        "role": "assistant", "content": "Let me check your billing.",
        "tool_calls": [{"id": "call_1", "type": "function",
                        "function": {"name": "lookup_account", "arguments": "{\"account\": 42}"}}]}}],
    usage={"prompt_tokens": 120, "completion_tokens": 48, "total_tokens": 168})

ANTHROPIC_RESPONSE = SimpleNamespace(
    id="msg_1", type="message", role="assistant", model="claude-sonnet-4-5", stop_reason="tool_use",
    content=[SimpleNamespace(type="text", text="Checking your account."),
             SimpleNamespace(type="tool_use", id="toolu_1", name="lookup_account", input={"account": 42})],
    usage=SimpleNamespace(input_tokens=90, output_tokens=30))

MESSAGES = [{"role": "system", "content": "You are support."}, {"role": "user", "content": "I was charged twice"}]
TOOLS = [{"type": "function", "function": {"name": "lookup_account", "parameters": {"type": "object"}}}]


class WrapperTest(unittest.TestCase):
    def setUp(self):
        self.service = "py-wrap-" + uuid.uuid4().hex[:8]
        self.grid = LoopGrid(base_url=stack_url(), service_name=self.service)

    def only_decision(self):
        page = self.grid.list_decisions(service_name=self.service)
        self.assertEqual(1, page["total"], page)
        return page["decisions"][0]

    def test_openai_call_is_recorded_and_returned_untouched(self):
        fake = fake_openai(response=OPENAI_RESPONSE)
        client = wrap_openai(fake, self.grid, prompt={"template": "support_v1"}, metadata={"team": "billing"})

        response = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, tools=TOOLS, temperature=0.2,
                                                  max_tokens=300, timeout=12)

        self.assertIs(OPENAI_RESPONSE, response)
        self.assertEqual(1, len(fake.chat.completions.calls))
        d = self.only_decision()
        self.assertEqual("chat_completion", d["decision_type"])
        self.assertEqual({"message": "I was charged twice"}, d["input"])
        self.assertEqual({"provider": "openai", "name": "gpt-4o", "temperature": 0.2, "max_tokens": 300}, d["model"])
        self.assertEqual(MESSAGES, d["prompt"]["messages"])
        self.assertEqual("support_v1", d["prompt"]["template"])
        self.assertEqual("lookup_account", d["prompt"]["tools"][0]["function"]["name"])
        self.assertEqual({"response": "Let me check your billing.",
                          "tool_calls": [{"name": "lookup_account", "arguments": {"account": 42}}]}, d["output"])
        self.assertEqual([{"id": "call_1", "name": "lookup_account", "arguments": {"account": 42}}], d["tool_calls"])
        meta = d["metadata"]
        self.assertEqual({"input": 120, "output": 48, "total": 168}, meta["tokens"])
        self.assertIsInstance(meta["latency_ms"], int)
        self.assertEqual("tool_calls", meta["finish_reason"])
        self.assertEqual("chatcmpl-1", meta["response_id"])
        self.assertEqual("billing", meta["team"])
        self.assertEqual(d["decision_id"], client.loopgrid.last_decision["decision_id"])

    def test_a_recorded_call_can_be_replayed(self):
        client = wrap_openai(fake_openai(response=OPENAI_RESPONSE), self.grid)
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        d = client.loopgrid.last_decision
        replay = self.grid.create_replay(d["decision_id"], overrides={"prompt": {"messages": MESSAGES[1:]}}, wait=30)
        self.assertEqual("completed", replay["execution_status"], replay)

    def test_anthropic_call_is_recorded(self):
        fake = fake_anthropic(response=ANTHROPIC_RESPONSE)
        client = wrap_anthropic(fake, self.grid, decision_type="support_reply")

        response = client.messages.create(model="claude-sonnet-4-5", system="You are support.", max_tokens=256,
                                          messages=[{"role": "user", "content": [{"type": "text",
                                                                                   "text": "I was charged twice"}]}])

        self.assertIs(ANTHROPIC_RESPONSE, response)
        d = self.only_decision()
        self.assertEqual("support_reply", d["decision_type"])
        self.assertEqual({"message": "I was charged twice"}, d["input"])
        self.assertEqual({"provider": "anthropic", "name": "claude-sonnet-4-5", "max_tokens": 256}, d["model"])
        self.assertEqual({"role": "system", "content": "You are support."}, d["prompt"]["messages"][0])
        self.assertEqual({"response": "Checking your account.",
                          "tool_calls": [{"name": "lookup_account", "arguments": {"account": 42}}]}, d["output"])
        self.assertEqual({"input": 90, "output": 30, "total": 120}, d["metadata"]["tokens"])
        self.assertEqual("tool_use", d["metadata"]["finish_reason"])

    def test_openai_stream_is_passed_through_and_recorded_at_its_end(self):
        chunks = [Model(id="c1", model="gpt-4o", choices=[{"index": 0, "delta": {"role": "assistant", "content": "Hel"}}]),
                  Model(id="c1", choices=[{"index": 0, "delta": {"content": "lo", "tool_calls": [
                      {"index": 0, "id": "call_9", "function": {"name": "lookup", "arguments": "{\"a\""}}]}}]),
                  Model(id="c1", choices=[{"index": 0, "delta": {"tool_calls": [
                      {"index": 0, "function": {"arguments": ": 1}"}}]}, "finish_reason": "stop"}],
                        usage={"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7})]
        client = wrap_openai(fake_openai(chunks=chunks), self.grid)

        stream = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
        self.assertEqual(0, self.grid.list_decisions(service_name=self.service)["total"], "not before the end")
        received = list(stream)

        self.assertEqual(chunks, received)
        d = self.only_decision()
        self.assertEqual({"response": "Hello", "tool_calls": [{"name": "lookup", "arguments": {"a": 1}}]}, d["output"])
        self.assertEqual({"input": 5, "output": 2, "total": 7}, d["metadata"]["tokens"])
        self.assertTrue(d["metadata"]["streamed"])

    def test_anthropic_stream_is_recorded(self):
        events = [{"type": "message_start", "message": {"id": "msg_2", "model": "claude-x", "usage": {"input_tokens": 9}}},
                  {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                  {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi "}},
                  {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "there"}},
                  {"type": "content_block_start", "index": 1,
                   "content_block": {"type": "tool_use", "id": "t1", "name": "lookup", "input": {}}},
                  {"type": "content_block_delta", "index": 1,
                   "delta": {"type": "input_json_delta", "partial_json": "{\"a\": 2}"}},
                  {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 4}},
                  {"type": "message_stop"}]
        client = wrap_anthropic(fake_anthropic(chunks=events), self.grid)
        self.assertEqual(events, list(client.messages.create(model="claude-x", max_tokens=10, messages=MESSAGES[1:],
                                                             stream=True)))
        d = self.only_decision()
        self.assertEqual({"response": "Hi there", "tool_calls": [{"name": "lookup", "arguments": {"a": 2}}]}, d["output"])
        self.assertEqual({"input": 9, "output": 4, "total": 13}, d["metadata"]["tokens"])

    def test_async_clients_are_recorded(self):
        chunks = [{"choices": [{"delta": {"content": "streamed"}}]}]
        client = wrap_openai(fake_openai(response=OPENAI_RESPONSE, chunks=chunks, is_async=True), self.grid)

        async def run():
            response = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
            chunks = [c async for c in await client.chat.completions.create(model="gpt-4o", messages=MESSAGES,
                                                                               stream=True)]
            return response, chunks

        response, chunks = asyncio.run(run())
        self.assertIs(OPENAI_RESPONSE, response)
        self.assertEqual(1, len(chunks))
        outputs = sorted(d["output"]["response"] for d in self.grid.list_decisions(service_name=self.service)["decisions"])
        self.assertEqual(["Let me check your billing.", "streamed"], outputs)

    def test_a_failing_loopgrid_never_breaks_the_call(self):
        grid = LoopGrid(base_url=f"http://127.0.0.1:{free_port()}", max_retries=0)  # connection refused
        client = wrap_openai(fake_openai(response=OPENAI_RESPONSE), grid)
        with self.assertLogs("loopgrid", logging.WARNING) as logs:
            response = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        self.assertIs(OPENAI_RESPONSE, response)
        self.assertIn("decision not recorded", logs.output[0])
        self.assertEqual(1, client.loopgrid.failures)
        self.assertEqual(0, client.loopgrid.pending, "no buffer unless asked")

    def test_a_loopgrid_answering_errors_or_hanging_never_breaks_the_call(self):
        with ScriptedServer(lambda *r: json_response(500, {"detail": "Internal error"})) as failing, \
                ScriptedServer(lambda *r: "hang") as hanging:
            for grid in (LoopGrid(base_url=failing.url, max_retries=0),
                         LoopGrid(base_url=hanging.url, timeout=0.3, max_retries=0)):
                client = wrap_anthropic(fake_anthropic(response=ANTHROPIC_RESPONSE), grid)
                with self.assertLogs("loopgrid", logging.WARNING):
                    response = client.messages.create(model="claude-x", max_tokens=5, messages=MESSAGES[1:])
                self.assertIs(ANTHROPIC_RESPONSE, response)

    def test_buffered_decisions_are_sent_again(self):
        answers = [json_response(500, {"detail": "down"}), json_response(201, DECISION), json_response(201, DECISION)]
        with ScriptedServer(lambda *r: answers.pop(0)) as s:
            client = wrap_openai(fake_openai(response=OPENAI_RESPONSE), LoopGrid(base_url=s.url, max_retries=0),
                                 buffer=True)
            with self.assertLogs("loopgrid", logging.WARNING):
                client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
            self.assertEqual(1, client.loopgrid.pending)
            client.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # flushes the buffer first
            self.assertEqual(0, client.loopgrid.pending)
            self.assertEqual(3, len(s.requests))
            # the same decision, sent again (a new key: the first attempt never landed)
            self.assertEqual(json.loads(s.requests[0]["body"]), json.loads(s.requests[1]["body"]))
            self.assertEqual(0, client.loopgrid.flush())

    def test_the_calls_own_errors_pass_through_and_record_nothing(self):
        client = wrap_openai(fake_openai(error=ValueError("rate limited")), self.grid)
        with self.assertRaises(ValueError):
            client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        self.assertEqual(0, self.grid.list_decisions(service_name=self.service)["total"])

    def test_an_unreadable_response_is_logged_not_raised(self):
        client = wrap_openai(fake_openai(response="not a completion"), self.grid)
        with self.assertLogs("loopgrid", logging.WARNING):
            self.assertEqual("not a completion", client.chat.completions.create(model="m", messages=MESSAGES))

    def test_everything_else_passes_through(self):
        fake = fake_openai(response=OPENAI_RESPONSE)
        client = wrap(fake, self.grid)
        self.assertEqual("models-api", client.models)
        self.assertEqual("sk-test", client.api_key)
        client.api_key = "sk-new"
        self.assertEqual("sk-new", fake.api_key)
        self.assertEqual("anthropic", wrap(fake_anthropic(response=ANTHROPIC_RESPONSE), self.grid).loopgrid.provider)
        with self.assertRaises(TypeError):
            wrap(object(), self.grid)


if __name__ == "__main__":
    unittest.main()

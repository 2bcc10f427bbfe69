"""record_decisions and the background batcher, against scripted servers."""

import json
import threading
import time
import unittest

from loopgrid import CLIENT, DecisionResult, LoopGrid, LoopGridAPIError
from tests.support import DECISION, ScriptedServer, free_port, json_response

MODEL = {"provider": "openai", "name": "gpt-4"}


def client(url, retries=3):
    return LoopGrid(base_url=url, service_name="s", timeout=5, max_retries=retries, retry_backoff=0.01,
                    max_retry_delay=0.05)


def decision(i=0, **extra):
    d = {"decision_type": "t", "input": {"i": i}, "model": MODEL, "output": {}}
    d.update(extra)
    return d


def batch_ok(method, path, headers, body):
    """Answers every item 201 with a decision named after its input."""
    items = json.loads(body)["decisions"]
    return json_response(200, {"results": [dict(DECISION, status=201, decision_id=f"dec_{d['input']['i']}")
                                           for d in items]})


def sent(server):
    return [d for r in server.requests for d in json.loads(r["body"])["decisions"]]


class RecordDecisionsTest(unittest.TestCase):
    def test_results_come_back_in_order_with_a_rejected_item(self):
        def script(method, path, headers, body):
            return json_response(200, {"results": [
                dict(DECISION, status=201, decision_id="dec_a"),
                {"status": 422, "code": "validation_error", "detail": "output is required",
                 "errors": [{"field": "output", "message": "required"}]},
                dict(DECISION, status=200, decision_id="dec_c")]})
        with ScriptedServer(script) as s:
            results = client(s.url).record_decisions([decision(1), {"decision_type": "t", "input": {},
                                                                    "model": MODEL}, decision(3, idempotency_key="k3")])
            self.assertEqual([201, 422, 200], [r.status for r in results])
            self.assertEqual([True, False, True], [r.ok for r in results])
            self.assertEqual("dec_a", results[0].decision["decision_id"])
            self.assertNotIn("status", results[0].decision)
            self.assertIsNone(results[1].decision)
            self.assertEqual(("validation_error", "output is required"), (results[1].code, results[1].detail))
            self.assertEqual("output", results[1].errors[0]["field"])
            self.assertEqual("dec_c", results[2].decision["decision_id"])
            self.assertIsInstance(results[0], DecisionResult)
            (request,) = s.requests
            self.assertEqual(("POST", "/v1/decisions/batch"), (request["method"], request["path"]))
            self.assertEqual(CLIENT, request["headers"]["x-loopgrid-client"])
            items = sent(s)
            self.assertEqual(["s", "s", "s"], [d["service_name"] for d in items])
            self.assertEqual("k3", items[2]["idempotency_key"])
            self.assertEqual(3, len({d["idempotency_key"] for d in items}))
            self.assertEqual([r.idempotency_key for r in results], [d["idempotency_key"] for d in items])

    def test_a_decision_whose_own_status_overwrote_the_item_status_is_recorded(self):
        with ScriptedServer(lambda *r: json_response(200, {"results": [DECISION]})) as s:
            (result,) = client(s.url).record_decisions([decision()])
            self.assertTrue(result.ok)
            self.assertEqual("recorded", result.decision["status"])

    def test_long_lists_are_split_into_requests_of_100(self):
        with ScriptedServer(batch_ok) as s:
            results = client(s.url).record_decisions([decision(i) for i in range(250)])
            self.assertEqual([f"dec_{i}" for i in range(250)], [r.decision["decision_id"] for r in results])
            self.assertEqual([100, 100, 50], [len(json.loads(r["body"])["decisions"]) for r in s.requests])

    def test_an_error_of_the_whole_request_raises(self):
        with ScriptedServer(lambda *r: json_response(413, {"detail": "too large", "code": "payload_too_large"})) as s:
            with self.assertRaises(LoopGridAPIError) as e:
                client(s.url).record_decisions([decision()])
            self.assertEqual(413, e.exception.status_code)

    def test_a_503_is_retried_with_the_same_keys(self):
        answers = [json_response(503, {"detail": "busy"}, **{"Retry-After": "0"})]
        with ScriptedServer(lambda *r: answers.pop(0) if answers else batch_ok(*r)) as s:
            self.assertEqual(2, len(client(s.url).record_decisions([decision(1), decision(2)])))
            first, second = s.requests
            self.assertEqual(first["body"], second["body"])


class BatcherTest(unittest.TestCase):
    def test_flushes_by_size(self):
        with ScriptedServer(batch_ok) as s:
            b = client(s.url).batcher(max_batch=10, flush_interval=60, flush_on_exit=False)
            for i in range(25):
                self.assertTrue(b.record("t", {"i": i}, MODEL, {}))
            deadline = time.monotonic() + 5
            while b.recorded < 20 and time.monotonic() < deadline:
                time.sleep(0.01)
            self.assertEqual(20, b.recorded)
            self.assertEqual(5, b.pending)  # the rest waits for the interval
            self.assertEqual([10, 10], [len(json.loads(r["body"])["decisions"]) for r in s.requests])
            self.assertTrue(b.close(5))
            self.assertEqual(25, b.recorded)
            self.assertEqual(list(range(25)), [d["input"]["i"] for d in sent(s)])

    def test_flushes_by_interval(self):
        with ScriptedServer(batch_ok) as s:
            b = client(s.url).batcher(flush_interval=0.1, flush_on_exit=False)
            b.record("t", {"i": 1}, MODEL, {}, metadata={"m": 1}, subject_id="u1", service_name="other")
            deadline = time.monotonic() + 5
            while b.recorded < 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            self.assertEqual(1, b.recorded)
            (item,) = sent(s)
            self.assertEqual(("other", "u1", {"m": 1}), (item["service_name"], item["subject_id"], item["metadata"]))
            self.assertTrue(item["idempotency_key"])
            self.assertNotIn("prompt", item)
            b.close()

    def test_flush_and_close_send_what_is_queued(self):
        with ScriptedServer(batch_ok) as s:
            b = client(s.url).batcher(flush_interval=60, flush_on_exit=False)
            b.record("t", {"i": 1}, MODEL, {})
            self.assertTrue(b.flush(5))
            self.assertEqual(1, b.recorded)
            b.record("t", {"i": 2}, MODEL, {})
            with b:
                pass  # __exit__ closes
            self.assertEqual(2, b.recorded)
            self.assertEqual(0, b.pending)
            self.assertFalse(b.record("t", {"i": 3}, MODEL, {}))  # closed: dropped
            self.assertEqual(1, b.dropped)
            self.assertEqual([1, 2], [d["input"]["i"] for d in sent(s)])

    def test_a_full_queue_drops_and_counts_without_blocking(self):
        release = threading.Event()

        def slow(*r):
            release.wait(10)
            return batch_ok(*r)
        with ScriptedServer(slow) as s:
            b = client(s.url).batcher(max_batch=1, flush_interval=60, max_queue=3, flush_on_exit=False)
            b.record("t", {"i": 0}, MODEL, {})
            deadline = time.monotonic() + 5
            while not s.requests and time.monotonic() < deadline:  # the thread is stuck sending item 0
                time.sleep(0.01)
            started = time.monotonic()
            accepted = [b.record("t", {"i": i}, MODEL, {}) for i in range(1, 11)]
            self.assertLess(time.monotonic() - started, 0.5)
            self.assertEqual([True] * 3 + [False] * 7, accepted)
            self.assertEqual(7, b.dropped)
            with self.assertLogs("loopgrid", "WARNING") as logs:
                release.set()
                self.assertTrue(b.close(5))
            self.assertEqual(4, b.recorded)
            self.assertIn("7 decisions dropped", "\n".join(logs.output))

    def test_a_503_is_retried_with_the_same_idempotency_keys(self):
        answers = [json_response(503, {"detail": "busy", "code": "conflict_retry_exhausted"})]
        with ScriptedServer(lambda *r: answers.pop(0) if answers else batch_ok(*r)) as s:
            b = client(s.url).batcher(flush_interval=60, retry_backoff=0.01, flush_on_exit=False)
            for i in range(3):
                b.record("t", {"i": i}, MODEL, {})
            self.assertTrue(b.close(5))
            self.assertEqual((3, 0, 0), (b.recorded, b.failed, b.dropped))
            first, second = s.requests
            keys = [[d["idempotency_key"] for d in json.loads(r["body"])["decisions"]] for r in (first, second)]
            self.assertEqual(keys[0], keys[1])
            self.assertEqual(3, len(set(keys[0])))

    def test_transient_items_are_retried_and_rejected_ones_are_counted_failed(self):
        calls = []

        def script(method, path, headers, body):
            items = json.loads(body)["decisions"]
            calls.append([d["input"]["i"] for d in items])
            results = []
            for d in items:
                i = d["input"]["i"]
                if i == 1:
                    results.append({"status": 422, "code": "validation_error", "detail": "bad"})
                elif i == 2 and len(calls) == 1:
                    results.append({"status": 503, "code": "conflict_retry_exhausted", "detail": "busy"})
                else:
                    results.append(dict(DECISION, status=201))
            return json_response(200, {"results": results})
        with ScriptedServer(script) as s:
            b = client(s.url).batcher(flush_interval=60, retry_backoff=0.01, flush_on_exit=False)
            for i in range(3):
                b.record("t", {"i": i}, MODEL, {})
            with self.assertLogs("loopgrid", "WARNING") as logs:
                self.assertTrue(b.close(5))
            self.assertEqual([[0, 1, 2], [2]], calls)
            self.assertEqual((2, 1), (b.recorded, b.failed))
            self.assertIn("422 validation_error bad", "\n".join(logs.output))

    def test_a_failing_server_never_raises_into_record(self):
        with ScriptedServer(lambda *r: json_response(500, {"detail": "boom"})) as s:
            b = client(s.url).batcher(max_batch=2, flush_interval=0.05, max_retries=1, retry_backoff=0.01,
                                      flush_on_exit=False)
            with self.assertLogs("loopgrid", "WARNING"):
                for i in range(4):
                    self.assertTrue(b.record("t", {"i": i}, MODEL, {}))
                b.record("t", {"bad": object()}, MODEL, {})  # not JSON: fails alone
                self.assertTrue(b.close(5))
            self.assertEqual((0, 5), (b.recorded, b.failed))
            self.assertEqual(4, len(s.requests))  # two batches, each tried twice

    def test_an_unreachable_server_never_raises_into_record(self):
        b = client(f"http://127.0.0.1:{free_port()}").batcher(flush_interval=0.05, max_retries=1,
                                                               retry_backoff=0.01, flush_on_exit=False)
        with self.assertLogs("loopgrid", "WARNING"):
            self.assertTrue(b.record("t", {}, MODEL, {}))
            self.assertTrue(b.close(5))
        self.assertEqual(1, b.failed)

    def test_options_are_checked(self):
        grid = LoopGrid()
        for bad in ({"max_batch": 0}, {"max_batch": 101}, {"flush_interval": 0}, {"max_queue": 0}):
            with self.assertRaises(ValueError):
                grid.batcher(**bad)


if __name__ == "__main__":
    unittest.main()

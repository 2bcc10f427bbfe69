"""Timeouts, refused connections, retries and odd answers, against scripted servers."""

import json
import time
import unittest

from loopgrid import CLIENT, LoopGrid, LoopGridAPIError, LoopGridError
from tests.support import DECISION, ScriptedServer, free_port, json_response


def client(url, retries=3, timeout=5):
    return LoopGrid(base_url=url, service_name="s", timeout=timeout, max_retries=retries, retry_backoff=0.01,
                    max_retry_delay=0.05)


def record(grid):
    return grid.record_decision("t", {}, {"provider": "openai", "name": "gpt-4"}, {})


class ResilienceTest(unittest.TestCase):
    def test_a_server_that_hangs_times_out_without_retrying(self):
        with ScriptedServer(lambda *r: "hang") as s:
            started = time.monotonic()
            with self.assertRaises(LoopGridError) as e:
                client(s.url, timeout=0.5).get_decision("dec_1")
            self.assertLess(time.monotonic() - started, 3)
            self.assertIn("timed out after 0.5s", str(e.exception))
            self.assertNotIsInstance(e.exception, LoopGridAPIError)
            self.assertEqual(1, len(s.requests))

    def test_connection_refused_is_a_loopgrid_error(self):
        port = free_port()
        with self.assertRaises(LoopGridError) as e:
            client(f"http://127.0.0.1:{port}", retries=2).health()
        self.assertTrue(str(e.exception).startswith(f"Cannot connect to LoopGrid at http://127.0.0.1:{port}"),
                        str(e.exception))
        self.assertNotIsInstance(e.exception, LoopGridAPIError)

    def test_record_retries_503_and_429_with_the_same_idempotency_key(self):
        answers = [json_response(503, {"detail": "busy", "code": "conflict_retry_exhausted"}, **{"Retry-After": "0"}),
                   json_response(429, {"message": "Too Many Requests"}),
                   json_response(201, DECISION)]
        with ScriptedServer(lambda *r: answers.pop(0)) as s:
            self.assertEqual("dec_1", record(client(s.url))["decision_id"])
            keys = {r["headers"]["idempotency-key"] for r in s.requests}
            self.assertEqual(3, len(s.requests))
            self.assertEqual(1, len(keys))
            self.assertEqual("s", json.loads(s.requests[0]["body"])["service_name"])

    def test_a_stored_export_is_followed_to_its_link_without_the_api_key(self):
        def script(method, path, headers, body):
            if path.startswith("/v1/export/decisions"):
                return 303, {"Location": "/stored/x.csv?sig=1"}, '{"download_url": "/stored/x.csv?sig=1"}'
            return 200, {"Content-Type": "text/csv"}, "decision_id,created_at\ndec_1,2026\n"
        with ScriptedServer(script) as s:
            g = LoopGrid(base_url=s.url, api_key="lg_secret", max_retries=0)
            self.assertEqual("decision_id,created_at\ndec_1,2026\n", g.export_decisions_csv("svc", "corrected"))
            self.assertEqual(2, len(s.requests))
            first, second = s.requests
            self.assertEqual("/v1/export/decisions?service_name=svc&status=corrected&format=csv", first["path"])
            self.assertEqual("Bearer lg_secret", first["headers"]["authorization"])
            self.assertEqual("text/csv", first["headers"]["accept"])
            self.assertEqual(CLIENT, first["headers"]["x-loopgrid-client"])
            self.assertEqual("/stored/x.csv?sig=1", second["path"])
            self.assertNotIn("authorization", second["headers"])

    def test_a_stored_export_that_cannot_be_downloaded_is_an_api_error(self):
        def script(method, path, headers, body):
            if path.startswith("/v1/"):
                return 303, {"Location": "/stored/gone.jsonl"}, "{}"
            return 403, {"Content-Type": "application/xml"}, "<Error>expired</Error>"
        with ScriptedServer(script) as s:
            with self.assertRaises(LoopGridAPIError) as e:
                client(s.url, retries=0).export_ground_truth()
            self.assertEqual(403, e.exception.status_code)
            self.assertIn("expired", e.exception.detail)

    def test_a_ground_truth_line_that_is_not_json_is_a_loopgrid_error(self):
        with ScriptedServer(lambda *r: (200, {"Content-Type": "application/x-ndjson"}, '{"a": 1}\nnot json\n')) as s:
            with self.assertRaises(LoopGridError) as e:
                client(s.url, retries=0).export_ground_truth("svc")
            self.assertIn("line 2", str(e.exception))

    def test_revoking_a_key_sends_a_delete(self):
        key = {"key_id": "key_AAAAAAAAAAAAAAAA", "revoked": True}
        with ScriptedServer(lambda *r: json_response(200, key)) as s:
            self.assertTrue(client(s.url).revoke_api_key("key_AAAAAAAAAAAAAAAA")["revoked"])
            self.assertEqual(("DELETE", "/v1/admin/keys/key_AAAAAAAAAAAAAAAA"),
                             (s.requests[0]["method"], s.requests[0]["path"]))

    def test_record_retries_a_dropped_connection_with_the_same_key(self):
        answers = ["drop", "drop", json_response(201, DECISION)]
        with ScriptedServer(lambda *r: answers.pop(0)) as s:
            self.assertEqual("dec_1", record(client(s.url))["decision_id"])
            self.assertEqual(3, len(s.requests))
            self.assertEqual(1, len({r["headers"]["idempotency-key"] for r in s.requests}))

    def test_each_record_call_has_its_own_key(self):
        with ScriptedServer(lambda *r: json_response(201, DECISION)) as s:
            g = client(s.url)
            record(g)
            record(g)
            self.assertEqual(2, len({r["headers"]["idempotency-key"] for r in s.requests}))

    def test_a_flag_is_not_resent_when_the_connection_drops_after_sending(self):
        with ScriptedServer(lambda *r: "drop") as s:
            with self.assertRaises(LoopGridError):
                client(s.url).mark_incorrect("dec_1", "r")
            self.assertEqual(1, len(s.requests))

    def test_a_flag_is_retried_when_the_server_refused_it(self):
        answers = [json_response(503, {"detail": "busy"}, **{"Retry-After": "0"}),
                   json_response(200, dict(DECISION, status="incorrect"))]
        with ScriptedServer(lambda *r: answers.pop(0)) as s:
            self.assertEqual("incorrect", client(s.url).mark_incorrect("dec_1")["status"])
            self.assertEqual(2, len(s.requests))

    def test_retries_run_out_and_the_last_error_is_raised(self):
        with ScriptedServer(lambda *r: json_response(503, {"detail": "The chain head kept moving",
                                                           "code": "conflict_retry_exhausted"},
                                                     **{"Retry-After": "0"})) as s:
            with self.assertRaises(LoopGridAPIError) as e:
                client(s.url, retries=2).health()
            self.assertEqual(503, e.exception.status_code)
            self.assertEqual("conflict_retry_exhausted", e.exception.code)
            self.assertEqual(3, len(s.requests))

    def test_errors_that_are_not_json_keep_their_text(self):
        with ScriptedServer(lambda *r: (502, {"Content-Type": "text/html"}, "<html>Bad Gateway</html>")) as s:
            with self.assertRaises(LoopGridAPIError) as e:
                client(s.url, retries=0).health()
            self.assertEqual(502, e.exception.status_code)
            self.assertEqual("<html>Bad Gateway</html>", e.exception.detail)
            self.assertIsNone(e.exception.code)

    def test_a_success_that_is_not_json_is_a_loopgrid_error(self):
        with ScriptedServer(lambda *r: (200, {"Content-Type": "text/plain"}, "hello")) as s:
            with self.assertRaises(LoopGridError) as e:
                client(s.url).health()
            self.assertIn("not a JSON object", str(e.exception))

    def test_auth_errors_401_and_403_are_api_errors_and_are_not_retried(self):
        refused = json_response(401, {"detail": "Invalid API key: unknown key", "code": "unauthorized"},
                                **{"WWW-Authenticate": 'Bearer realm="loopgrid"'})
        with ScriptedServer(lambda *r: refused) as s:
            with self.assertRaises(LoopGridAPIError) as e:
                LoopGrid(base_url=s.url, api_key="lg_wrong", max_retries=3).verify_integrity()
            self.assertEqual(401, e.exception.status_code)
            self.assertEqual("unauthorized", e.exception.code)
            self.assertEqual("Invalid API key: unknown key", e.exception.detail)
            self.assertEqual(1, len(s.requests))
            self.assertEqual("Bearer lg_wrong", s.requests[0]["headers"]["authorization"])
        forbidden = json_response(403, {"detail": "API key role writer may not verify integrity, build compliance "
                                                  "reports or export; roles that may: auditor, admin",
                                        "code": "forbidden"})
        with ScriptedServer(lambda *r: forbidden) as s:
            with self.assertRaises(LoopGridAPIError) as e:
                client(s.url).verify_integrity()
            self.assertEqual(403, e.exception.status_code)
            self.assertEqual("forbidden", e.exception.code)
            self.assertTrue(e.exception.detail.startswith("API key role writer may not verify integrity"))
            self.assertEqual(1, len(s.requests))
        # API Gateway's own 401 has a message and no code
        with ScriptedServer(lambda *r: json_response(401, {"message": "Unauthorized"})) as s:
            with self.assertRaises(LoopGridAPIError) as e:
                client(s.url).health()
            self.assertEqual(401, e.exception.status_code)
            self.assertIsNone(e.exception.code)
            self.assertEqual("Unauthorized", e.exception.detail)

    def test_throttled_429_is_retried_then_raised_with_status_code_and_detail(self):
        throttled = json_response(429, {"detail": "Too many requests for tenant acme", "code": "throttled"},
                                  **{"Retry-After": "0"})
        with ScriptedServer(lambda *r: throttled) as s:
            with self.assertRaises(LoopGridAPIError) as e:
                client(s.url, retries=2).health()
            self.assertEqual(429, e.exception.status_code)
            self.assertEqual("throttled", e.exception.code)
            self.assertEqual("Too many requests for tenant acme", e.exception.detail)
            self.assertEqual(3, len(s.requests))

    def test_api_key_and_encoding(self):
        body = {"integrity": {"valid": True, "total": 0, "broken_at": None, "message": "ok"}, "service_filter": "a b&c"}
        with ScriptedServer(lambda *r: json_response(200, body)) as s:
            LoopGrid(base_url=s.url, api_key="k-123").verify_integrity(service_name="a b&c")
            self.assertEqual("Bearer k-123", s.requests[0]["headers"]["authorization"])
            self.assertEqual("/v1/integrity/verify?service_name=a%20b%26c", s.requests[0]["path"])
            self.assertTrue(s.requests[0]["headers"]["user-agent"].startswith("loopgrid-python/"))


if __name__ == "__main__":
    unittest.main()

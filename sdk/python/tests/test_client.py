"""Every method of the client against the local stack (replays run in simulation: no provider key)."""

import unittest
import uuid
from datetime import datetime, timedelta, timezone

from loopgrid import CLIENT, LoopGrid, LoopGridAPIError, LoopGridError, __version__
from tests.support import stack_url


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.service = "py-sdk-" + uuid.uuid4().hex[:8]
        cls.grid = LoopGrid(base_url=stack_url(), service_name=cls.service)

    def record(self, response="Your account looks fine.", **extra):
        return self.grid.record_decision(
            decision_type="customer_support_reply",
            input={"message": "I was charged twice"},
            model={"provider": "openai", "name": "gpt-4"},
            output={"response": response},
            **extra,
        )

    def test_health(self):
        h = self.grid.health()
        self.assertEqual("healthy", h["status"])
        self.assertEqual("loopgrid", h["service"])

    def test_defaults_and_repr_are_v01s(self):
        g = LoopGrid()
        self.assertEqual("http://localhost:8000", g.base_url)
        self.assertEqual("default", g.service_name)
        self.assertEqual(30, g.timeout)
        self.assertEqual("LoopGrid(base_url='http://localhost:8000', service_name='default')", repr(g))
        self.assertEqual("0.2.0", __version__)
        self.assertNotIn("secret", repr(LoopGrid(api_key="secret")))
        with self.assertRaises(ValueError):
            LoopGrid(base_url="localhost:8000")

    def test_record_and_get(self):
        d = self.record(prompt={"template": "support_v1"}, tool_calls=[{"name": "lookup", "arguments": {"id": 7}}],
                        metadata={"latency_ms": 1240})
        self.assertTrue(d["decision_id"].startswith("dec_"))
        self.assertEqual(self.service, d["service_name"])
        self.assertEqual("recorded", d["status"])
        self.assertRegex(d["content_hash"], "^[0-9a-f]{64}$")
        self.assertRegex(d["chain_hash"], "^[0-9a-f]{64}$")
        self.assertEqual({"template": "support_v1"}, d["prompt"])
        self.assertEqual("lookup", d["tool_calls"][0]["name"])
        self.assertEqual(d, self.grid.get_decision(d["decision_id"]))

    def test_record_with_the_same_idempotency_key_returns_the_original(self):
        key = "k-" + uuid.uuid4().hex
        first = self.record(idempotency_key=key)
        again = self.record(idempotency_key=key)
        self.assertEqual(first["decision_id"], again["decision_id"])
        with self.assertRaises(LoopGridAPIError) as e:
            self.record(response="something else", idempotency_key=key)
        self.assertEqual(409, e.exception.status_code)

    def test_record_under_another_service(self):
        other = self.service + "-other"
        d = self.record(service_name=other)
        self.assertEqual(other, d["service_name"])

    def test_list_pages_and_iterates(self):
        service = self.service + "-list"
        g = LoopGrid(base_url=stack_url(), service_name=service)
        ids = [g.record_decision("list", {"i": i}, {"provider": "openai", "name": "gpt-4"}, {"response": str(i)})
               ["decision_id"] for i in range(5)][::-1]
        page = g.list_decisions(service_name=service, page_size=2)
        self.assertEqual(5, page["total"])
        self.assertEqual(ids[:2], [d["decision_id"] for d in page["decisions"]])
        self.assertTrue(page["has_more"])
        second = g.list_decisions(service_name=service, page_size=2, cursor=page["next_cursor"])
        self.assertEqual(ids[2:4], [d["decision_id"] for d in second["decisions"]])
        third = g.list_decisions(service_name=service, page=3, page_size=2)
        self.assertEqual(ids[4:], [d["decision_id"] for d in third["decisions"]])
        self.assertEqual(ids, [d["decision_id"] for d in g.iter_decisions(service_name=service, page_size=2)])
        self.assertEqual(5, g.list_decisions(service_name=service, decision_type="list", status="recorded")["total"])
        future = datetime.now(timezone.utc) + timedelta(hours=1)
        self.assertEqual(0, g.list_decisions(service_name=service, since=future)["total"])
        self.assertEqual(5, g.list_decisions(service_name=service, until=future.isoformat())["total"])

    def test_mark_incorrect_then_attach_correction(self):
        d = self.record()
        flagged = self.grid.mark_incorrect(d["decision_id"], reason="Missed billing issue")
        self.assertEqual("incorrect", flagged["status"])
        self.assertEqual("Missed billing issue", flagged["incorrect_reason"])
        self.assertEqual(d["content_hash"], flagged["content_hash"])
        corrected = self.grid.attach_correction(d["decision_id"], correction={"response": "Refund issued."},
                                                corrected_by="agent_42", notes="duplicate charge")
        self.assertEqual("corrected", corrected["status"])
        self.assertEqual({"response": "Refund issued."}, corrected["correction"]["output"])
        self.assertEqual("agent_42", corrected["correction"]["corrected_by"])
        self.assertEqual("incorrect", self.grid.mark_incorrect(self.record()["decision_id"])["status"])

    def test_confirm_then_a_later_flag_wins_and_confirming_it_again_is_409(self):
        d = self.record(metadata={"latency_ms": 420, "tokens": {"input": 100, "output": 20}})
        confirmed = self.grid.confirm_decision(d["decision_id"], confirmed_by="rev_1", notes="checked billing")
        self.assertEqual("confirmed", confirmed["status"])
        self.assertEqual("rev_1", confirmed["confirmation"]["confirmed_by"])
        self.assertEqual("checked billing", confirmed["confirmation"]["notes"])
        self.assertEqual("incorrect", self.grid.mark_incorrect(d["decision_id"], reason="no")["status"])
        with self.assertRaises(LoopGridAPIError) as e:
            self.grid.confirm_decision(d["decision_id"], confirmed_by="rev_1")
        self.assertEqual(409, e.exception.status_code)
        self.assertEqual("verdict_superseded", e.exception.code)

    def test_stats_count_this_service(self):
        g = LoopGrid(base_url=stack_url(), service_name="py-stats-" + uuid.uuid4().hex[:8])
        a = g.record_decision("t", input={}, model={"provider": "openai", "name": "gpt-4"}, output={"r": 1},
                              metadata={"latency_ms": 250, "tokens": {"input": 10, "output": 5}})
        g.record_decision("t", input={}, model={"provider": "openai", "name": "gpt-4"}, output={"r": 2})
        g.confirm_decision(a["decision_id"], confirmed_by="rev")
        s = g.stats(service_name=g.service_name)
        self.assertEqual(2, s["decisions"])
        self.assertEqual(1, s["confirmed"])
        self.assertEqual(100.0, s["accuracy_percent"])
        self.assertEqual(50.0, s["review_coverage_percent"])
        m = s["models"][0]
        self.assertEqual("openai/gpt-4", m["model"])
        self.assertEqual(1, m["latency_ms"]["decisions"])
        self.assertEqual(10, m["tokens"]["input"])
        self.assertEqual(1, s["time_to_verdict"]["decisions"])

    def test_a_decisions_replays_are_listed_oldest_first(self):
        d = self.record()
        first = self.grid.create_replay(d["decision_id"])
        second = self.grid.create_replay(d["decision_id"], overrides={"prompt": {"text": "again"}})
        page = self.grid.list_decision_replays(d["decision_id"], page_size=1)
        self.assertEqual([first["replay_id"]], [r["replay_id"] for r in page["replays"]])
        self.assertTrue(page["has_more"])
        self.assertEqual([first["replay_id"], second["replay_id"]],
                         [r["replay_id"] for r in self.grid.iter_decision_replays(d["decision_id"], page_size=1)])
        with self.assertRaises(LoopGridAPIError) as e:
            self.grid.list_decision_replays("dec_unknown")
        self.assertEqual(404, e.exception.status_code)

    def test_replay_wait_get_compare(self):
        d = self.record()
        pending = self.grid.create_replay(d["decision_id"], triggered_by="py-test")
        self.assertTrue(pending["replay_id"].startswith("rep_"))
        self.assertEqual("py-test", pending["triggered_by"])
        done = self.grid.wait_for_replay(pending["replay_id"], timeout=30)
        self.assertEqual("completed", done["execution_status"])
        self.assertFalse(done["output_changed"])

        improved = self.grid.create_replay(d["decision_id"], overrides={"prompt": {"text": "Check billing first."}},
                                           wait=30)
        self.assertEqual("completed", improved["execution_status"])
        self.assertEqual("simulated", improved["execution_mode"])
        self.assertTrue(improved["output_changed"])
        self.assertEqual(improved["replay_id"], self.grid.get_replay(improved["replay_id"])["replay_id"])
        cmp = self.grid.compare(d["decision_id"], improved["replay_id"])
        self.assertEqual({"response": "Your account looks fine."}, cmp["original_output"])
        self.assertTrue(cmp["output_changed"])
        self.assertEqual("/response", cmp["diff"][0]["path"])

    def test_a_replay_says_the_python_sdk_triggered_it(self):
        d = self.record()
        self.assertEqual("sdk-python/" + __version__, CLIENT)
        self.assertEqual(CLIENT, self.grid.create_replay(d["decision_id"])["triggered_by"])

    def test_compliance_report_html(self):
        self.record()
        html = self.grid.compliance_report_html(service_name=self.service)
        self.assertIn("LoopGrid Compliance Report", html)
        self.assertIn(self.service, html)
        self.assertIn("</html>", self.grid.compliance_report_html())

    def test_exports_json_pages_csv_and_ground_truth(self):
        service = self.service + "-export"
        g = LoopGrid(base_url=stack_url(), service_name=service)
        ids = [g.record_decision("export", {"i": i}, {"provider": "openai", "name": "gpt-4"}, {"response": str(i)})
               ["decision_id"] for i in range(3)]
        g.attach_correction(ids[1], correction={"response": "fixed"}, corrected_by="agent_7", notes="wrong total")

        first = g.export_decisions(service_name=service, page_size=2)
        self.assertEqual(3, first["total"])
        self.assertEqual(2, len(first["decisions"]))
        self.assertTrue(first["has_more"])
        self.assertEqual(sorted(ids), sorted(d["decision_id"] for d in g.iter_export(service, page_size=2)))
        self.assertEqual([ids[1]], [d["decision_id"] for d in g.export_decisions(service, "corrected")["decisions"]])

        csv_text = g.export_decisions_csv(service_name=service)
        lines = csv_text.strip().splitlines()
        self.assertTrue(lines[0].startswith("decision_id,created_at,service_name,decision_type,status,content_hash"))
        self.assertEqual(4, len(lines), csv_text)
        for i in ids:
            self.assertIn(i, csv_text)
        self.assertEqual(2, len(g.export_decisions_csv(service, status="corrected").strip().splitlines()))

        truth = g.export_ground_truth(service_name=service)
        self.assertEqual(1, len(truth))
        self.assertEqual(ids[1], truth[0]["decision_id"])
        self.assertEqual({"response": "fixed"}, truth[0]["correction"])
        self.assertEqual("agent_7", truth[0]["corrected_by"])
        self.assertRegex(truth[0]["decision_entry"]["chain_hash"], "^[0-9a-f]{64}$")

    def test_api_keys_create_list_revoke(self):
        # the local stack runs open: its caller may manage the tenant's keys
        name = "py-sdk-" + uuid.uuid4().hex
        created = self.grid.create_api_key("auditor", name=name)
        self.assertRegex(created["api_key"], r"^lg_[A-Za-z0-9_-]{43}$")
        self.assertEqual("auditor", created["role"])
        self.assertEqual(name, created["name"])
        self.assertFalse(created["revoked"])
        listed = [k for k in self.grid.list_api_keys()["keys"] if k["key_id"] == created["key_id"]]
        self.assertEqual(1, len(listed))
        self.assertNotIn("api_key", listed[0])
        revoked = self.grid.revoke_api_key(created["key_id"])
        self.assertTrue(revoked["revoked"])
        self.assertIsNotNone(revoked["revoked_at"])
        self.assertTrue(self.grid.revoke_api_key(created["key_id"])["revoked"])
        with self.assertRaises(LoopGridAPIError) as e:
            self.grid.revoke_api_key("key_AAAAAAAAAAAAAAAA")
        self.assertEqual((404, "key_not_found"), (e.exception.status_code, e.exception.code))
        with self.assertRaises(LoopGridAPIError) as e:
            self.grid.create_api_key("owner")
        self.assertEqual(422, e.exception.status_code)
        with self.assertRaises(ValueError):
            self.grid.create_api_key(" ")

    def test_verify_integrity(self):
        self.record()
        everything = self.grid.verify_integrity()
        self.assertTrue(everything["integrity"]["valid"], everything)
        self.assertIsNone(everything["service_filter"])
        mine = self.grid.verify_integrity(service_name=self.service)
        self.assertTrue(mine["integrity"]["valid"])
        self.assertEqual(self.service, mine["service_filter"])

    def test_compliance_report(self):
        self.record()
        try:
            report = self.grid.compliance_report(service_name=self.service)
        except LoopGridAPIError as e:
            # a server without the endpoint yet answers 404 route_not_found
            self.assertEqual(404, e.status_code)
            self.assertEqual("route_not_found", e.code)
            return
        self.assertEqual("EU AI Act Compliance Assessment", report["report_type"])
        self.assertEqual(self.service, report["service_filter"])
        self.assertGreaterEqual(report["summary"]["total"], 1)
        self.assertIn("article_12_record_keeping", report["eu_ai_act_mapping"])

    def test_errors_map_to_api_errors_with_the_detail(self):
        with self.assertRaises(LoopGridAPIError) as e:
            self.grid.get_decision("dec_x")
        self.assertEqual(404, e.exception.status_code)
        self.assertEqual("Decision dec_x not found", e.exception.detail)
        self.assertEqual("decision_not_found", e.exception.code)
        self.assertEqual("API Error 404: Decision dec_x not found", str(e.exception))
        self.assertIsInstance(e.exception, LoopGridError)

        with self.assertRaises(LoopGridAPIError) as e:
            self.grid.record_decision("t", input=[1], model={"provider": "openai", "name": "gpt-4"}, output={})
        self.assertEqual(422, e.exception.status_code)
        self.assertEqual("validation_failed", e.exception.code)
        self.assertEqual("input", e.exception.errors[0]["field"])

        for call in (lambda: self.grid.get_replay("rep_x"), lambda: self.grid.mark_incorrect("dec_x"),
                     lambda: self.grid.attach_correction("dec_x", {"r": 1}, "a"),
                     lambda: self.grid.create_replay("dec_x"), lambda: self.grid.get_decision("a/b c?d")):
            with self.assertRaises(LoopGridAPIError) as e:
                call()
            self.assertEqual(404, e.exception.status_code)
        with self.assertRaises(LoopGridAPIError) as e:
            self.grid.list_decisions(page_size=1000)
        self.assertEqual(400, e.exception.status_code)


if __name__ == "__main__":
    unittest.main()

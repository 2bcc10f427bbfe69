"""Data subjects, erasure, legal holds and the retention floor, against scripted servers."""

import json
import unittest

from loopgrid import CLIENT, LoopGrid, LoopGridAPIError
from tests.support import DECISION, ScriptedServer, json_response

ERASED = {"subject_id": "user-42", "status": "erased", "erased": True, "erased_at": "2026-11-24T10:00:00Z",
          "reason": "GDPR Art. 17 request", "request_ref": "DSR-1042", "key_id": "dk_1", "erasure_sequence": 7,
          "complete": False, "complete_after": "2026-12-29T10:00:00Z", "detail": "erased"}
SCHEDULED = {"subject_id": "user-42", "status": "scheduled", "erased": False, "run_at": "2027-05-23T11:00:00Z"}
HOLD = {"hold_id": "hld_1", "scope": "subject", "target": "user-42", "subject_id": "user-42", "reason": "incident",
        "case_ref": "CASE-7", "placed_by": "legal", "placed_at": "2026-11-24T09:00:00Z", "sequence": 3,
        "released": False}


def client(url):
    return LoopGrid(base_url=url, service_name="s", api_key="lg_k", max_retries=0)


class LifecycleTest(unittest.TestCase):
    def test_record_sends_the_subject_id_and_reads_it_back(self):
        with ScriptedServer(lambda *r: json_response(201, dict(DECISION, subject_id="user-42"))) as s:
            d = client(s.url).record_decision("t", {"m": 1}, {"provider": "openai", "name": "gpt-4"}, {"r": 2},
                                              subject_id="user-42")
            self.assertEqual("user-42", d["subject_id"])
            self.assertEqual(("POST", "/v1/decisions"), (s.requests[0]["method"], s.requests[0]["path"]))
            self.assertEqual("user-42", json.loads(s.requests[0]["body"])["subject_id"])

    def test_record_without_a_subject_sends_none(self):
        with ScriptedServer(lambda *r: json_response(201, DECISION)) as s:
            client(s.url).record_decision("t", {}, {"provider": "openai", "name": "gpt-4"}, {})
            self.assertNotIn("subject_id", json.loads(s.requests[0]["body"]))

    def test_an_erased_decision_parses_without_content(self):
        erased = {k: v for k, v in DECISION.items() if k not in ("input", "output")}
        erased.update(subject_id="user-42", erased=True, erased_at="2026-11-24T10:00:00Z",
                      erasure_reason="GDPR Art. 17 request")
        with ScriptedServer(lambda *r: json_response(200, erased)) as s:
            d = client(s.url).get_decision("dec_1")
            self.assertTrue(d["erased"])
            self.assertEqual("2026-11-24T10:00:00Z", d["erased_at"])
            self.assertEqual("GDPR Art. 17 request", d["erasure_reason"])
            self.assertNotIn("input", d)
            self.assertNotIn("output", d)

    def test_erase_subject_now(self):
        with ScriptedServer(lambda *r: json_response(200, ERASED)) as s:
            e = client(s.url).erase_subject("user 42/x", reason="GDPR Art. 17 request", request_ref="DSR-1042",
                                            legal_basis="Art. 17(1)(a)", requested_by="dpo")
            r = s.requests[0]
            self.assertEqual(("POST", "/v1/subjects/user%2042%2Fx/erasure"), (r["method"], r["path"]))
            self.assertEqual({"reason": "GDPR Art. 17 request", "request_ref": "DSR-1042",
                              "legal_basis": "Art. 17(1)(a)", "requested_by": "dpo"}, json.loads(r["body"]))
            self.assertEqual(CLIENT, r["headers"]["x-loopgrid-client"])
            self.assertEqual("Bearer lg_k", r["headers"]["authorization"])
            self.assertFalse(e["scheduled"])
            self.assertTrue(e["erased"])
            self.assertEqual("erased", e["status"])
            self.assertEqual(7, e["erasure_sequence"])
            self.assertFalse(e["complete"])

    def test_erase_subject_scheduled_by_the_retention_floor(self):
        with ScriptedServer(lambda *r: json_response(202, SCHEDULED)) as s:
            e = client(s.url).erase_subject("user-42", request_ref="DSR-1042")
            self.assertEqual({"request_ref": "DSR-1042"}, json.loads(s.requests[0]["body"]))
            self.assertTrue(e["scheduled"])
            self.assertEqual("scheduled", e["status"])
            self.assertEqual("2027-05-23T11:00:00Z", e["run_at"])

    def test_erase_under_a_legal_hold_is_a_409_api_error(self):
        detail = "Data subject user-42 cannot be erased: legal hold hld_1 on subject user-42 (incident) is in place"
        with ScriptedServer(lambda *r: json_response(409, {"detail": detail, "code": "legal_hold"})) as s:
            with self.assertRaises(LoopGridAPIError) as e:
                client(s.url).erase_subject("user-42", reason="r")
            self.assertEqual(409, e.exception.status_code)
            self.assertEqual("legal_hold", e.exception.code)
            self.assertEqual(detail, e.exception.detail)
            self.assertEqual(1, len(s.requests))

    def test_erase_an_unknown_subject_is_a_404(self):
        body = {"detail": 'No decision names data subject "nobody"', "code": "subject_not_found"}
        with ScriptedServer(lambda *r: json_response(404, body)) as s:
            with self.assertRaises(LoopGridAPIError) as e:
                client(s.url).erase_subject("nobody", reason="r")
            self.assertEqual((404, "subject_not_found"), (e.exception.status_code, e.exception.code))

    def test_get_erasure(self):
        with ScriptedServer(lambda *r: json_response(200, dict(ERASED, complete=True))) as s:
            e = client(s.url).get_erasure("user-42")
            self.assertEqual(("GET", "/v1/subjects/user-42/erasure"), (s.requests[0]["method"], s.requests[0]["path"]))
            self.assertEqual("", s.requests[0]["body"])
            self.assertTrue(e["complete"])
            self.assertEqual("erased", e["status"])

    def test_place_hold(self):
        with ScriptedServer(lambda *r: json_response(201, HOLD)) as s:
            h = client(s.url).place_hold("subject", "user-42", "incident", case_ref="CASE-7", placed_by="legal")
            r = s.requests[0]
            self.assertEqual(("POST", "/v1/holds"), (r["method"], r["path"]))
            self.assertEqual({"scope": "subject", "target": "user-42", "reason": "incident", "case_ref": "CASE-7",
                              "placed_by": "legal"}, json.loads(r["body"]))
            self.assertEqual("hld_1", h["hold_id"])
            self.assertFalse(h["released"])

    def test_place_hold_is_not_resent_after_a_dropped_connection(self):
        with ScriptedServer(lambda *r: "drop") as s:
            with self.assertRaises(Exception):
                LoopGrid(base_url=s.url, max_retries=2, retry_backoff=0.01).place_hold("service", "s", "x")
            self.assertEqual(1, len(s.requests))

    def test_list_holds(self):
        with ScriptedServer(lambda *r: json_response(200, {"holds": [HOLD], "total": 1})) as s:
            holds = client(s.url).list_holds()
            self.assertEqual(("GET", "/v1/holds"), (s.requests[0]["method"], s.requests[0]["path"]))
            self.assertEqual(1, holds["total"])
            self.assertEqual("hld_1", holds["holds"][0]["hold_id"])

    def test_release_hold(self):
        with ScriptedServer(lambda *r: json_response(200, dict(HOLD, released=True))) as s:
            h = client(s.url).release_hold("hld_1", reason="case closed")
            self.assertEqual(("DELETE", "/v1/holds/hld_1?reason=case%20closed"),
                             (s.requests[0]["method"], s.requests[0]["path"]))
            self.assertTrue(h["released"])
            client(s.url).release_hold("hld_1")
            self.assertEqual("/v1/holds/hld_1", s.requests[1]["path"])

    def test_get_and_set_retention(self):
        with ScriptedServer(lambda m, *r: json_response(200, {"floor_days": 180 if m == "GET" else 365,
                                                              "default": m == "GET"})) as s:
            g = client(s.url)
            self.assertEqual({"floor_days": 180, "default": True}, g.get_retention())
            self.assertEqual({"floor_days": 365, "default": False}, g.set_retention(365))
            self.assertEqual(("GET", "/v1/retention"), (s.requests[0]["method"], s.requests[0]["path"]))
            self.assertEqual(("PUT", "/v1/retention"), (s.requests[1]["method"], s.requests[1]["path"]))
            self.assertEqual({"floor_days": 365}, json.loads(s.requests[1]["body"]))
            with self.assertRaises(ValueError):
                g.set_retention("365")

    def test_csv_export_raw(self):
        with ScriptedServer(lambda *r: (200, {"Content-Type": "text/csv"}, "decision_id\n")) as s:
            g = client(s.url)
            g.export_decisions_csv("svc", raw=True)
            g.export_decisions_csv("svc")
            self.assertEqual("/v1/export/decisions?service_name=svc&format=csv&raw=true", s.requests[0]["path"])
            self.assertEqual("/v1/export/decisions?service_name=svc&format=csv", s.requests[1]["path"])


if __name__ == "__main__":
    unittest.main()

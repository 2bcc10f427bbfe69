"""verify_receipt against the shared receipt fixtures (verify/src/test/resources/receipts/receipts.json: the same cases
the Java CLI, the Java SDK and the JavaScript SDK run), RFC 8785 number vectors, and the client's receipt calls
against a scripted server."""

import copy
import hashlib
import json
import unittest
from pathlib import Path

from loopgrid import LoopGrid, LoopGridAPIError, ReceiptError, verify_receipt
from loopgrid.receipts import canonical_json, envelope
from tests.support import ScriptedServer, json_response

FIXTURE = Path(__file__).resolve().parents[3] / "verify" / "src" / "test" / "resources" / "receipts" / "receipts.json"


def load():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


class ReceiptFixtureTest(unittest.TestCase):
    def test_every_case_gets_its_verdict(self):
        fixture = load()
        self.assertGreaterEqual(len(fixture["cases"]), 30)
        for case in fixture["cases"]:
            with self.subTest(case["name"]):
                run = lambda: verify_receipt(case["receipt"], case["key"], origin=case.get("origin"),
                                             decision=case.get("decision"))
                if case["expect"] == "valid":
                    proof = run()
                    self.assertEqual(fixture["origin"], proof.origin)
                    self.assertEqual(case["receipt"]["tree_size"], proof.tree_size)
                    self.assertEqual(case["receipt"]["leaf_index"], proof.leaf_index)
                else:
                    with self.assertRaises(ReceiptError) as e:
                        run()
                    self.assertEqual(case["expect"], e.exception.check, str(e.exception))

    def test_a_receipt_as_json_text_and_the_key_with_a_newline(self):
        fixture = load()
        valid = fixture["cases"][0]
        proof = verify_receipt(json.dumps(valid["receipt"]), fixture["vkey"] + "\n")
        self.assertEqual(5, proof.leaf_index)
        with self.assertRaises(ReceiptError) as e:
            verify_receipt("not json", fixture["vkey"])
        self.assertEqual("malformed", e.exception.check)

    def test_the_envelope_is_the_proofs_leaf_data(self):
        r = load()["cases"][0]["receipt"]
        self.assertEqual(hashlib.sha256(envelope(r["entry"])).hexdigest(), r["entry"]["chain_hash"])

    def test_the_decisions_content_hash_is_recomputed(self):
        d = load()["decision"]
        content = {m: d.get(m) for m in ("service_name", "decision_type", "input", "model", "output", "prompt",
                                         "tool_calls", "metadata")}
        self.assertEqual(d["content_hash"], hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest())
        changed = copy.deepcopy(d)
        changed["input"]["amount"] = 12.51
        case = load()["cases"][0]
        with self.assertRaises(ReceiptError) as e:
            verify_receipt(case["receipt"], case["key"], decision=changed)
        self.assertEqual("decision", e.exception.check)


class CanonicalJsonTest(unittest.TestCase):
    def test_numbers_print_as_ecmascript_does(self):
        # RFC 8785 appendix B and the ECMAScript Number::toString boundaries
        vectors = {0.0: "0", -0.0: "0", 1.0: "1", -1.0: "-1", 12.5: "12.5", 0.1: "0.1", 1e21: "1e+21", 1e20: "100000000000000000000",
                   1e-7: "1e-7", 1e-6: "0.000001", 1.5e-6: "0.0000015", 123456789012345680000.0: "123456789012345680000",
                   5e-324: "5e-324", 1.7976931348623157e308: "1.7976931348623157e+308", 9007199254740992: "9007199254740992",
                   333333333.33333329: "333333333.3333333", 1e23: "1e+23", 4.35: "4.35", 0.002: "0.002",
                   295147905179352830000.0: "295147905179352830000", 1.2e-7: "1.2e-7", 100: "100"}
        for value, text in vectors.items():
            with self.subTest(value):
                self.assertEqual(text, canonical_json(value))

    def test_strings_and_member_order(self):
        self.assertEqual('{"\\u0001":"\\b\\t\\n\\f\\r\\"\\\\/","a":[true,false,null],"é":"\u2028😀"}',
                         canonical_json({"é": "\u2028😀", "a": [True, False, None], "\u0001": "\b\t\n\f\r\"\\/"}))
        # UTF-16 code unit order: U+FFFD sorts after a surrogate pair (U+1F600 is D83D DE00)
        self.assertEqual('{"😀":1,"\ufffd":2}', canonical_json({"\ufffd": 2, "😀": 1}))
        with self.assertRaises(ValueError):
            canonical_json("\ud800")


class ClientReceiptTest(unittest.TestCase):
    def test_receipt_returns_the_receipt_or_none_while_pending(self):
        receipt = load()["cases"][0]["receipt"]
        answers = [(202, {"Retry-After": "1"}, json.dumps({"status": "pending"})), json_response(200, receipt)]
        with ScriptedServer(lambda *r: answers.pop(0)) as s:
            grid = LoopGrid(base_url=s.url, api_key="lg_k")
            self.assertIsNone(grid.receipt("dec_1"))
            self.assertEqual(receipt, grid.receipt("dec_1", wait=5))
            self.assertEqual("/v1/decisions/dec_1/receipt", s.requests[0]["path"])
            self.assertEqual("/v1/decisions/dec_1/receipt?wait=5", s.requests[1]["path"])
            self.assertEqual("Bearer lg_k", s.requests[1]["headers"]["authorization"])

    def test_entry_receipt_by_chain_and_sequence(self):
        receipt = load()["cases"][1]["receipt"]
        with ScriptedServer(lambda *r: json_response(200, receipt)) as s:
            grid = LoopGrid(base_url=s.url)
            got = grid.entry_receipt("svc 1/a", 4, wait=60)
            self.assertEqual("/v1/entries/svc%201%2Fa/4/receipt?wait=20", s.requests[0]["path"])
            fixture = load()
            verify_receipt(got, fixture["vkey"])
            with self.assertRaises(ValueError):
                grid.entry_receipt("svc", 0)

    def test_an_unknown_decision_is_a_404(self):
        with ScriptedServer(lambda *r: json_response(404, {"code": "not_found", "detail": "no such decision"})) as s:
            with self.assertRaises(LoopGridAPIError) as e:
                LoopGrid(base_url=s.url, max_retries=0).receipt("dec_nope")
            self.assertEqual(404, e.exception.status_code)

    def test_log_key_is_read_as_text(self):
        vkey = load()["vkey"]
        with ScriptedServer(lambda *r: (200, {"Content-Type": "text/plain"}, vkey + "\n")) as s:
            self.assertEqual(vkey, LoopGrid(base_url=s.url).log_key())
            self.assertEqual("/v1/log/key", s.requests[0]["path"])


if __name__ == "__main__":
    unittest.main()

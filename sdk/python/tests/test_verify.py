"""loopgrid.verify against the Java module's fixture files (verify/src/test/resources/vectors): the same known
answers, tamper fixtures and notes, so the three implementations agree. No server needed."""

import base64
import json
import random
import unittest
from pathlib import Path

from loopgrid.verify import (
    Checkpoint,
    Note,
    NoteVerifier,
    VerificationError,
    consistency_proof_length,
    ed25519_verify,
    empty_root,
    inclusion_proof_length,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_cosignature,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[3] / "verify" / "src" / "test" / "resources" / "vectors"


def load(relative):
    return json.loads((VECTORS / relative).read_text(encoding="utf-8"))


def hx(values):
    return [bytes.fromhex(v) for v in (values or [])]


def mth(leaves):
    """MTH straight from RFC 9162 2.1.1."""
    if not leaves:
        return empty_root()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m, leaves):
    """PATH(m, D[n]) of RFC 9162 2.1.3.1, leaf's sibling first."""
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m, leaves, b):
    """SUBPROOF(m, D[n], b) of RFC 9162 2.1.4.1."""
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return subproof(m, leaves[:k], b) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def flip(h, bit):
    b = bytearray(h)
    b[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(b)


class MerkleVectorsTest(unittest.TestCase):
    def test_hashing_known_answers(self):
        for v in load("merkle/hashing.json")["vectors"]:
            got = {
                "empty": lambda: empty_root(),
                "leaf": lambda: leaf_hash(bytes.fromhex(v.get("data", ""))),
                "node": lambda: node_hash(bytes.fromhex(v.get("left", "")), bytes.fromhex(v.get("right", ""))),
            }[v["kind"]]()
            self.assertEqual(v["hash"], got.hex(), v["recompute"])

    def test_reference_tree_roots(self):
        tree = load("merkle/reference-tree.json")
        leaves = [leaf_hash(bytes.fromhex(x)) for x in tree["leaves"]]
        for n, root in enumerate(tree["roots"]):
            self.assertEqual(root, mth(leaves[:n]).hex(), f"size {n}")

    def test_inclusion_vectors(self):
        doc = load("merkle/inclusion.json")
        self.assertGreater(len(doc["vectors"]), 90)
        for v in doc["vectors"]:
            with self.subTest(v["name"]):
                args = (v["leafIndex"], v["treeSize"], bytes.fromhex(v["leafHash"]), hx(v["proof"]), bytes.fromhex(v["root"]))
                if v["valid"]:
                    verify_inclusion(*args)
                else:
                    self.assertRaises(VerificationError, verify_inclusion, *args)

    def test_consistency_vectors(self):
        doc = load("merkle/consistency.json")
        self.assertGreater(len(doc["vectors"]), 90)
        for v in doc["vectors"]:
            with self.subTest(v["name"]):
                args = (v["size1"], v["size2"], hx(v["proof"]), bytes.fromhex(v["root1"]), bytes.fromhex(v["root2"]))
                if v["valid"]:
                    verify_consistency(*args)
                else:
                    with self.assertRaises(VerificationError) as e:
                        verify_consistency(*args)
                    if v.get("upstreamValid"):
                        self.assertEqual("BAD_HASH_LENGTH", e.exception.reason)

    def test_tamper_fixtures_fail_for_their_reason(self):
        files = sorted((VECTORS / "merkle-tamper").glob("*.json"))
        self.assertGreater(len(files), 20)
        for f in files:
            v = json.loads(f.read_text())
            with self.subTest(f.name):
                if "inclusion" in v["type"]:
                    run = lambda: verify_inclusion(v["leafIndex"], v["treeSize"], bytes.fromhex(v["leafHash"]),
                                                   hx(v["proof"]), bytes.fromhex(v["root"]))
                else:
                    run = lambda: verify_consistency(v["size1"], v["size2"], hx(v["proof"]),
                                                     bytes.fromhex(v["root1"]), bytes.fromhex(v["root2"]))
                if v["type"].startswith("ok-"):
                    run()
                else:
                    with self.assertRaises(VerificationError) as e:
                        run()
                    self.assertEqual(v["expect"], e.exception.reason, str(e.exception))


class MerklePropertyTest(unittest.TestCase):
    """Random trees up to 200 leaves (the Java module goes to 2,000): proofs from the RFC's recursive definitions
    verify, have the exact length, and a flipped bit in a proof hash, a root, the leaf or the index fails."""

    def test_random_trees(self):
        seed = random.randrange(2**32)
        rnd = random.Random(seed)
        leaves = [leaf_hash(rnd.randbytes(rnd.randrange(1, 40))) for _ in range(200)]
        for size in sorted({1, 2, 3, 7, 8, 9, 63, 64, 65, 127, 128, 129, 200} | {rnd.randrange(1, 201) for _ in range(8)}):
            tree = leaves[:size]
            root = mth(tree)
            for index in sorted({0, size - 1} | {rnd.randrange(size) for _ in range(4)}):
                proof = path(index, tree)
                at = f"leaf {index} of {size} (seed {seed})"
                self.assertEqual(inclusion_proof_length(index, size), len(proof), at)
                verify_inclusion(index, size, tree[index], proof, root)
                for e in range(len(proof)):
                    bad = list(proof)
                    bad[e] = flip(proof[e], rnd.randrange(256))
                    self.assertRaises(VerificationError, verify_inclusion, index, size, tree[index], bad, root)
                self.assertRaises(VerificationError, verify_inclusion, index, size, tree[index], proof, flip(root, rnd.randrange(256)))
                self.assertRaises(VerificationError, verify_inclusion, index, size, flip(tree[index], rnd.randrange(256)), proof, root)
                for bit in range(12):
                    self.assertRaises(VerificationError, verify_inclusion, index ^ (1 << bit), size, tree[index], proof, root)
                if index > 0:
                    cproof = subproof(index, tree, True)
                    self.assertEqual(consistency_proof_length(index, size), len(cproof), at)
                    root1 = mth(tree[:index])
                    verify_consistency(index, size, cproof, root1, root)
                    for e in range(len(cproof)):
                        bad = list(cproof)
                        bad[e] = flip(cproof[e], rnd.randrange(256))
                        self.assertRaises(VerificationError, verify_consistency, index, size, bad, root1, root)
                    self.assertRaises(VerificationError, verify_consistency, index, size, cproof, flip(root1, 0), root)


class Ed25519Test(unittest.TestCase):
    def test_rfc8032_vectors(self):
        for v in load("ed25519/rfc8032.json")["vectors"]:
            pub, msg, sig = (bytes.fromhex(v[k]) for k in ("publicKey", "message", "signature"))
            self.assertTrue(ed25519_verify(pub, msg, sig), v["name"])
            for bit in (0, 255, 256, 511):
                self.assertFalse(ed25519_verify(pub, msg, flip(sig, bit)), f"{v['name']} bit {bit}")
            self.assertFalse(ed25519_verify(pub, msg + b"x", sig))


class NoteFixturesTest(unittest.TestCase):
    def test_every_note_fixture(self):
        files = sorted((VECTORS / "notes").glob("*.json"))
        self.assertGreater(len(files), 40)
        for f in files:
            with self.subTest(f.name):
                self.run_fixture(json.loads(f.read_text(encoding="utf-8")))

    def run_fixture(self, fx):
        expect = fx["expect"]

        def outcome(fn):
            if expect == "ok":
                return fn()
            with self.assertRaises(VerificationError) as e:
                fn()
            self.assertEqual(expect, e.exception.reason, str(e.exception))

        if fx["kind"] == "vkey":
            outcome(lambda: self.assertEqual(fx["vkeys"][0], NoteVerifier.parse(fx["vkeys"][0]).vkey()))
            return
        known = [NoteVerifier.parse(k) for k in fx["vkeys"]]
        note = base64.b64decode(fx["noteBase64"]) if "noteBase64" in fx else fx["note"].encode("utf-8")

        def note_check():
            v = Note.parse(note).verify(known)
            self.assertEqual(fx["text"], v.text)
            self.assertEqual(fx["verified"], [s.name for s in v.verified])
            self.assertEqual(fx.get("unknown", 0), len(v.unknown))

        def checkpoint_check():
            c = Checkpoint.open(note, fx["origin"], known[0])
            want = fx["checkpoint"]
            self.assertEqual((want["origin"], want["size"], want["root"], want["extensions"]),
                             (c.origin, c.size, c.root_hash.hex(), c.extensions))
            self.assertEqual(Note.parse(note).text, c.text())

        def cosignature_check():
            timestamp = verify_cosignature(Note.parse(note), known[0])
            self.assertEqual(fx["timestamp"], timestamp)

        outcome({"note": note_check, "checkpoint": checkpoint_check, "cosignature": cosignature_check}[fx["kind"]])


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""Writes verify/src/test/resources/vectors/merkle-tamper/: one file per forged or malformed proof.

Each is derived from one of two valid originals (both transparency-dev/merkle happy paths over the RFC 6962
reference tree: inclusion of leaf 5 in the tree of 8, consistency 6 -> 8) by exactly one change, and names the
reason the verifier must give. The reasons are assigned here by hand, from the tree shape:
proof length = bitlen(index ^ (size-1)) + popcount(index >> that) for inclusion, and for consistency
(size1 not a power of two ? 1 : 0) + bitlen((size1-1) ^ (size2-1)) - ctz(size1) + popcount((size1-1) >> bitlen(...)).
Run: python3 verify/tools/make_merkle_tamper_fixtures.py
"""
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1] / "src/test/resources/vectors"
OUT = ROOT / "merkle-tamper"
TREE = json.loads((ROOT / "merkle/reference-tree.json").read_text())
R = TREE["roots"]  # R[n] = root of the first n leaves

INC = {"type": "ok-inclusion", "leafIndex": 5, "treeSize": 8,
       "leafHash": "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
       "proof": ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                 "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                 "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
       "root": R[8]}
CON = {"type": "ok-consistency", "size1": 6, "size2": 8,
       "proof": ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                 "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                 "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
       "root1": R[6], "root2": R[8]}


def flip(h, bit=0):
    b = bytearray.fromhex(h)
    b[bit // 8] ^= 0x80 >> (bit % 8)
    return b.hex()


def write(name, base, change, expect, why):
    v = dict(base)
    v.update(change)
    v["type"] = base["type"].replace("ok-", "")
    v["original"] = "ok-" + base["type"][3:] + ".json"
    v["expect"] = expect
    v["why"] = why
    (OUT / f"{name}.json").write_text(json.dumps(v, indent=1) + "\n")


def main():
    import hashlib
    OUT.mkdir(parents=True, exist_ok=True)
    leaf4 = hashlib.sha256(bytes.fromhex("00" + TREE["leaves"][4])).hexdigest()
    for base in (INC, CON):
        doc = dict(base)
        doc["why"] = "the untampered original (transparency-dev/merkle happy path); verifies"
        (OUT / f"ok-{base['type'][3:]}.json").write_text(json.dumps(doc, indent=1) + "\n")
    p = INC["proof"]
    write("inclusion-truncated-proof", INC, {"proof": p[:2]}, "WRONG_PROOF_LENGTH", "last proof hash dropped; 3 needed")
    write("inclusion-extra-proof-element", INC, {"proof": p + [p[2]]}, "WRONG_PROOF_LENGTH", "a 4th hash appended")
    write("inclusion-preceding-garbage", INC, {"proof": [R[8]] + p}, "WRONG_PROOF_LENGTH", "a hash prepended")
    write("inclusion-wrong-index", INC, {"leafIndex": 4}, "ROOT_MISMATCH", "index 4 needs 3 hashes too, in another order")
    write("inclusion-index-equals-size", INC, {"leafIndex": 8}, "INDEX_OUT_OF_RANGE", "index must be below size")
    write("inclusion-negative-index", INC, {"leafIndex": -1}, "INDEX_OUT_OF_RANGE", "negative index")
    write("inclusion-empty-tree", INC, {"treeSize": 0, "leafIndex": 0, "proof": []}, "INDEX_OUT_OF_RANGE", "nothing is in the empty tree")
    write("inclusion-wrong-size", INC, {"treeSize": 6}, "WRONG_PROOF_LENGTH", "leaf 5 of 6 has a 2-hash proof")
    write("inclusion-size-doubled", INC, {"treeSize": 16}, "WRONG_PROOF_LENGTH", "leaf 5 of 16 has a 4-hash proof")
    write("inclusion-wrong-leaf", INC, {"leafHash": leaf4}, "ROOT_MISMATCH", "the hash of leaf 4 instead of leaf 5")
    write("inclusion-wrong-root", INC, {"root": R[7]}, "ROOT_MISMATCH", "root of the tree of 7")
    write("inclusion-flipped-bit-in-proof", INC, {"proof": [flip(p[0])] + p[1:]}, "ROOT_MISMATCH", "first bit of proof[0] flipped")
    write("inclusion-flipped-bit-in-leaf", INC, {"leafHash": flip(INC["leafHash"], 255)}, "ROOT_MISMATCH", "last bit of the leaf hash flipped")
    write("inclusion-swapped-proof-elements", INC, {"proof": [p[1], p[0], p[2]]}, "ROOT_MISMATCH", "proof[0] and proof[1] swapped")
    write("inclusion-short-hash", INC, {"proof": [p[0][:62]] + p[1:]}, "BAD_HASH_LENGTH", "proof[0] is 31 bytes")
    c = CON["proof"]
    write("consistency-truncated-proof", CON, {"proof": c[:2]}, "WRONG_PROOF_LENGTH", "last proof hash dropped; 3 needed")
    write("consistency-extra-proof-element", CON, {"proof": c + [c[2]]}, "WRONG_PROOF_LENGTH", "a 4th hash appended")
    write("consistency-preceding-root1", CON, {"proof": [R[6]] + c}, "WRONG_PROOF_LENGTH", "root1 prepended (only for power-of-two size1 is it implied)")
    write("consistency-wrong-size1", CON, {"size1": 5}, "WRONG_PROOF_LENGTH", "5 -> 8 needs 4 hashes")
    write("consistency-size2-doubled", CON, {"size2": 16}, "WRONG_PROOF_LENGTH", "6 -> 16 needs 4 hashes")
    write("consistency-size1-greater-than-size2", CON, {"size1": 8, "size2": 6}, "BAD_TREE_SIZES", "size1 > size2")
    write("consistency-from-empty-tree", CON, {"size1": 0, "root1": R[0]}, "BAD_TREE_SIZES", "a proof from size 0 proves nothing")
    write("consistency-wrong-root1", CON, {"root1": R[5]}, "ROOT_MISMATCH", "root of the tree of 5 as root1")
    write("consistency-wrong-root2", CON, {"root2": R[7]}, "ROOT_MISMATCH", "root of the tree of 7 as root2")
    write("consistency-flipped-bit-in-proof", CON, {"proof": c[:1] + [flip(c[1], 7)] + c[2:]}, "ROOT_MISMATCH", "bit 7 of proof[1] flipped")
    write("consistency-swapped-proof-elements", CON, {"proof": [c[1], c[0], c[2]]}, "ROOT_MISMATCH", "proof[0] and proof[1] swapped")
    write("consistency-equal-sizes-with-proof", CON, {"size1": 8, "root1": R[8], "proof": c[:1]}, "WRONG_PROOF_LENGTH", "equal sizes need an empty proof")
    write("consistency-equal-sizes-different-roots", CON, {"size1": 8, "root1": R[7], "proof": []}, "ROOT_MISMATCH", "equal sizes need equal roots")
    write("consistency-short-hash", CON, {"root2": R[8][:62]}, "BAD_HASH_LENGTH", "root2 is 31 bytes")
    # Not a tamper the proof can detect: the size only shapes the walk, and some neighbouring sizes give the same walk.
    # What binds size to root is the signed checkpoint (see notes/checkpoint-modified-size.json).
    doc = dict(INC, type="ok-inclusion", treeSize=7, why="leaf 5's walk is the same in trees of 7 and 8, so this verifies: "
               "a proof alone does not bind the size; the signed checkpoint does")
    (OUT / "ok-inclusion-size-not-bound-by-proof.json").write_text(json.dumps(doc, indent=1) + "\n")
    doc = dict(CON, type="ok-consistency", size2=7, why="the 6 -> 8 walk equals the 6 -> 7 walk, so this verifies: "
               "a proof alone does not bind the sizes; the signed checkpoints do")
    (OUT / "ok-consistency-size-not-bound-by-proof.json").write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Re-express transparency-dev/merkle's inclusion and consistency test data as LoopGrid fixtures.

Usage: python3 convert_merkle_testdata.py <merkle checkout> <commit> <out dir>
  e.g. git clone https://github.com/transparency-dev/merkle /tmp/merkle
       python3 verify/tools/convert_merkle_testdata.py /tmp/merkle "$(git -C /tmp/merkle rev-parse HEAD)" \
           verify/src/test/resources/vectors/merkle

Reads testdata/{inclusion,consistency}/**.json (one probe per file: base64 hashes, "wantErr") and writes one
file per kind (inclusion.json, consistency.json) with hex hashes, our field names and "valid". Where our verifier
is deliberately stricter than upstream (every hash must be 32 bytes), the vector keeps upstream's verdict in
"upstreamValid" and says why in "note". Nothing else is computed here: the verdicts are upstream's.
"""
import base64
import json
import pathlib
import sys


def hexes(b64_list):
    return [base64.b64decode(x).hex() for x in (b64_list or [])]


def main(src, commit, out):
    src, out = pathlib.Path(src), pathlib.Path(out)
    for kind in ("inclusion", "consistency"):
        vectors = []
        for f in sorted((src / "testdata" / kind).rglob("*.json")):
            d = json.loads(f.read_text())
            name = str(f.relative_to(src / "testdata" / kind))[: -len(".json")]
            if kind == "inclusion":
                v = {"name": name, "leafIndex": d["leafIdx"], "treeSize": d["treeSize"],
                     "leafHash": base64.b64decode(d["leafHash"]).hex(), "proof": hexes(d["proof"]),
                     "root": base64.b64decode(d["root"]).hex()}
                hashes = [v["leafHash"], v["root"]] + v["proof"]
            else:
                v = {"name": name, "size1": d["size1"], "size2": d["size2"],
                     "root1": base64.b64decode(d["root1"]).hex(), "root2": base64.b64decode(d["root2"]).hex(),
                     "proof": hexes(d["proof"])}
                hashes = [v["root1"], v["root2"]] + v["proof"]
            v["valid"] = not d["wantErr"]
            if v["valid"] and any(len(h) != 64 for h in hashes):
                v["valid"] = False
                v["upstreamValid"] = True
                v["note"] = "stricter than upstream: a hash that is not 32 bytes is BAD_HASH_LENGTH even where sizes are equal"
            v["desc"] = d.get("desc", "")
            vectors.append(v)
        doc = {
            "source": f"https://github.com/transparency-dev/merkle/tree/{commit}/testdata/{kind} (Apache-2.0)",
            "howMade": "verify/tools/convert_merkle_testdata.py: base64 -> hex, one array, verdict = not wantErr",
            "tree": "valid vectors other than single-entry/* are over the RFC 6962 reference tree of reference-tree.json (sizes 1..8)",
            "vectors": vectors,
        }
        (out / f"{kind}.json").write_text(json.dumps(doc, indent=1) + "\n")
        print(kind, len(vectors), "vectors,", sum(v["valid"] for v in vectors), "valid,",
              sum("upstreamValid" in v for v in vectors), "stricter")


if __name__ == "__main__":
    main(*sys.argv[1:])

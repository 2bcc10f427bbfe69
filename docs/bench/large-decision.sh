#!/usr/bin/env bash
# Times recording and reading back large decisions against a running LoopGrid (default the local stack on
# 127.0.0.1:8123): N distinct decisions whose canonical content is BYTES long (default 5,200,000: just under the
# 5 MiB limit), with non-ASCII text and JSON escapes; each is read back and compared with what was sent, then the
# chain is verified. Timings are curl's time_total (client and server on the same machine). Needs curl, python3.
#   java -jar local/target/loopgrid-local.jar --in-memory --port 8123 &
#   N=8 docs/bench/large-decision.sh
set -euo pipefail
URL=${URL:-http://127.0.0.1:8123}; N=${N:-5}; BYTES=${BYTES:-5200000}; SVC=${SVC:-bench-large-$RANDOM}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT; cd "$dir"
for i in $(seq 1 "$N"); do
  python3 - "$SVC" "$i-$RANDOM" "$BYTES" > body.json <<'PY'
import json, sys
svc, tag, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
body = {"service_name": svc, "decision_type": "summary", "input": {"document": "Quartalsbericht Zürich #" + tag},
        "model": {"provider": "openai", "name": "gpt-4o"}, "output": {"response": ""}}
canon = lambda b: json.dumps({"prompt": None, "tool_calls": None, "metadata": None, **b}, sort_keys=True,
                             separators=(",", ":"), ensure_ascii=False).encode()
unit = "The refund was approved after review, naïve café — 日本 😀 \"quoted\" back\\slash\ttab\nline "
base, per = len(canon(body)), len(json.dumps(unit, ensure_ascii=False).encode()) - 2
body["output"]["response"] = unit * ((target - base) // per)
sys.stdout.write(json.dumps(body, ensure_ascii=False))
PY
  rec=$(curl -s -o rec.json -w '%{http_code} %{time_total}' -X POST "$URL/v1/decisions" \
        -H 'Content-Type: application/json' --data-binary @body.json)
  id=$(python3 -c 'import json; print(json.load(open("rec.json"))["decision_id"])')
  get=$(curl -s -o get.json -w '%{http_code} %{time_total}' "$URL/v1/decisions/$id")
  same=$(python3 -c 'import json; a = json.load(open("body.json")); b = json.load(open("get.json")); print(all(a[k] == b[k] for k in a))')
  echo "run $i: record $rec s, read $get s, identical=$same"
done
ver=$(curl -s -o ver.json -w '%{time_total}' "$URL/v1/integrity/verify?service_name=$SVC")
echo "verify ($N decisions, body $(wc -c < body.json) bytes): $ver s, valid total: $(python3 -c 'import json; i = json.load(open("ver.json"))["integrity"]; print(i["valid"], i["total"])')"

#!/bin/bash
# Instructions per pass-through request, under callgrind: deterministic whatever else runs on the
# machine (wall-clock CPU figures on the shared 2-core box move by ±15 %). One Sluice worker with
# the harness's config (examples/openai-compatible.yaml, access log on) in front of the harness's C
# mock (../shared/bench/src/mockllm.c, CHUNKS=50: 52-event streams); a Python client sends N
# requests over 4 keep-alive connections with the harness's payloads, after 200 uninstrumented
# warm-up requests of each kind. Prints instructions per stream and per JSON request (all threads
# of the gateway: worker and access-log writer).
#   bench/callgrind_passthrough.sh [BINARY] [N]        (default build/release/sluice, 2000; ~1 min)
# Hot spots: callgrind_annotate "$OUT"/cg.<pid>.1 (streams) or .2 (JSON); OUT=dir keeps the files.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-build/release/sluice}")
n=${2:-2000}
out=${OUT:-$(mktemp -d)}
port=${PORT:-18610}  # and the two after it: mock, admin (PORT=... for two runs side by side)
mock_port=$((port + 1)) admin_port=$((port + 2))
mkdir -p "$out"
pay=../shared/bench/payloads
cc -O2 -o "$out/mockllm" ../shared/bench/src/mockllm.c -lpthread
cat > "$out/drive.py" <<'PY'
import http.client, sys, threading
port, body_file, total = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
body = open(body_file, 'rb').read()
stream = b'"stream":true' in body
errors = []
def worker(count):
    c = http.client.HTTPConnection('127.0.0.1', port)
    for _ in range(count):
        c.request('POST', '/v1/chat/completions', body, {'content-type': 'application/json'})
        r = c.getresponse()
        data = r.read()
        ok = r.status == 200 and (data.rstrip().endswith(b'data: [DONE]') if stream else b'usage' in data)
        if not ok: errors.append((r.status, data[-200:]))
ts = [threading.Thread(target=worker, args=(total // 4,)) for _ in range(4)]
for t in ts: t.start()
for t in ts: t.join()
if errors: sys.exit(f'{len(errors)} bad answers, first: {errors[0]}')
PY
"$out/mockllm" -p $mock_port -n 50 >/dev/null 2>&1 &
mock=$!
UPSTREAM_URL=http://127.0.0.1:$mock_port valgrind --tool=callgrind --instr-atstart=no \
  --callgrind-out-file="$out/cg.%p" "$bin" --config examples/openai-compatible.yaml --workers 1 \
  --listen 127.0.0.1:$port --admin 127.0.0.1:$admin_port >"$out/access.log" 2>"$out/valgrind.log" &
vg=$!
trap 'kill $vg $mock 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -s -o /dev/null 127.0.0.1:$admin_port/healthz && break; sleep 0.2; done
python3 "$out/drive.py" $port $pay/chat_stream.json 200
python3 "$out/drive.py" $port $pay/chat.json 200
measure() {  # label payload
  callgrind_control -z $vg >/dev/null
  callgrind_control -i on $vg >/dev/null
  python3 "$out/drive.py" $port "$2" "$n"
  callgrind_control -i off $vg >/dev/null
  callgrind_control -d "$1" $vg >/dev/null
}
measure stream $pay/chat_stream.json
measure json $pay/chat.json
kill -INT $vg
wait $vg || true
for part in 1 2; do
  f="$out/cg.$vg.$part"
  label=$(grep -m1 '^desc: Trigger' "$f" | sed 's/.*dump //')
  total=$(grep -m1 '^totals:' "$f" | awk '{print $2}')
  echo "$label: $((total / n)) instructions per request ($total for $n)"
done
echo "profiles in $out"

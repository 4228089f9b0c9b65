#!/bin/bash
# Cost of the access log and of tracing on the hot path, through the real binary: the same
# OpenAI-dialect mock upstream and wrk set-up as translate_e2e.sh (one Sluice worker and the mock
# on core 1, wrk and the OTLP sink on core 0), with the gateway restarted per configuration:
# access log off/on (to a file) x tracing off/on (every request sampled, exported to a local
# OTLP/HTTP sink that discards the bodies). Metrics are always on; their share is measured sans-I/O
# by observability_bench. CPU µs/request of the gateway process (all its threads, the log writer
# and span exporter included) is read from /proc.
#   bench/observability_e2e.sh            (needs wrk, node and cc; ~2 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${SECS:-8}
CONNS=${CONNS:-32}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

cc -O2 -o "$work/mockllm" ../shared/bench/src/mockllm.c -lpthread
taskset -c 1 "$work/mockllm" -p 18421 -n 50 >/dev/null 2>&1 &
# The OTLP sink: accepts every batch, counts spans, keeps nothing.
cat > "$work/sink.mjs" <<'JS'
import http from 'node:http';
let spans = 0;
http.createServer((req, res) => {
  if (req.url === '/count') return res.end(String(spans));
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => { spans += (body.match(/"spanId"/g) || []).length; res.end('{}'); });
}).listen(18423, '127.0.0.1');
JS
taskset -c 0 node "$work/sink.mjs" &

q='What is the weather like in Paris today, and should I take an umbrella?'
echo '{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"'"$q"'"}],"max_tokens":256}' > "$work/openai.json"
sed 's/"max_tokens":256/"max_tokens":256,"stream":true/' "$work/openai.json" > "$work/openai_stream.json"
cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
local f = io.open(os.getenv("BODY"), "r"); wrk.body = f:read("*a"); f:close()
wrk.headers["Content-Type"] = "application/json"
LUA

start_gateway() {  # access_log tracing(yes|no)
  {
    echo 'listen: 127.0.0.1:18420'
    echo 'admin: 127.0.0.1:18422'
    echo 'workers: 1'
    echo "access_log: \"$1\""
    if [ "$2" = yes ]; then
      echo 'tracing: {otlp_endpoint: "http://127.0.0.1:18423", sample_ratio: 1.0}'
    fi
    echo 'providers:'
    echo '  - {name: mock, type: openai, base_url: "http://127.0.0.1:18421/v1"}'
    echo 'models:'
    echo '  - {name: m, provider: mock}'
  } > "$work/sluice.yaml"
  taskset -c 1 build/release/sluice --config "$work/sluice.yaml" 2>"$work/stderr" &
  gw=$!
  for _ in $(seq 50); do curl -sf http://127.0.0.1:18422/healthz >/dev/null && break; sleep 0.1; done
}

stop_gateway() {
  local dropped
  dropped=$(curl -s http://127.0.0.1:18422/metrics | awk '/^sluice_trace_spans_dropped_total/ {print $2}')
  [ -n "$dropped" ] && [ "$dropped" != 0 ] && echo "  (spans dropped: $dropped)"
  kill "$gw"; wait "$gw" 2>/dev/null || true
}

run() {  # label body
  local t0 t1 out n rps
  t0=$(awk '{print $14+$15}' /proc/$gw/stat)
  out=$(BODY="$work/$2" taskset -c 0 wrk -t1 -c"$CONNS" -d"${SECS}s" -s "$work/post.lua" "http://127.0.0.1:18420/v1/chat/completions")
  t1=$(awk '{print $14+$15}' /proc/$gw/stat)
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  printf '| %-44s | %9s | %8.1f |\n' "$1" "$rps" "$(echo "($t1-$t0)*10000/$n" | bc -l)"
}

echo "| Configuration (one worker, $CONNS connections, ${SECS}s) | req/s | CPU µs/request |"
echo "|---|---|---|"
for cfg in "off no" "$work/access.log no" "off yes" "$work/access.log yes"; do
  set -- $cfg
  start_gateway "$1" "$2"
  log=$([ "$1" = off ] && echo "log off" || echo "log on")
  tr=$([ "$2" = yes ] && echo "tracing on" || echo "tracing off")
  run "JSON, $log, $tr" openai.json
  run "52-event stream, $log, $tr" openai_stream.json
  stop_gateway
done
echo "spans received by the sink: $(curl -s http://127.0.0.1:18423/count)"

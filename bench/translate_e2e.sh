#!/bin/bash
# Gateway CPU per request, pass-through vs translated, through the real binary: an OpenAI-dialect
# mock upstream (../shared/bench/src/mockllm.c) behind one Sluice worker; wrk posts OpenAI chat
# bodies to /v1/chat/completions (pass-through) and Anthropic bodies to /v1/messages (translated
# to the OpenAI upstream and back), JSON and streaming. CPU µs/request is read from /proc.
#   bench/translate_e2e.sh            (needs wrk and cc; ~1 minute)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${SECS:-8}
CONNS=${CONNS:-32}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

cc -O2 -o "$work/mockllm" ../shared/bench/src/mockllm.c -lpthread
taskset -c 1 "$work/mockllm" -p 18411 -n 50 >/dev/null 2>&1 &
cat > "$work/sluice.yaml" <<YAML
listen: 127.0.0.1:18410
admin: 127.0.0.1:18412
workers: 1
access_log: "off"
providers:
  - {name: mock, type: openai, base_url: "http://127.0.0.1:18411/v1"}
models:
  - {name: m, provider: mock}
YAML
taskset -c 1 build/release/sluice --config "$work/sluice.yaml" 2>/dev/null &
sleep 0.5
pid=$(pgrep -n -f "sluice --config $work/sluice.yaml")

q='What is the weather like in Paris today, and should I take an umbrella?'
echo '{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"'"$q"'"}],"max_tokens":256}' > "$work/openai.json"
echo '{"model":"m","system":"Be brief.","messages":[{"role":"user","content":"'"$q"'"}],"max_tokens":256}' > "$work/anthropic.json"
sed 's/"max_tokens":256/"max_tokens":256,"stream":true/' "$work/openai.json" > "$work/openai_stream.json"
sed 's/"max_tokens":256/"max_tokens":256,"stream":true/' "$work/anthropic.json" > "$work/anthropic_stream.json"
cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
local f = io.open(os.getenv("BODY"), "r"); wrk.body = f:read("*a"); f:close()
wrk.headers["Content-Type"] = "application/json"
LUA

run() {  # label path body
  local t0 t1 out n rps
  t0=$(awk '{print $14+$15}' /proc/$pid/stat)
  out=$(BODY="$work/$3" taskset -c 0 wrk -t1 -c"$CONNS" -d"${SECS}s" -s "$work/post.lua" "http://127.0.0.1:18410$2")
  t1=$(awk '{print $14+$15}' /proc/$pid/stat)
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  printf '| %-44s | %9s | %8.1f |\n' "$1" "$rps" "$(echo "($t1-$t0)*10000/$n" | bc -l)"
}
echo "| Request (one worker, $CONNS connections, ${SECS}s) | req/s | CPU µs/request |"
echo "|---|---|---|"
run "OpenAI client → OpenAI upstream, JSON (pass-through)" /v1/chat/completions openai.json
run "Anthropic client → OpenAI upstream, JSON (translated)" /v1/messages anthropic.json
run "OpenAI client → OpenAI upstream, 52-event stream (pass-through)" /v1/chat/completions openai_stream.json
run "Anthropic client → OpenAI upstream, 52-event stream (translated)" /v1/messages anthropic_stream.json

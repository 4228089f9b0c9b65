#!/usr/bin/env bash
# Rate-limit check latency in memory and through a local redis-server (bench/limit_bench.cc).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --build --preset release --target limit_bench >/dev/null
port=${PORT:-16379}
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "/tmp/limit-bench-redis.pid" >/dev/null
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
build/release/limit_bench "$port"
# Time Redis itself spends per admit script (the server runs scripts one at a time).
redis-cli -p "$port" info commandstats | grep -E "cmdstat_(evalsha|eval):"

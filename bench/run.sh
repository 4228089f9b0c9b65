#!/usr/bin/env bash
# Runs the team's gateway benchmark harness (../shared/bench, or $BENCH_HARNESS) against this
# checkout's release build: direct-to-mock, nginx as a plain reverse proxy and Sluice, in one run.
#   bench/run.sh                                   # defaults below
#   PEERS="direct nginx haproxy sluice" REPS=5 bench/run.sh
# Results land in the harness's results/<timestamp>/summary.md; copy the tables you keep into
# bench/RESULTS.md together with the command line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
harness=${BENCH_HARNESS:-$root/../shared/bench}
[[ -x $harness/run.sh ]] || { echo "bench: harness not found at $harness (set BENCH_HARNESS)" >&2; exit 1; }
[[ -x $root/build/release/sluice ]] || make -C "$root" build
export SLUICE_DIR=$root
export PEERS=${PEERS:-"direct nginx sluice"}
export REPS=${REPS:-3}
exec "$harness/run.sh" "$@"

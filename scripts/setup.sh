#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, only those missing,
# then the npm clients used by the end-to-end tests. Idempotent; safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake ninja-build g++ ccache mold pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libyaml-cpp-dev libcli11-dev libjemalloc-dev libgtest-dev libgmock-dev
  libsqlite3-dev libhiredis-dev libxxhash-dev libbenchmark-dev
  nodejs npm openssl curl
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node from another source (nvm, nodesource) is fine: skip Debian's.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""; [[ $(id -u) -eq 0 ]] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# clang and its sanitizer/fuzzer runtimes for `make asan`, `make check-sanitizers`, `make fuzz`.
if [[ ${1:-} == --sanitizers ]]; then
  for p in clang libclang-rt-14-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" && continue
    sudo_cmd=""; [[ $(id -u) -eq 0 ]] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
    break
  done
fi

# promtool (package prometheus) checks our /metrics output in the tests; redis-server is the
# shared store two gateways draw on in the governance tests (started by the tests on loopback).
if [[ ${1:-} == --tests ]]; then
  peers=()
  command -v promtool >/dev/null || peers+=(prometheus)
  command -v redis-server >/dev/null || peers+=(redis-server)
  if ((${#peers[@]})); then
    sudo_cmd=""; [[ $(id -u) -eq 0 ]] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${peers[@]}"
  fi
fi

if [[ ${1:-} == --tests ]]; then
  # The end-to-end clients (official SDKs) come from the committed lockfile.
  if [[ ! -d tests/node_modules ]] || [[ tests/package-lock.json -nt tests/node_modules ]]; then
    (cd tests && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

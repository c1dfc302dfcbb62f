#!/usr/bin/env bash
# HTTP/2 throughput: MockWebServer vs a minimal Kestrel app, same 13-byte response, loaded by
# h2load (nghttp2) with 2 connections and 10 concurrent streams each, over h2c (cleartext prior
# knowledge) and over TLS (ALPN h2). One server runs at a time.
#
#   bench/http2-server.sh                 # 20000 requests per run
#   REQUESTS=50000 bench/http2-server.sh
#
# Servers bind 127.0.0.1 on ephemeral ports and are stopped on exit, whatever happens.
set -euo pipefail

cd "$(dirname "$0")/.."
REQUESTS="${REQUESTS:-20000}"
WARMUP="${WARMUP:-2000}"

if ! command -v h2load >/dev/null; then
  echo "h2load is missing: install the apt package nghttp2-client" >&2
  exit 1
fi

# shellcheck source=bench/lib.sh
source bench/lib.sh

# Warm-up run (JIT, connections), then the measured run; prints requests/s.
load() {
  local name="$1" url="$2"
  h2load -n "$WARMUP" -c 2 -m 10 "$url" >/dev/null
  h2load -n "$REQUESTS" -c 2 -m 10 "$url" | tee "$work/$name.h2load" >&2
  if ! grep -q "succeeded, 0 errored" "$work/$name.h2load" && ! grep -q " 0 failed, 0 errored" "$work/$name.h2load"; then
    echo "$name: h2load reported failures" >&2
  fi
  awk '/^finished in/ { gsub(",", "", $4); print $4 }' "$work/$name.h2load"
}

run() {
  local mode="$1" scheme="$2"
  start_server "$mode"
  echo "== $mode on 127.0.0.1:$server_port" >&2
  load "$mode" "$scheme://127.0.0.1:$server_port/"
  kill "$server_pid"; wait "$server_pid" || true
  cat "$work/$mode.out" >&2
}

mock_h2c="$(run serve-mock-h2c http)"
kestrel_h2c="$(run serve-kestrel-h2c http)"
mock_h2="$(run serve-mock-h2 https)"
kestrel_h2="$(run serve-kestrel-h2 https)"

echo
echo "HTTP/2, h2load -n $REQUESTS -c 2 -m 10, 13-byte body"
printf 'h2c  MockWebServer %10.0f req/s   Kestrel %10.0f req/s   ratio %.2f\n' "$mock_h2c" "$kestrel_h2c" "$(awk -v m="$mock_h2c" -v k="$kestrel_h2c" 'BEGIN { print m / k }')"
printf 'TLS  MockWebServer %10.0f req/s   Kestrel %10.0f req/s   ratio %.2f\n' "$mock_h2" "$kestrel_h2" "$(awk -v m="$mock_h2" -v k="$kestrel_h2" 'BEGIN { print m / k }')"

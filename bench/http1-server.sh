#!/usr/bin/env bash
# HTTP/1.1 throughput: MockWebServer vs a minimal Kestrel app, same 115-byte response, loaded by
# wrk with 1 thread and 2 keep-alive connections. Then startup latency (see bench/README.md).
#
#   bench/http1-server.sh            # everything (about 30 s plus the build)
#   DURATION=5s bench/http1-server.sh
#   SKIP_STARTUP=1 bench/http1-server.sh
#
# Both servers bind 127.0.0.1 on ephemeral ports and are stopped on exit, whatever happens.
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-2s}"

if ! command -v wrk >/dev/null; then
  echo "installing wrk..." >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq wrk >/dev/null
fi

# shellcheck source=bench/lib.sh
source bench/lib.sh

# Loads one server: a short warm-up (tiered JIT, connection setup), then the measured run.
load() {
  local name="$1" port="$2"
  wrk -t1 -c2 -d"$WARMUP" "http://127.0.0.1:$port/" >/dev/null
  wrk -t1 -c2 -d"$DURATION" --latency "http://127.0.0.1:$port/" | tee "$work/$name.wrk" >&2
  awk '/^Requests\/sec:/ { print $2 }' "$work/$name.wrk"
}

# One server at a time, so the idle one takes no CPU from the measured one.
start_server serve-mock
echo "== MockWebServer on 127.0.0.1:$server_port" >&2
mock_rps="$(load mock "$server_port")"
kill "$server_pid"; wait "$server_pid" || true
cat "$work/serve-mock.out" >&2

start_server serve-kestrel
echo "== Kestrel on 127.0.0.1:$server_port" >&2
kestrel_rps="$(load kestrel "$server_port")"
kill "$server_pid"; wait "$server_pid" || true
cat "$work/serve-kestrel.out" >&2

echo
echo "HTTP/1.1 keep-alive, wrk -t1 -c2 -d$DURATION, 13-byte body"
printf 'MockWebServer  %12.0f req/s\n' "$mock_rps"
printf 'Kestrel        %12.0f req/s\n' "$kestrel_rps"
awk -v m="$mock_rps" -v k="$kestrel_rps" 'BEGIN { printf "ratio MockWebServer/Kestrel: %.2f\n", m / k }'

if [ -z "${SKIP_STARTUP:-}" ]; then
  echo
  echo "Startup: new server -> first response on a fresh SocketsHttpHandler"
  dotnet "$DLL" startup 200 50
  dotnet "$DLL" startup-cold mock
  dotnet "$DLL" startup-cold kestrel
fi

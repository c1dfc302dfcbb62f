#!/usr/bin/env bash
# Runs every MockKit test (the README's test command; CI runs it through .ci/run).
#
# The tests talk to real, independent peers on loopback: curl, openssl, nghttp and h2load
# (nghttp2-client), nginx, squid, wrk, python3-websockets and python3-grpcio. They start and stop those themselves; this script only
# makes sure the programs are installed, with apt-get when running as root.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
need() { # need COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || missing+=("$2")
}
need curl curl
need openssl openssl
need nghttp nghttp2-client
need h2load nghttp2-client
need nginx nginx
need squid squid
# wrk: the load generator of MockKit.Tool.Tests' LoadTests (10,000 requests through the standalone server).
need wrk wrk
# python3-websockets: the independent WebSocket client of WebSocketInteropTests (apt's python3).
/usr/bin/python3 -c 'import websockets' >/dev/null 2>&1 || missing+=(python3-websockets)
# python3-grpcio: the independent gRPC client of PythonGrpcInteropTests (apt's python3).
/usr/bin/python3 -c 'import grpc' >/dev/null 2>&1 || missing+=(python3-grpcio)

if [ ${#missing[@]} -gt 0 ]; then
  packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [ "$(id -u)" -ne 0 ]; then
    echo "The tests need: ${packages}— install them with: sudo apt-get install -y ${packages}" >&2
    exit 1
  fi
  echo "Installing test peers: ${packages}"
  apt-get update -qq
  # Package scripts may try to start nginx/squid as services; the tests start their own
  # instances on ephemeral loopback ports, so a failed or skipped service start is harmless.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${packages} >/dev/null
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0

# 1. The xunit v2 projects, through VSTest: `dotnet test` over the solution. (The xunit v3
#    project is in the solution too, but is not a VSTest project; see tests/Directory.Build.props.)
dotnet test MockKit.sln -c Release "$@" 2>&1 | tee "$log" || status=$?

# 2. The xunit v3 project: an executable that is its own test runner. With the Microsoft Testing
#    Platform opt-in `dotnet test` would run it, but then refuses a solution that also holds VSTest
#    (xunit v2) projects, so it runs here with `dotnet run`. A `--filter FullyQualifiedName~X`
#    argument becomes xunit's `-method "*X*"`; other arguments are for `dotnet test` only.
v3_args=(-noColor)
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  filter=""
  case "${args[i]}" in
    --filter) filter="${args[i + 1]:-}" ;;
    --filter=*) filter="${args[i]#--filter=}" ;;
  esac
  case "$filter" in
    FullyQualifiedName~*) v3_args+=(-method "*${filter#FullyQualifiedName~}*") ;;
  esac
done
for project in tests/*.V3.Tests; do
  dotnet run --project "$project" -c Release -- "${v3_args[@]}" 2>&1 | tee -a "$log" || status=$?
done

# One closing line for humans and CI: the sum over every test assembly, VSTest's
# "Passed!/Failed!" lines and xunit v3's "Total: N, Errors: N, Failed: N, Skipped: N, Not Run: N".
awk '/^(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") { gsub(",", "", $(i+1)); failed += $(i+1) }
         if ($i == "Passed:") { gsub(",", "", $(i+1)); passed += $(i+1) }
         if ($i == "Skipped:") { gsub(",", "", $(i+1)); skipped += $(i+1) }
       }
     }
     / Total: [0-9]+, Errors: / {
       total = 0; errors = 0; bad = 0; skip = 0
       for (i = 1; i < NF; i++) {
         v = $(i+1); gsub(",", "", v)
         if ($i == "Total:") total = v
         if ($i == "Errors:") errors = v
         if ($i == "Failed:") bad = v
         if ($i == "Skipped:") skip += v
         if ($i == "Not" && $(i+1) == "Run:") { w = $(i+2); gsub(",", "", w); skip += w }
       }
       passed += total - bad - skip; failed += bad + errors; skipped += skip
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped }' "$log"
exit "$status"

#!/usr/bin/env bash
# Runs every MockKit test (the README's test command; CI runs it through .ci/run).
#
# The tests talk to real, independent peers on loopback: curl, openssl, nghttp and h2load
# (nghttp2-client), nginx and squid. They start and stop those themselves; this script only
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
dotnet test MockKit.sln -c Release "$@" 2>&1 | tee "$log" || status=$?

# One closing line for humans and CI: the sum over every test assembly.
awk '/^(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") { gsub(",", "", $(i+1)); failed += $(i+1) }
         if ($i == "Passed:") { gsub(",", "", $(i+1)); passed += $(i+1) }
         if ($i == "Skipped:") { gsub(",", "", $(i+1)); skipped += $(i+1) }
       }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped }' "$log"
exit "$status"

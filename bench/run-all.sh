#!/usr/bin/env bash
# Every row of the performance table side by side, as ratios against the runtime's own stack
# (Kestrel for the server, SocketsHttpHandler for the client), each ratio taken in the same
# round: the two sides run back to back, so machine load shifts both. ROUNDS rounds (3), and the
# median ratio per row, then the table (markdown) on stdout; progress and raw tool output on stderr.
#
#   bench/run-all.sh                          # about 10 minutes on 2 cores plus the build
#   ROUNDS=5 DURATION=10s bench/run-all.sh
#
# Server rows: one server process at a time on 127.0.0.1 (ephemeral port), warmed up, then loaded
# with 2 connections: wrk -t1 -c2 for HTTP/1.1 (h2load --h1 when wrk is missing), h2load -c2 -m10
# for h2c and h2 over TLS. Retained bytes per recorded request: what the HTTP/1.1 mock server's heap
# holds after a full collection, divided by the requests it recorded (bench/README.md).
# Client rows: BenchmarkDotNet (ClientBenchmarks, Http2ClientBenchmarks) in process, short job,
# MemoryDiagnoser; ratio = InstrumentedHandler / SocketsHttpHandler from the same run.
# Servers are stopped on exit, whatever happens.
set -euo pipefail

cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-5s}"
REQUESTS="${REQUESTS:-200000}" # 20,000 h2c requests finish in ~0.3 s: too short to measure

for tool in h2load python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt packages nghttp2-client, python3)" >&2; exit 1; }
done

# shellcheck source=bench/lib.sh
source bench/lib.sh

# Prints requests/s for one load run against url (protocol h1, h2c or h2).
load() {
  local protocol="$1" url="$2" log="$3"
  if [ "$protocol" = h1 ] && command -v wrk >/dev/null; then
    wrk -t1 -c2 -d1s "$url" >/dev/null
    wrk -t1 -c2 -d"$DURATION" "$url" >"$log"
    awk '/^Requests\/sec:/ { print $2 }' "$log"
    return
  fi

  local flags=(-c 2 -m 10)
  [ "$protocol" = h1 ] && flags=(--h1 -c 2 -m 1)
  h2load "${flags[@]}" -n "$((REQUESTS / 10))" "$url" >/dev/null
  h2load "${flags[@]}" -n "$REQUESTS" "$url" >"$log"
  grep -q " 0 failed, 0 errored" "$log" || echo "h2load reported failures: $log" >&2
  awk '/^finished in/ { gsub(",", "", $4); print $4 }' "$log"
}

# Serves with one mode, loads it, stops it; prints requests/s. The server's own summary stays in $work.
serve_and_load() {
  local mode="$1" protocol="$2" round="$3"
  local scheme=http
  [ "$protocol" = h2 ] && scheme=https
  start_server "$mode" "$work/$mode.$round.out"
  local rate
  rate="$(load "$protocol" "$scheme://127.0.0.1:$server_port/" "$work/$mode.$round.load")"
  kill "$server_pid"
  wait "$server_pid" || true
  echo "$mode round $round: $rate req/s" >&2
  echo "$rate"
}

results="$work/results.tsv" # row-key <TAB> round <TAB> value
: >"$results"
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round of $ROUNDS" >&2
  for protocol in h1 h2c h2; do
    suffix=""
    [ "$protocol" != h1 ] && suffix="-$protocol"
    mock="$(serve_and_load "serve-mock$suffix" "$protocol" "$round")"
    kestrel="$(serve_and_load "serve-kestrel$suffix" "$protocol" "$round")"
    printf 'server-%s\t%s\t%s\n' "$protocol" "$round" "$(awk -v m="$mock" -v k="$kestrel" 'BEGIN { print m / k }')" >>"$results"
  done

  # gRPC unary calls/s, MockWebServer (MockKit.Grpc) ÷ Grpc.AspNetCore on Kestrel, one Grpc.Net.Client
  # with 16 callers, both in one process and one round (GrpcUnaryLoad).
  dotnet "$DLL" grpc-unary "${GRPC_SECONDS:-3}" 16 1 >"$work/grpc.$round.out" 2>&1 || { cat "$work/grpc.$round.out" >&2; exit 1; }
  printf 'grpc-unary\t%s\t%s\n' "$round" "$(sed -n 's/^ratio=//p' "$work/grpc.$round.out")" >>"$results"
  echo "grpc round $round: $(grep '^round' "$work/grpc.$round.out")" >&2

  retained="$(sed -n 's/.* \([0-9][0-9]*\) retained.*/\1/p' "$work/serve-mock.$round.out")"
  printf 'retained\t%s\t%s\n' "$round" "${retained:-nan}" >>"$results"

  dotnet "$DLL" --filter '*ClientBenchmarks*' --job short --inProcess --exporters json \
    --artifacts "$work/bdn-$round" >"$work/bdn-$round.log" 2>&1 || { cat "$work/bdn-$round.log" >&2; exit 1; }
  python3 - "$work/bdn-$round" "$round" >>"$results" <<'PY'
import glob, json, sys
folder, round_ = sys.argv[1], sys.argv[2]
runs = {}
for path in glob.glob(folder + "/results/*-report*.json"):
    for b in json.load(open(path))["Benchmarks"]:
        runs[b["Method"]] = (b["Statistics"]["Mean"], b["Memory"]["BytesAllocatedPerOperation"])
def row(key, mine, baseline, index):
    print(f"{key}\t{round_}\t{runs[mine][index] / runs[baseline][index]}")
row("client-h1-time", "InstrumentedSequential", "SocketsSequential", 0)
row("client-h1-alloc", "InstrumentedSequential", "SocketsSequential", 1)
row("client-h1-alloc16", "InstrumentedConcurrent16", "SocketsConcurrent16", 1)
row("client-h2-time", "InstrumentedConcurrent100", "SocketsConcurrent100", 0)
row("client-h2-alloc", "InstrumentedConcurrent100", "SocketsConcurrent100", 1)
PY
  echo "client benchmarks round $round done" >&2
done

python3 - "$results" "$ROUNDS" "$(command -v wrk >/dev/null && echo "wrk -t1 -c2 -d$DURATION" || echo "h2load --h1 -c2 -n $REQUESTS")" <<'PY'
import statistics, sys
path, rounds, h1_tool = sys.argv[1], int(sys.argv[2]), sys.argv[3]
values = {}
for line in open(path):
    key, _, value = line.rstrip("\n").split("\t")
    values.setdefault(key, []).append(float(value))
rows = [
    ("server-h2c", "server h2c req/s ÷ Kestrel (h2load -c2 -m10)", "≥ 1.0", "{:.2f}"),
    ("server-h2", "server h2 over TLS req/s ÷ Kestrel (h2load -c2 -m10)", "≥ 1.0", "{:.2f}"),
    ("server-h1", f"server HTTP/1.1 req/s ÷ Kestrel ({h1_tool})", "≥ 1.0", "{:.2f}"),
    ("grpc-unary", "gRPC unary calls/s ÷ Grpc.AspNetCore on Kestrel (Grpc.Net.Client, 16 callers, h2c)", "≥ 1.0", "{:.2f}"),
    ("client-h1-time", "client HTTP/1.1 sequential GET time ÷ SocketsHttpHandler", "≤ 1.0", "{:.2f}"),
    ("client-h1-alloc", "client HTTP/1.1 allocated bytes/request ÷ SocketsHttpHandler (sequential)", "≤ 1.0", "{:.2f}"),
    ("client-h1-alloc16", "client HTTP/1.1 allocated bytes/request ÷ SocketsHttpHandler (16 callers)", "≤ 1.0", "{:.2f}"),
    ("client-h2-time", "client HTTP/2 100 concurrent: time ÷ SocketsHttpHandler", "≤ 1.0", "{:.2f}"),
    ("client-h2-alloc", "client HTTP/2 100 concurrent: allocations ÷ SocketsHttpHandler", "≤ 1.0", "{:.2f}"),
    ("retained", "server retained bytes per recorded request (HTTP/1.1 GET)", "≤ 250 B", "{:.0f} B"),
]
print(f"| figure | " + " | ".join(f"round {i + 1}" for i in range(rounds)) + " | median | goal |")
print("|---|" + "---:|" * (rounds + 1) + "---|")
for key, label, goal, fmt in rows:
    got = values.get(key, [])
    cells = [fmt.format(v) for v in got] + ["–"] * (rounds - len(got))
    median = fmt.format(statistics.median(got)) if got else "–"
    print(f"| {label} | " + " | ".join(cells) + f" | **{median}** | {goal} |")
PY

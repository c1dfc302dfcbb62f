#!/usr/bin/env bash
# The standalone server (mockkit serve): time from process start to the ready line (RUNS runs,
# median; goal < 300 ms), then requests/s of a stub route through it under wrk (2 threads, 16
# keep-alive connections), with the traffic log off and on (text to /dev/null).
#
#   bench/standalone.sh                 # about 30 s plus the build
#   RUNS=20 DURATION=5s bench/standalone.sh
#   WIREMOCK=1 bench/standalone.sh      # also WireMock.Net's start, for comparison (restores WireMock.Net.Minimal 2.31.0)
#
# Every server binds 127.0.0.1 on an ephemeral port and is stopped (SIGTERM) on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-10}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-2s}"

dotnet build -c Release src/MockServer/MockKit.Tool -nologo -v quiet >/dev/null
TOOL=src/MockServer/MockKit.Tool/bin/Release/net10.0/mockkit.dll
work="$(mktemp -d)"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cat > "$work/stubs.json" <<'JSON'
{"format": "mockkit-stubs/1", "routes": [{"method": "GET", "path": "/bench/{*rest}", "response": {"body": "ok", "headers": [{"name": "Content-Type", "value": "text/plain"}]}}]}
JSON

echo "== start to ready line: dotnet mockkit.dll serve --stubs (${RUNS} runs)"
# python3 (standard library) times each run from just before the spawn to the ready line on stdout.
startup() { # startup COMMAND…: median time from spawn to the first stdout line (the ready line)
python3 - "$RUNS" "$@" <<'PY'
import signal, statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(runs):
    start = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    times.append((time.perf_counter() - start) * 1000)
    if not line.strip():
        sys.exit("no ready line")
    process.send_signal(signal.SIGTERM)
    if process.wait(timeout=30) != 0:
        sys.exit("exit code after SIGTERM was not 0")
print("runs (ms): " + " ".join(f"{t:.0f}" for t in times))
print(f"median {statistics.median(times):.0f} ms (min {min(times):.0f}, max {max(times):.0f})")
PY
}
startup dotnet "$TOOL" serve --stubs "$work/stubs.json"

if [ "${WIREMOCK:-0}" = 1 ]; then
  # WireMock.Net's standalone package is not served here; its library's own start with the admin
  # interface, in a console app of its own that prints one line when started, is the closest match.
  mkdir -p "$work/wiremock"
  echo '<Project></Project>' >"$work/wiremock/Directory.Build.props"
  echo '<Project></Project>' >"$work/wiremock/Directory.Packages.props"
  cat >"$work/wiremock/wiremock.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <InvariantGlobalization>true</InvariantGlobalization>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="WireMock.Net.Minimal" Version="2.31.0" />
  </ItemGroup>
</Project>
XML
  cat >"$work/wiremock/Program.cs" <<'CS'
using System.Runtime.InteropServices;
using WireMock.Server;
var stop = new TaskCompletionSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
var server = WireMockServer.StartWithAdminInterface();
Console.WriteLine("ready " + server.Urls[0]);
await stop.Task;
server.Stop();
CS
  dotnet build -c Release "$work/wiremock" -nologo -v quiet >/dev/null
  echo "== WireMock.Net.Minimal 2.31.0: WireMockServer.StartWithAdminInterface() in a console app, spawn to its line (${RUNS} runs)"
  startup dotnet "$work/wiremock/bin/Release/net10.0/wiremock.dll"
fi

echo "== floor: dotnet mockkit.dll --version, start to exit (${RUNS} runs): the runtime's own start-up"
python3 - "$RUNS" dotnet "$TOOL" --version <<'PY'
import statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    times.append((time.perf_counter() - start) * 1000)
print(f"median {statistics.median(times):.0f} ms (min {min(times):.0f}, max {max(times):.0f})")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

for format in none text; do
  dotnet "$TOOL" serve --stubs "$work/stubs.json" --log-format "$format" >"$work/out" 2>/dev/null &
  pid=$!
  url=""
  for _ in $(seq 1 300); do
    url=$(sed -n 's/^MockKit listening on //p' "$work/out")
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { echo "no ready line" >&2; exit 1; }
  echo "== wrk -t2 -c16 -d$DURATION ${url}bench/x (--log-format $format)"
  wrk -t2 -c16 -d"$WARMUP" "${url}bench/x" >/dev/null
  wrk -t2 -c16 -d"$DURATION" --latency "${url}bench/x" | grep -E "Requests/sec|requests in|Latency|50%|99%|Socket errors|Non-2xx"
  kill -TERM "$pid"
  wait "$pid"
  pid=""
done

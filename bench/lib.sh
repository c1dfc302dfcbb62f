# Shared by the bench scripts (sourced after `cd` to the repository root): builds the benchmark
# program, and starts its server modes in the background on ephemeral loopback ports, each stopped
# on exit whatever happens.
PROJECT=bench/MockKit.Benchmarks
DLL="$PROJECT/bin/Release/net10.0/MockKit.Benchmarks.dll"

dotnet build -c Release "$PROJECT" -nologo -v quiet >/dev/null

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# start_server MODE [OUTPUT]: starts "dotnet $DLL MODE" in the background (output to OUTPUT,
# default $work/MODE.out); sets server_pid and server_port, or exits showing the output after 30 s.
# (Not called through $(...): a subshell would lose the pid the trap needs.)
start_server() {
  local mode="$1" out="${2:-$work/$1.out}"
  dotnet "$DLL" "$mode" >"$out" 2>&1 &
  server_pid="$!"
  pids+=("$server_pid")
  for _ in $(seq 1 300); do
    if grep -q "^port=" "$out" 2>/dev/null; then
      server_port="$(sed -n 's/^port=//p' "$out")"
      return
    fi
    sleep 0.1
  done
  echo "$mode did not start:" >&2
  cat "$out" >&2
  exit 1
}

#!/usr/bin/env bash
# Records deliberate public API additions: builds the solution, takes every RS0016 ("symbol is not
# part of the declared public API") the public API analyzer reports, and appends the symbols to the
# PublicAPI.Unshipped.txt beside the project that declares them. Repeats until the build reports no
# more (a project that fails hides the ones that reference it). Review the diff before committing:
# a symbol listed here becomes part of the frozen contract. Removals (RS0017) stay a manual edit.
set -euo pipefail
cd "$(dirname "$0")/.."

for round in 1 2 3 4 5 6; do
  log=$(mktemp)
  dotnet build MockKit.sln -c Release -nologo 2>&1 >"$log" || true
  entries=$(grep -oE "error RS0016: Symbol '.*' is not part of the declared public API.*\[[^]]+\.csproj\]" "$log" |
    sed -E "s/^error RS0016: Symbol '(.*)' is not part of the declared public API.*\[([^]]+)\]$/\2\t\1/" | sort -u || true)
  rm -f "$log"
  if [ -z "$entries" ]; then
    echo "public API files are up to date (round $round)"
    exit 0
  fi
  while IFS=$'\t' read -r project symbol; do
    printf '%s\n' "$symbol" >>"$(dirname "$project")/PublicAPI.Unshipped.txt"
  done <<<"$entries"
  for file in $(printf '%s\n' "$entries" | cut -f1 | xargs -n1 dirname | sort -u); do
    unshipped="$file/PublicAPI.Unshipped.txt"
    { echo '#nullable enable'; grep -v '^#nullable enable$' "$unshipped" | sort -u; } >"$unshipped.tmp"
    mv "$unshipped.tmp" "$unshipped"
  done
  echo "round $round: recorded $(printf '%s\n' "$entries" | wc -l) symbols"
done
echo "still reporting RS0016 after 6 rounds" >&2
exit 1

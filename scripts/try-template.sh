#!/usr/bin/env bash
# The README's quick start: packs MockKit into artifacts/packages/ and installs the `mockkit-xunit`
# template (scripts/pack.sh), then creates an xunit v3 project (the default) and an xunit v2
# project (`--xunit 2`) from it in $TMPDIR/mockkit-quickstart/ (outside the repository, whose
# Directory.*.props would otherwise apply to them), next to the nuget.config pack.sh prints, and
# runs each one's tests with plain `dotnet test` — what a team does on day one. Everything stays:
# the packages, the installed template and the two projects to look at (the next run replaces them).
#
#   scripts/try-template.sh
#
# Packages other than MockKit's restore from the sources you have configured; the local feed is
# added on top of them (see scripts/lib/local-feed.sh).
set -euo pipefail
source "$(dirname "$0")/lib/local-feed.sh"
feed="$mockkit_root/artifacts/packages"
work="${TMPDIR:-/tmp}/mockkit-quickstart"
version=${MOCKKIT_VERSION:-$(mockkit_local_version)}

MOCKKIT_VERSION=$version "$mockkit_root/scripts/pack.sh"

rm -rf "$work"
mkdir -p "$work"
# Before `dotnet new`: its restore post action already needs the local feed.
mockkit_feed_config "$work" "$feed"

passed=()
for xunit in 3 2; do
  name="Acme.Orders.V$xunit.Tests"
  echo "== creating $name (xunit v$xunit) from the template"
  args=(-n "$name" -o "$work/$name")
  if [ "$xunit" = 2 ]; then args+=(--xunit 2); fi   # v3 is the default
  # No --mockkit-version: the template's default must be the version it was packed with.
  (cd "$work" && dotnet new mockkit-xunit "${args[@]}")
  grep -q "Version=\"$version\"" "$work/$name/$name.csproj" ||
    { echo "$name does not reference MockKit $version:" >&2; grep MockKit "$work/$name/$name.csproj" >&2; exit 1; }

  echo "== running $name's tests"
  (cd "$work/$name" && dotnet test)
  passed+=("$name")
done

cat <<TEXT

== quick start done
  packages:  $feed (MockKit $version)
  template:  mockkit-xunit, installed (\`dotnet new list mockkit\` shows it)
  projects:  ${passed[*]} in $work — both ran their tests and passed

Next: in your own solution folder, add the nuget.config shown above (as $work/nuget.config
does), then type
  dotnet new mockkit-xunit -n MyApp.Tests
or, in a test project you already have,
  dotnet add package MockKit.Xunit.V3 --prerelease
TEXT

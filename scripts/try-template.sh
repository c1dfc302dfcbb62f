#!/usr/bin/env bash
# Packs MockKit into a local folder feed, installs the `mockkit-xunit` template from it, creates
# an xunit v3 project (the default) and an xunit v2 project (`--xunit 2`), and runs each one's
# tests with plain `dotnet test` — what a team does on day one.
#
#   scripts/try-template.sh            # in a temporary folder, removed afterwards
#   KEEP=1 scripts/try-template.sh     # keep the folder to look at the generated projects
#
# Packages other than MockKit's restore from the sources you have configured; the local feed is
# added on top of them (see scripts/lib/local-feed.sh).
set -euo pipefail
source "$(dirname "$0")/lib/local-feed.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/mockkit-template.XXXXXX")
feed="$work/feed"
hive="$work/template-hive"   # a private template store: nothing leaks into the user's own
version=$(mockkit_local_version)

cleanup() {
  dotnet new uninstall MockKit.Templates --debug:custom-hive "$hive" >/dev/null 2>&1 || true
  mockkit_forget "$version"
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "== packing MockKit $version into $feed"
mockkit_pack "$feed" "$version"
# Before `dotnet new`: its restore post action already needs the local feed.
mockkit_feed_config "$work" "$feed"

echo "== installing the template"
dotnet new install "$feed/MockKit.Templates.$version.nupkg" --debug:custom-hive "$hive"

for xunit in 3 2; do
  name="Acme.Orders.V$xunit.Tests"
  echo "== creating $name (xunit v$xunit) from it"
  args=(-n "$name" -o "$work/$name" --mockkit-version "$version")
  if [ "$xunit" = 2 ]; then args+=(--xunit 2); fi   # v3 is the default
  dotnet new mockkit-xunit "${args[@]}" --debug:custom-hive "$hive"

  echo "== running $name's tests"
  (cd "$work/$name" && dotnet test)
done

#!/usr/bin/env bash
# Packs MockKit into a local folder feed, installs the `mockkit-xunit` template from it,
# creates a project, and runs that project's tests — what a team does on day one.
#
#   scripts/try-template.sh            # in a temporary folder, removed afterwards
#   KEEP=1 scripts/try-template.sh     # keep the folder to look at the generated project
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mockkit-template.XXXXXX")
feed="$work/feed"
hive="$work/template-hive"   # a private template store: nothing leaks into the user's own
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -n 1)

cleanup() {
  dotnet new uninstall MockKit.Templates --debug:custom-hive "$hive" >/dev/null 2>&1 || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "== packing MockKit $version into $feed"
for project in src/Client src/MockServer src/Assertions templates; do
  dotnet pack "$root/$project" -c Release -o "$feed" --nologo -v quiet
done

echo "== installing the template"
dotnet new install "$feed/MockKit.Templates.$version.nupkg" --debug:custom-hive "$hive"

echo "== creating a project from it"
dotnet new mockkit-xunit -n Acme.Orders.Tests -o "$work/Acme.Orders.Tests" --MockKitVersion "$version" --debug:custom-hive "$hive"

# The generated project restores MockKit.* from the local feed and everything else from nuget.org.
cat > "$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="mockkit-local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="mockkit-local"><package pattern="MockKit.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML

# NuGet caches packages by id and version: drop any earlier build of this MockKit version so
# the freshly packed one is what the project gets.
packages=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
for id in mockkit.client mockkit.mockserver mockkit.assertions; do
  rm -rf "${packages:?}/$id/$version"
done

echo "== running the generated project's tests"
cd "$work/Acme.Orders.Tests"
dotnet test --nologo

#!/usr/bin/env bash
# Packs every MockKit package and the template package into artifacts/packages/ and installs the
# `mockkit-xunit` template from there (a real install, as `dotnet new install` does; a newer pack
# replaces an older one). Then prints what to add to your solution's nuget.config and the next
# commands. This is the one step between a clone of MockKit and a project of yours that uses it.
#
#   scripts/pack.sh                       # version <base>-local.<timestamp>: unique per pack
#   MOCKKIT_VERSION=0.1.0-ci.1 scripts/pack.sh
#
# Each pack has a version of its own because NuGet caches packages by id and version in the
# global packages folder: packing the same version twice would hand your project the first build.
# Local versions are prereleases, so `dotnet add package` needs `--prerelease` (or `--version`).
set -euo pipefail
source "$(dirname "$0")/lib/local-feed.sh"
feed="$mockkit_root/artifacts/packages"
version=${MOCKKIT_VERSION:-$(mockkit_local_version)}

mkdir -p "$feed"
echo "== packing MockKit $version into $feed"
mockkit_pack "$feed" "$version"

echo "== installing the mockkit-xunit template"
dotnet new install "$feed/MockKit.Templates.$version.nupkg" --force

cat <<TEXT

MockKit $version is packed into $feed
and the mockkit-xunit template is installed (it references MockKit $version).

1. Let your solution restore from that folder: add a nuget.config next to your .sln (or add the
   <add> line to the one you have). Your other package sources stay as they are.

<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="mockkit-local" value="$feed" />
  </packageSources>
</configuration>

2. Then, in that folder, either create a ready test project:
     dotnet new mockkit-xunit -n MyApp.Tests          # xunit v3; --xunit 2 for xunit v2
     cd MyApp.Tests && dotnet test
   or add MockKit to a test project you have:
     dotnet add package MockKit.Xunit.V3 --prerelease # xunit v3 (MockKit.Xunit for xunit v2)

3. The standalone server (for a system under test in another process or container):
     dotnet tool install MockKit.Tool --tool-path ./tools --version $version --add-source $feed
     ./tools/mockkit serve --stubs ./stubs            # prints: MockKit listening on http://127.0.0.1:PORT/
TEXT

# Shared by scripts/try-template.sh and scripts/try-packages.sh (sourced, not run): pack MockKit
# into a folder feed and let a project outside the repository restore from it, on top of the
# package sources the user already has configured (a company mirror keeps working).

mockkit_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# A version no earlier run used: NuGet caches packages by id and version in the global packages
# folder, so a fixed version would hand the consumer an older build, and deleting a cached
# version would break another run going on at the same time.
mockkit_local_version() {
  local base
  base=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$mockkit_root/Directory.Build.props" | head -n 1)
  echo "$base-local.$(date +%Y%m%d%H%M%S).$$"
}

# mockkit_pack FEED VERSION: every shipped package, the `mockkit` tool and the template package, into FEED.
mockkit_pack() {
  local feed=$1 version=$2 project
  for project in src/Client/MockKit.Client src/MockServer/MockKit.MockServer src/Client/MockKit.Extensions.Http src/MockServer/MockKit.Grpc src/Assertions/MockKit.Assertions \
                 src/Assertions/MockKit.Xunit src/Assertions/MockKit.Xunit.V3 src/MockServer/MockKit.Tool templates; do
    dotnet pack "$mockkit_root/$project" -c Release -o "$feed" --nologo -v quiet -p:Version="$version"
  done
}

# mockkit_feed_config DIR FEED: a nuget.config in DIR that adds FEED. It has no <clear/>, so
# NuGet merges it with the user's own configuration (user-level and machine-wide files): the
# configured sources stay, the local feed is one more.
mockkit_feed_config() {
  local dir=$1 feed=$2
  cat > "$dir/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="mockkit-local" value="$feed" />
  </packageSources>
</configuration>
XML
}

# mockkit_forget VERSION: drops this run's MockKit packages from the global packages folder.
mockkit_forget() {
  local version=$1 packages id
  packages=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
  for id in mockkit.client mockkit.mockserver mockkit.extensions.http mockkit.grpc mockkit.assertions mockkit.xunit mockkit.xunit.v3 mockkit.tool mockkit.templates; do
    rm -rf "${packages:?}/$id/$version"
  done
}

#!/usr/bin/env bash
# The consumer check: packs MockKit into a local folder feed, then builds two fresh projects
# outside the repository that reference ONLY the packed packages (no project references):
#
#   * an xunit v3 project on MockKit.Xunit.V3, run with `dotnet test` (Microsoft.Testing.Platform,
#     opted in by its own global.json), and
#   * an xunit v2 project on MockKit.Xunit, run with `dotnet test` (VSTest),
#
# each with one test that uses MockKitTest, the assertions, the server and the pool. It also
# checks that the packed siblings depend on each other at exactly one version ([x.y.z]).
#
#   scripts/try-packages.sh            # in a temporary folder, removed afterwards
#   KEEP=1 scripts/try-packages.sh     # keep the folder
set -euo pipefail
source "$(dirname "$0")/lib/local-feed.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/mockkit-packages.XXXXXX")
feed="$work/feed"
version=$(mockkit_local_version)

cleanup() {
  mockkit_forget "$version"
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "== packing MockKit $version into $feed"
mockkit_pack "$feed" "$version"
mockkit_feed_config "$work" "$feed"

echo "== checking sibling dependencies are exact"
check_dependency() { # check_dependency PACKAGE DEPENDENCY
  local nuspec
  nuspec=$(unzip -p "$feed/$1.$version.nupkg" "$1.nuspec")
  if ! grep -q "<dependency id=\"$2\" version=\"\[$version\]\"" <<<"$nuspec"; then
    echo "$1 does not depend on exactly $2 [$version]:" >&2
    grep '<dependency ' <<<"$nuspec" >&2
    exit 1
  fi
}
check_dependency MockKit.MockServer MockKit.Client
check_dependency MockKit.Assertions MockKit.Client
check_dependency MockKit.Assertions MockKit.MockServer
check_dependency MockKit.Xunit MockKit.Assertions
check_dependency MockKit.Xunit.V3 MockKit.Assertions
echo "ok"

# write_test DIR USING CLASS_HEADER CANCEL: the same test for both frameworks.
write_test() {
  cat > "$1/OrdersTests.cs" <<CS
$2
namespace Consumer;

${3:-}
{
    [Fact]
    public async Task Talks_to_the_server_through_the_pool()
    {
        Server.Enqueue(new MockResponse("one"));
        Server.Enqueue(new MockResponse("two"));

        using (var first = await Client.GetAsync(Server.Url("/orders/1"), $4))
        {
            await first.ShouldHaveStatus(200).ShouldHaveBodyAsync("one");
        }

        using var second = await Client.GetAsync(Server.Url("/orders/2"), $4);
        await second.ShouldHaveBodyAsync("two");
        second.ShouldHaveReusedConnection();

        Server.TakeRequest().ShouldHaveMethod("GET").ShouldHavePath("/orders/1").ShouldHaveSequenceNumber(0);
        Server.TakeRequest().ShouldHavePath("/orders/2").ShouldHaveSequenceNumber(1);
        Handler.Pool.ShouldEventuallyHaveIdleConnections(1, TimeSpan.FromSeconds(10)).ShouldHaveConnections(1);
    }
}
CS
}

write_project() { # write_project DIR PACKAGE-LINES [PROPERTY-LINES]
  cat > "$1/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <IsPackable>false</IsPackable>
${3:-}
  </PropertyGroup>
  <ItemGroup>
$2
  </ItemGroup>
  <ItemGroup>
    <Using Include="Xunit" />
    <Using Include="Shouldly" />
    <Using Include="MockKit.Assertions" />
    <Using Include="MockKit.MockServer" />
    <Using Include="MockKit.Xunit" />
  </ItemGroup>
</Project>
XML
}

v3="$work/consumer-v3"
mkdir -p "$v3"
write_project "$v3" "    <PackageReference Include=\"MockKit.Xunit.V3\" Version=\"$version\" />
    <PackageReference Include=\"xunit.v3\" Version=\"4.0.2\" />" "    <OutputType>Exe</OutputType>"
write_test "$v3" "" "public sealed class OrdersTests : MockKitTest" "TestContext.Current.CancellationToken"
cat > "$v3/global.json" <<'JSON'
{
  "test": {
    "runner": "Microsoft.Testing.Platform"
  }
}
JSON

v2="$work/consumer-v2"
mkdir -p "$v2"
write_project "$v2" "    <PackageReference Include=\"MockKit.Xunit\" Version=\"$version\" />
    <PackageReference Include=\"Microsoft.NET.Test.Sdk\" Version=\"18.0.1\" />
    <PackageReference Include=\"xunit\" Version=\"2.9.3\" />
    <PackageReference Include=\"xunit.runner.visualstudio\" Version=\"3.1.5\" />"
write_test "$v2" "using Xunit.Abstractions;
" "public sealed class OrdersTests(ITestOutputHelper output) : MockKitTest(output)" "CancellationToken.None"

for project in "$v3" "$v2"; do
  echo "== $(basename "$project"): dotnet test"
  (cd "$project" && dotnet test)
done

# ---- IHttpClientFactory consumer (MockKit.Extensions.Http) -------------------------------------
# Self-contained: checks the package's exact-version dependencies, then builds and runs a fresh
# console app that wires a typed client with AddMockKit(server) from the packed packages only.
try_factory_consumer() {
  echo "== MockKit.Extensions.Http: exact sibling dependencies"
  check_dependency MockKit.Extensions.Http MockKit.Client
  check_dependency MockKit.Extensions.Http MockKit.MockServer
  echo "ok"

  local app="$work/consumer-factory"
  mkdir -p "$app"
  cat > "$app/consumer-factory.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="MockKit.Extensions.Http" Version="$version" />
  </ItemGroup>
</Project>
XML
  cat > "$app/Program.cs" <<'CS'
using Microsoft.Extensions.DependencyInjection;
using MockKit.Client;
using MockKit.MockServer;

await using var server = new MockWebServer();
server.Enqueue(new MockResponse("ada"));
var services = new ServiceCollection();
services.AddHttpClient<UsersClient>();
services.ConfigureHttpClientDefaults(b => b.AddMockKit(server));
await using var provider = services.BuildServiceProvider();

var name = await provider.GetRequiredService<UsersClient>().NameAsync(1);
var client = provider.GetMockKit<UsersClient>();
await client.ShouldHaveNoLeakedConnectionsAsync();
if (name != "ada" || server.TakeRequest().Path != "/users/1" || !client.Events.EventNames.Contains("CallEnd"))
{
    Console.Error.WriteLine($"unexpected: {name}; {client}");
    return 1;
}

Console.WriteLine($"factory consumer ok: {client}");
return 0;

internal sealed class UsersClient(HttpClient http)
{
    public Task<string> NameAsync(int id) => http.GetStringAsync($"/users/{id}");
}
CS
  echo "== consumer-factory: dotnet run"
  (cd "$app" && dotnet run)
}
try_factory_consumer

#!/usr/bin/env bash
# The consumer check: packs MockKit into a local folder feed, then builds two fresh projects
# outside the repository that reference ONLY the packed packages (no project references):
#
#   * an xunit v3 project on MockKit.Xunit.V3, run with `dotnet test` (Microsoft.Testing.Platform,
#     opted in by its own global.json), and
#   * an xunit v2 project on MockKit.Xunit, run with `dotnet test` (VSTest),
#
# each with one test that uses MockKitTest, the assertions, the server and the pool. It also
# checks that the packed siblings depend on each other at exactly one version ([x.y.z]), and
# installs the packed `mockkit` tool with `dotnet tool install --tool-path` and serves a stub.
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
check_dependency MockKit.Grpc MockKit.MockServer
echo "ok"

echo "== checking the protocol core ships inside MockKit.Client only"
# MockKit.Http.dll (the core both ends build on) is in MockKit.Client's lib/ with its XML docs;
# no package depends on a MockKit.Http package and no other library package carries a copy in its
# lib/ (the mockkit tool package carries its whole dependency closure under tools/, the core included:
# a tool is run, never referenced, so that copy cannot meet MockKit.Client's in one application).
core_files=$(unzip -l "$feed/MockKit.Client.$version.nupkg" | grep -c 'lib/net10.0/MockKit\.Http\.\(dll\|xml\)$' || true)
if [ "$core_files" != 2 ]; then
  echo "MockKit.Client.$version.nupkg lacks lib/net10.0/MockKit.Http.dll or .xml:" >&2
  unzip -l "$feed/MockKit.Client.$version.nupkg" >&2
  exit 1
fi
for package in "$feed"/*."$version".nupkg; do
  case $(basename "$package") in MockKit.Client.*|MockKit.Templates.*) continue ;; esac
  if unzip -l "$package" | grep -q 'lib/.*MockKit\.Http\.dll$' \
     || unzip -p "$package" '*.nuspec' | grep -q '<dependency id="MockKit.Http"'; then
    echo "$(basename "$package") carries or depends on MockKit.Http; only MockKit.Client should" >&2
    exit 1
  fi
done
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

# The gRPC consumer: an xunit v3 project on MockKit.Xunit.V3 and MockKit.Grpc (packed), with its own
# .proto compiled by Grpc.Tools, calling a mocked service through Grpc.Net.Client over the test's
# InstrumentedHandler (cleartext HTTP/2, default Protocols).
grpc="$work/consumer-grpc"
mkdir -p "$grpc/Protos"
cat > "$grpc/Consumer.Grpc.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <OutputType>Exe</OutputType>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <IsPackable>false</IsPackable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="MockKit.Xunit.V3" Version="$version" />
    <PackageReference Include="MockKit.Grpc" Version="$version" />
    <PackageReference Include="xunit.v3" Version="4.0.2" />
    <PackageReference Include="Grpc.Net.Client" Version="2.85.0" />
    <PackageReference Include="Grpc.Tools" Version="2.85.0" PrivateAssets="all" />
    <Protobuf Include="Protos/greet.proto" GrpcServices="Client" />
  </ItemGroup>
</Project>
XML
cat > "$grpc/Protos/greet.proto" <<'PROTO'
syntax = "proto3";
package greet;
option csharp_namespace = "Consumer.Greet";
service Greeter { rpc SayHello (HelloRequest) returns (HelloReply); }
message HelloRequest { string name = 1; }
message HelloReply { string message = 1; }
PROTO
cat > "$grpc/GreeterTests.cs" <<'CS'
using Consumer.Greet;
using Grpc.Net.Client;
using MockKit.Grpc;
using MockKit.MockServer;
using MockKit.Xunit;
using Shouldly;
using Xunit;

namespace Consumer;

public sealed class GreeterTests() : MockKitTest(MockKit.Assertions.MockKitTransport.H2PriorKnowledge)
{
    [Fact]
    public async Task Calls_a_mocked_greeter()
    {
        Server.Dispatcher = new RouteDispatcher()
            .MapGrpc("/greet.Greeter/SayHello")
            .RespondUnary<HelloRequest, HelloReply>(r => new HelloReply { Message = "Hello " + r.Name });
        using var channel = GrpcChannel.ForAddress(Server.Url("/"), new GrpcChannelOptions { HttpHandler = Handler, DisposeHttpClient = false });
        var greeter = new Greeter.GreeterClient(channel);

        var reply = await greeter.SayHelloAsync(new HelloRequest { Name = "package" }, cancellationToken: TestContext.Current.CancellationToken);

        reply.Message.ShouldBe("Hello package");
        Server.TakeRequest().ShouldBeGrpcCall("/greet.Greeter/SayHello").ShouldHaveGrpcMessage(new HelloRequest { Name = "package" });
    }
}
CS
echo '{ "test": { "runner": "Microsoft.Testing.Platform" } }' > "$grpc/global.json"
echo "== $(basename "$grpc"): dotnet test"
(cd "$grpc" && dotnet test)

# ---------------------------------------------------------------------------------------------
# The "new team" check: the README's "Use it in your project" followed literally, in a scratch
# folder, the way a team that has never seen MockKit meets it — scripts/pack.sh, the nuget.config
# it prints, `dotnet new mockkit-xunit` (no version argument: the template's default must be the
# version it was packed with, here a prerelease), then a plain xunit v3 project of the team's own
# that gets MockKit by `dotnet add package`, with the first tests such a team writes: a typed
# client on Client (BaseAddress), a deliberate near miss (AllowUnmatchedRequests), forward + save +
# replay, per-handler call ids while other test classes run in parallel, and a failing test whose
# own failure is the one reported. The template hive lives in DOTNET_CLI_HOME, so the install
# pack.sh makes is real for these commands and leaves the user's own templates alone.
new_team_check() {
  # A version in pack.sh's own scheme (a prerelease, -local.<timestamp>), packed now: it is the newest
  # in artifacts/packages even when an earlier pack (scripts/try-template.sh) left others there, as a
  # user's fresh pack is, so `dotnet add package --prerelease` picks it as the README says it will.
  local team="$work/new-team" version="$base_version-local.$(date +%Y%m%d%H%M%S).1" out
  mkdir -p "$team/cli-home"
  export DOTNET_CLI_HOME="$team/cli-home"
  trap 'mockkit_forget "$version"; cleanup' EXIT

  echo "== new team: scripts/pack.sh (MockKit $version)"
  out=$(MOCKKIT_VERSION=$version "$mockkit_root/scripts/pack.sh")
  echo "$out" | tail -n 20
  # The nuget.config exactly as pack.sh printed it.
  sed -n '/^<?xml/,/^<\/configuration>/p' <<<"$out" >"$team/nuget.config"
  grep -q "artifacts/packages" "$team/nuget.config" || { echo "pack.sh printed no nuget.config" >&2; exit 1; }

  echo "== new team: dotnet new mockkit-xunit -n NewTeam.Template.Tests"
  (cd "$team" && dotnet new mockkit-xunit -n NewTeam.Template.Tests)
  grep -q "\"MockKit.Xunit.V3\" Version=\"$version\"" "$team/NewTeam.Template.Tests/NewTeam.Template.Tests.csproj" ||
    { echo "the template does not default to MockKit $version" >&2; exit 1; }
  (cd "$team/NewTeam.Template.Tests" && dotnet test)

  echo "== new team: a plain xunit v3 project + dotnet add package MockKit.Xunit.V3 --prerelease"
  local plain="$team/NewTeam.Plain.Tests"
  mkdir -p "$plain"
  cat >"$plain/NewTeam.Plain.Tests.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <OutputType>Exe</OutputType>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <IsPackable>false</IsPackable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="xunit.v3" Version="4.0.2" />
  </ItemGroup>
  <ItemGroup>
    <Using Include="Xunit" />
  </ItemGroup>
</Project>
XML
  (cd "$plain" && dotnet add package MockKit.Xunit.V3 --prerelease)
  grep -q "\"MockKit.Xunit.V3\" Version=\"$version\"" "$plain/NewTeam.Plain.Tests.csproj" ||
    { echo "dotnet add package did not pick MockKit $version:" >&2; cat "$plain/NewTeam.Plain.Tests.csproj" >&2; exit 1; }
  # The README's global.json opt-in for `dotnet test`.
  echo '{ "test": { "runner": "Microsoft.Testing.Platform" } }' >"$plain/global.json"
  write_new_team_tests "$plain"

  (cd "$plain" && dotnet test --filter-not-class NewTeam.FirstFailureTests)

  echo "== new team: a failing test reports its own failure first"
  local failed=0 log="$team/first-failure.log"
  (cd "$plain" && dotnet test --no-build --filter-class NewTeam.FirstFailureTests) >"$log" 2>&1 || failed=$?
  # The unused response's check may show in the test's output, after MockKitTest's line saying it
  # is not reported; it must not be a failure of its own.
  local noise quiet
  noise=$(grep -c "should have taken all responses" "$log" || true)
  quiet=$(grep -c "is not reported as a failure of its own" "$log" || true)
  if [ "$failed" = 0 ] || ! grep -q "the test's own failure" "$log" || [ "$noise" -gt "$quiet" ]; then
    echo "expected exactly the test's own failure, got (exit $failed):" >&2
    cat "$log" >&2
    exit 1
  fi
  echo "ok: the test's own failure, no end-of-test noise"
  unset DOTNET_CLI_HOME
}

write_new_team_tests() { # write_new_team_tests DIR
  cat >"$1/UsersClientTests.cs" <<'CS'
using MockKit.Assertions;
using MockKit.MockServer;
using MockKit.Xunit;
using Shouldly;

namespace NewTeam;

/// <summary>The team's own typed client, written against an HttpClient with a base address.</summary>
public sealed class UsersClient(HttpClient http)
{
    public Task<string> GetUserAsync(int id, CancellationToken cancellationToken) =>
        http.GetStringAsync(new Uri($"users/{id}?fields=name", UriKind.Relative), cancellationToken);
}

public sealed class UsersClientTests : MockKitTest
{
    [Fact]
    public async Task A_typed_client_on_Client_reaches_the_server()
    {
        Server.Dispatcher = Dispatcher.From(r => r.PathWithoutQuery == "/users/7" ? new MockResponse("ada") : new MockResponse(404));

        var name = await new UsersClient(Client).GetUserAsync(7, TestContext.Current.CancellationToken);

        name.ShouldBe("ada");
        Server.TakeRequest().ShouldHavePath("/users/7?fields=name").ShouldHavePathWithoutQuery("/users/7").ShouldHaveQueryParameter("fields", "name");
    }

    [Fact]
    public async Task A_deliberate_near_miss_is_asserted_on_not_failed()
    {
        AllowUnmatchedRequests = true;
        var routes = new RouteDispatcher().Map("GET", "/users/{id}").Respond(new MockResponse("user"));
        Server.Dispatcher = routes;

        using var response = await Client.GetAsync("users/7/orders", TestContext.Current.CancellationToken);

        response.ShouldHaveStatus(404);
        routes.Unmatched.ShouldHaveSingleItem().Failure.ShouldBeOfType<UnmatchedRequestException>().Message.ShouldContain("the template 2");
    }
}
CS
  cat >"$1/ForwardingTests.cs" <<'CS'
using MockKit.Assertions;
using MockKit.MockServer;
using MockKit.Xunit;
using Shouldly;

namespace NewTeam;

public sealed class ForwardingTests : MockKitTest
{
    [Fact]
    public async Task Forward_save_and_replay()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var upstream = new MockWebServer();
        upstream.Enqueue(new MockResponse("sunny"));
        using var upstreamHandler = new SocketsHttpHandler();
        var forward = Dispatcher.Forward(upstreamHandler, upstream.Url("/"));
        Server.Dispatcher = forward;

        (await Client.GetStringAsync("forecast?city=Lisbon", cancel)).ShouldBe("sunny");
        // The exchange is recorded once its response has ended on the server, which can be just
        // after the client has read the body: wait for it rather than race it.
        await forward.WaitForRecordingsAsync(1, cancel);

        var path = Path.Combine(Path.GetTempPath(), $"new-team-{Guid.NewGuid():N}.json");
        forward.SaveRecordings(path);
        Server.Dispatcher = Dispatcher.Replay(path);
        (await Client.GetStringAsync("forecast?city=Lisbon", cancel)).ShouldBe("sunny");
        File.Delete(path);
    }
}
CS
  cat >"$1/CallIdTests.cs" <<'CS'
using MockKit.Assertions;
using MockKit.Client;
using MockKit.MockServer;
using MockKit.Xunit;
using Shouldly;

namespace NewTeam;

/// <summary>Ten classes run in parallel, each counting its own calls from 0.</summary>
public abstract class CallIdTests : MockKitTest
{
    [Fact]
    public async Task Call_ids_count_from_zero_per_handler()
    {
        for (var i = 0; i < 3; i++)
        {
            Server.Enqueue(new MockResponse($"r{i}"));
            using var response = await Client.GetAsync($"r/{i}", TestContext.Current.CancellationToken);
            await response.ShouldHaveBodyAsync($"r{i}");
            response.GetExchange().CallId.ShouldBe(i);
            Server.TakeRequest();
        }

        Events.ShouldHaveEventsForCall(2, "CallStart", "ConnectionAcquired", "RequestHeadersStart", "RequestHeadersEnd",
            "ResponseHeadersStart", "ResponseHeadersEnd", "FollowUpDecision", "ResponseBodyStart", "ResponseBodyEnd",
            "ConnectionReleased", "CallEnd");
    }
}

public sealed class CallIdTests0 : CallIdTests;
public sealed class CallIdTests1 : CallIdTests;
public sealed class CallIdTests2 : CallIdTests;
public sealed class CallIdTests3 : CallIdTests;
public sealed class CallIdTests4 : CallIdTests;
public sealed class CallIdTests5 : CallIdTests;
public sealed class CallIdTests6 : CallIdTests;
public sealed class CallIdTests7 : CallIdTests;
public sealed class CallIdTests8 : CallIdTests;
public sealed class CallIdTests9 : CallIdTests;
CS
  cat >"$1/FirstFailureTests.cs" <<'CS'
using MockKit.MockServer;
using MockKit.Xunit;

namespace NewTeam;

/// <summary>Run on its own by the check, which expects it to fail with its own message only.</summary>
public sealed class FirstFailureTests : MockKitTest
{
    [Fact]
    public void Fails_before_taking_its_response()
    {
        Server.Enqueue(new MockResponse("never requested"));
        throw new InvalidOperationException("the test's own failure");
    }
}
CS
}

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

# ---- The standalone server (MockKit.Tool) -------------------------------------------------------
# Installed from the packed tool package as a user installs it (dotnet tool install --tool-path),
# started on a free port, waited for by its ready line, asked for a stub by curl, stopped by SIGTERM
# (exit code 0 expected).
try_tool() {
  local tools="$work/tools" stubs="$work/tool-stubs" out="$work/tool.out" err="$work/tool.err" url="" pid status
  echo "== MockKit.Tool: dotnet tool install --tool-path"
  (cd "$work" && dotnet tool install MockKit.Tool --tool-path "$tools" --version "$version")
  "$tools/mockkit" --version
  mkdir -p "$stubs"
  cat > "$stubs/hello.json" <<'JSON'
{"format": "mockkit-stubs/1", "routes": [{"method": "GET", "path": "/hello/{name}", "response": {"body": "hello from the packed tool"}}]}
JSON
  "$tools/mockkit" serve --stubs "$stubs" >"$out" 2>"$err" &
  pid=$!
  for _ in $(seq 1 300); do
    url=$(sed -n 's/^MockKit listening on //p' "$out")
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    echo "the installed tool printed no ready line; stderr:" >&2
    cat "$err" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
  fi
  body=$(curl --silent --show-error --max-time 20 "${url}hello/team")
  kill -TERM "$pid"
  status=0
  wait "$pid" || status=$?
  if [ "$body" != "hello from the packed tool" ] || [ "$status" != 0 ]; then
    echo "tool check failed: body '$body', exit $status; stderr:" >&2
    cat "$err" >&2
    exit 1
  fi
  echo "tool ok: $url answered the stub, SIGTERM exited 0"
}

try_factory_consumer
try_tool
base_version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$mockkit_root/Directory.Build.props" | head -n 1)
new_team_check

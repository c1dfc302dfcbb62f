using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;

namespace MockKit.MockServer.Tests.Dispatching;

/// <summary>Issue 14: MockWebServer in front of an in-memory ASP.NET Core app (TestHost).</summary>
public sealed class ForwardingDispatcherTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private int _appCalls;

    private TestServer Upstream => _app.GetTestServer();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        _app = builder.Build();
        _app.Use(async (context, next) =>
        {
            Interlocked.Increment(ref _appCalls);
            await next(context);
        });
        _app.MapPost("/items/{id}", async (HttpContext context, string id) =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            var headers = context.Request.Headers;
            context.Response.StatusCode = 201;
            context.Response.Headers["X-Item"] = id;
            context.Response.Headers["Keep-Alive"] = "timeout=5";
            await context.Response.WriteAsync(
                $"host={context.Request.Host} query={context.Request.QueryString} trace={headers["X-Trace"]} hop={headers["X-Hop"]} keepalive={headers.KeepAlive} body={body}");
        });
        _app.MapGet("/trailers", async context =>
        {
            context.Response.DeclareTrailer("X-Checksum");
            await context.Response.WriteAsync("with trailers");
            context.Response.AppendTrailer("X-Checksum", "abc123");
        });
        _app.MapGet("/binary", () => Results.Bytes(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), "application/octet-stream"));
        _app.MapGet("/big", () => Results.Text(new string('x', 200_000)));
        _app.MapGet("/hello/{name}", (string name) => Results.Text($"hello {name}"));
        await _app.StartAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Forwards_method_target_headers_and_body_and_returns_status_headers_and_body()
    {
        await using var server = new MockWebServer { Dispatcher = Dispatcher.Forward(Upstream.CreateHandler(), new Uri("http://app.test/")) };
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url("/items/7?x=1")) { Content = new StringContent("payload") };
        request.Headers.Add("X-Trace", "t-1");
        request.Headers.Add("X-Hop", "per-connection");
        request.Headers.Connection.Add("X-Hop");
        request.Headers.Add("Keep-Alive", "timeout=10");

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        response.Headers.GetValues("X-Item").ShouldBe(["7"]);
        response.Headers.Contains("Keep-Alive").ShouldBeFalse();
        (await response.Content.ReadAsStringAsync()).ShouldBe("host=app.test query=?x=1 trace=t-1 hop= keepalive= body=payload");
        var recorded = server.TakeRequest();
        recorded.Failure.ShouldBeNull();
        var exchange = ((ForwardingDispatcher)server.Dispatcher).Recordings.ShouldHaveSingleItem();
        exchange.Request.ShouldBeSameAs(recorded);
        exchange.Response.Code.ShouldBe(201);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Returns_the_upstream_trailers(bool http2)
    {
        await using var server = new MockWebServer
        {
            Dispatcher = Dispatcher.Forward(Upstream.CreateHandler(), Upstream.BaseAddress),
            Protocols = http2 ? [Protocol.H2PriorKnowledge] : [Protocol.Http11],
        };
        using var client = new HttpClient
        {
            DefaultRequestVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await client.GetAsync(server.Url("/trailers"));

        (await response.Content.ReadAsStringAsync()).ShouldBe("with trailers");
        response.TrailingHeaders.GetValues("X-Checksum").ShouldBe(["abc123"]);
    }

    [Fact]
    public async Task Transform_puts_a_socket_policy_in_front_of_the_app()
    {
        var forward = new ForwardingDispatcher(Upstream.CreateHandler(), Upstream.BaseAddress);
        forward.Transform = (_, response) =>
        {
            response.SocketPolicy = SocketPolicy.DisconnectDuringResponseBody(1000);
            return response;
        };
        await using var server = new MockWebServer { Dispatcher = forward };
        using var client = new HttpClient();

        var failure = await Should.ThrowAsync<Exception>(async () => await client.GetStringAsync(server.Url("/big")));

        failure.ShouldBeAssignableTo<HttpRequestException>();
        Volatile.Read(ref _appCalls).ShouldBe(1);
        server.TakeRequest().Path.ShouldBe("/big");

        // The body streams, so the cut came before the upstream's end; the rest is read for the record after it.
        await forward.WaitForRecordingsAsync(1).WaitAsync(TimeSpan.FromSeconds(30));
        forward.Recordings.ShouldHaveSingleItem().Response.Body.Length.ShouldBe(200_000);
    }

    [Fact]
    public async Task An_upstream_failure_is_a_502_with_the_exception_as_the_failure()
    {
        using var refused = new RefusingPort();
        using var upstream = new SocketsHttpHandler();
        var forward = new ForwardingDispatcher(upstream, new Uri($"http://127.0.0.1:{refused.Port}/"));
        await using var server = new MockWebServer { Dispatcher = forward };
        using var client = new HttpClient();

        using var response = await client.GetAsync(server.Url("/down"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadGateway);
        (await response.Content.ReadAsStringAsync()).ShouldStartWith($"MockWebServer could not forward GET /down HTTP/1.1 to http://127.0.0.1:{refused.Port}/: HttpRequestException:");
        server.TakeRequest().Failure.ShouldBeOfType<HttpRequestException>();
        forward.Recordings.ShouldBeEmpty();
    }

    [Fact]
    public async Task Record_to_a_file_and_replay_gives_the_original_responses()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mockkit-recordings-{Guid.NewGuid():N}.json");
        try
        {
            var forward = new ForwardingDispatcher(Upstream.CreateHandler(), new Uri("http://app.test/"));
            List<(int Status, string Headers, byte[] Body)> originals;
            await using (var recording = new MockWebServer { Dispatcher = forward })
            {
                originals = await SendScriptAsync(recording);

                // A streamed exchange is recorded when the upstream body was relayed to its end, which
                // can be a moment after the client read the last byte: wait before the shutdown, which
                // would cancel an exchange still finishing (and its recording with it).
                await forward.WaitForRecordingsAsync(originals.Count).WaitAsync(TimeSpan.FromSeconds(30));
            }

            forward.SaveRecordings(path);
            var routes = Dispatcher.Replay(path);
            await using var replaying = new MockWebServer { Dispatcher = routes };

            var replayed = await SendScriptAsync(replaying);

            replayed.Count.ShouldBe(originals.Count);
            for (var i = 0; i < originals.Count; i++)
            {
                replayed[i].Status.ShouldBe(originals[i].Status);
                replayed[i].Headers.ShouldBe(originals[i].Headers);
                replayed[i].Body.ShouldBe(originals[i].Body);
            }

            routes.Unmatched.ShouldBeEmpty();
            using var client = new HttpClient();
            using var again = await client.GetAsync(replaying.Url("/hello/world"));
            again.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await again.Content.ReadAsStringAsync()).ShouldBe("""
                No route matched GET /hello/world HTTP/1.1
                  1. POST /items/7?x=1: method is GET, expected POST
                  2. GET /hello/world: used up: matched 1 of Times(1)
                  3. GET /binary: target is "/hello/world", expected "/binary"
                """.ReplaceLineEndings("\n"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Secrets_are_redacted_unless_included_and_the_file_is_stable_readable_json()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mockkit-recordings-{Guid.NewGuid():N}.json");
        try
        {
            var forward = new ForwardingDispatcher(Upstream.CreateHandler(), new Uri("http://app.test/"));
            await using (var server = new MockWebServer { Dispatcher = forward })
            {
                await using var raw = await Support.RawConnection.OpenAsync(server);
                await raw.SendAsync("GET /hello/caf%C3%A9 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\nCookie: id=42\r\nProxy-Authorization: Basic cHc=\r\nConnection: close\r\n\r\n");
                (await raw.ReadToEndAsync()).ShouldStartWith("HTTP/1.1 200 OK\r\n"); // RawConnection reads Latin-1: the body is checked in the file below.
                await forward.WaitForRecordingsAsync(1); // Recorded once the relayed body ended, which may follow the client's read.
            }

            forward.SaveRecordings(path);
            var redacted = (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n");
            redacted.ShouldBe("""
                {
                  "format": "mockkit-recordings/1",
                  "exchanges": [
                    {
                      "request": {
                        "method": "GET",
                        "target": "/hello/caf%C3%A9",
                        "headers": [
                          {
                            "name": "Authorization",
                            "value": "REDACTED"
                          },
                          {
                            "name": "Cookie",
                            "value": "REDACTED"
                          },
                          {
                            "name": "Proxy-Authorization",
                            "value": "REDACTED"
                          },
                          {
                            "name": "Connection",
                            "value": "close"
                          }
                        ]
                      },
                      "response": {
                        "status": 200,
                        "headers": [
                          {
                            "name": "Content-Type",
                            "value": "text/plain; charset=utf-8"
                          }
                        ],
                        "body": "hello café"
                      }
                    }
                  ]
                }

                """.ReplaceLineEndings("\n"));

            forward.SaveRecordings(path, includeSecrets: true);
            var full = await File.ReadAllTextAsync(path);
            full.ShouldContain("\"value\": \"Bearer s3cret\"");
            full.ShouldContain("\"value\": \"id=42\"");
            full.ShouldContain("\"value\": \"Basic cHc=\"");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task The_sample_recordings_file_replays_as_the_README_describes()
    {
        var sample = Path.Combine(RepositoryRoot(), "samples", "recordings", "weather.json");
        var routes = Dispatcher.Replay(sample);
        await using var server = new MockWebServer { Dispatcher = routes };
        using var client = new HttpClient();

        (await client.GetStringAsync(server.Url("/forecast?city=Lisbon"))).ShouldBe("sunny, 24 °C");
        using (var wrongBody = await client.PostAsync(server.Url("/alerts"), new StringContent("{}")))
        {
            wrongBody.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }

        using (var created = await client.PostAsync(server.Url("/alerts"), new StringContent("{\"city\":\"Bergen\",\"level\":\"storm\"}")))
        {
            created.StatusCode.ShouldBe(HttpStatusCode.Created);
            created.Headers.Location.ShouldBe(new Uri("/alerts/17", UriKind.Relative));
        }

        using var radar = await client.GetAsync(server.Url("/radar/Bergen.png"));
        (await radar.Content.ReadAsByteArrayAsync())[..4].ShouldBe(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' });
        radar.TrailingHeaders.GetValues("X-Checksum").ShouldBe(["5d41402a"]);
        routes.Unmatched.Count.ShouldBe(1);
        routes.Unmatched[0].Failure!.Message.ShouldBe("""
            No route matched POST /alerts HTTP/1.1
              1. GET /forecast?city=Lisbon: method is POST, expected GET
              2. POST /alerts: body "{}" is not the recorded JSON "{"city":"Bergen","level":"storm"}" (compared structurally)
              3. GET /radar/Bergen.png: method is POST, expected GET
            """.ReplaceLineEndings("\n"));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MockKit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MockKit.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The same calls against a recording or a replaying server; what came back, in order.</summary>
    private static async Task<List<(int Status, string Headers, byte[] Body)>> SendScriptAsync(MockWebServer server)
    {
        using var client = new HttpClient();
        var results = new List<(int, string, byte[])>();
        using var post = new HttpRequestMessage(HttpMethod.Post, server.Url("/items/7?x=1")) { Content = new StringContent("payload") };
        post.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "token");
        foreach (var request in new[] { post, new HttpRequestMessage(HttpMethod.Get, server.Url("/hello/world")), new HttpRequestMessage(HttpMethod.Get, server.Url("/binary")) })
        {
            using var response = await client.SendAsync(request);
            var headers = string.Join("; ", response.Headers.Concat(response.Content.Headers)
                .Where(h => h.Key is not ("Date" or "Content-Length" or "Transfer-Encoding")) // Framing: a streamed upstream body is relayed chunked, a replayed one with its length.
                .OrderBy(h => h.Key, StringComparer.Ordinal)
                .Select(h => $"{h.Key}={string.Join(",", h.Value)}"));
            results.Add(((int)response.StatusCode, headers, await response.Content.ReadAsByteArrayAsync()));
            request.Dispose();
        }

        return results;
    }
}

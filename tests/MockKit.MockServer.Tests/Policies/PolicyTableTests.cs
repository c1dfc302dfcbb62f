using System.Net;
using MockKit.Tls;

namespace MockKit.MockServer.Tests.Policies;

/// <summary>
/// Every named <see cref="SocketPolicy"/> and every trigger × effect, on HTTP/1.1, h2c and h2 over
/// TLS, with SocketsHttpHandler as the client: one table of what the client observes and what the
/// server records. The effects act through the exchange pipeline's hooks, so one row differs
/// between protocols only where the protocol gives the effect a different meaning (HTTP/2 resets
/// one stream where HTTP/1 closes the connection). Stalls are observed as "no answer until the
/// server shuts down": the row waits for the recording, checks the client is still waiting, then
/// shuts the server down. Every wait is bounded.
/// </summary>
public sealed class PolicyTableTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly HandshakeCertificates Localhost = HandshakeCertificates.Localhost();
    private static readonly byte[] RequestBody = new byte[64];
    private static readonly string ResponseBody = new('x', 4096);

    public static TheoryData<string, string, string> Rows()
    {
        var rows = new TheoryData<string, string, string>();
        foreach (var (name, expected) in Expectations)
        {
            var parts = expected.Split(" || ");
            rows.Add(name, "http/1.1", parts[0]);
            rows.Add(name, "h2c", parts[1]);
            rows.Add(name, "h2", parts.Length > 2 ? parts[2] : parts[1]);
        }

        return rows;
    }

    /// <summary>
    /// The response triggers on a duplex response claimed on arrival (served while the request body
    /// flows, through the pipeline's body-flow path): the client observes what it observes for the
    /// scripted response with the same trigger and effect.
    /// </summary>
    public static TheoryData<string, string, string> DuplexRows()
    {
        var rows = new TheoryData<string, string, string>();
        foreach (var (name, expected) in DuplexExpectations)
        {
            var parts = expected.Split(" || ");
            rows.Add(Duplex + name, "http/1.1", parts[0]);
            rows.Add(Duplex + name, "h2c", parts[1]);
            rows.Add(Duplex + name, "h2", parts.Length > 2 ? parts[2] : parts[1]);
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(DuplexRows))]
    public Task Duplex_policy_acts_at_its_moment(string row, string protocol, string expected) =>
        Policy_acts_at_its_moment(row, protocol, expected);

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Policy_acts_at_its_moment(string row, string protocol, string expected)
    {
        var server = new MockWebServer();
        await using var _ = server;
        using var handler = protocol == "h2" ? Localhost.CreateSocketsHttpHandler() : new SocketsHttpHandler();
        if (protocol == "h2")
        {
            server.UseHttps(Localhost);
        }
        else if (protocol == "h2c")
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
        }

        server.Enqueue(Responses[row]());
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        // A body trigger fires after half the body: the second half waits for the first half's
        // recording, so the trigger meets a body that is never complete yet, on every protocol.
        var splitsBody = row.StartsWith("OnRequestBody", StringComparison.Ordinal) || row == nameof(SocketPolicy.DisconnectDuringRequestBody);
        using var deadline = new CancellationTokenSource(Deadline);
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url("/table"))
        {
            Content = splitsBody ? new HalvesContent(server, deadline.Token) : new ByteArrayContent(RequestBody),
            Version = protocol == "http/1.1" ? HttpVersion.Version11 : HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.ExpectContinue = row.Contains("Continue", StringComparison.Ordinal);
        var exchange = ObserveAsync(client, request, deadline.Token);

        string observed;
        if (expected.StartsWith("stalled", StringComparison.Ordinal))
        {
            // The server records before it stalls: once it did, the client must still be waiting.
            while (server.RequestCount == 0)
            {
                await Task.Delay(5, deadline.Token);
            }

            observed = exchange.IsCompleted ? $"answered: {await exchange}" : "stalled";
            await server.ShutdownAsync();
            await exchange.WaitAsync(deadline.Token);
        }
        else
        {
            observed = await exchange;
            if (row == nameof(SocketPolicy.ShutdownServerAfterResponse))
            {
                // Its effect is the server's own stop, after the response: waited for (bounded), never caused here.
                while (server.IsRunning)
                {
                    await Task.Delay(5, deadline.Token);
                }

                observed += ", server stopped";
            }

            await server.ShutdownAsync();
        }

        var sized = splitsBody || (row == nameof(SocketPolicy.DoNotReadRequestBody) && protocol == "http/1.1");
        $"{observed} | {Recorded(server, sized)}".ShouldBeOneOf(expected.Split(" or "), $"{row} over {protocol}");
    }

    /// <summary>What the client saw: no response (and why), a response cut short, or the whole response.</summary>
    private static async Task<string> ObserveAsync(HttpClient client, HttpRequestMessage request, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e)
        {
            return $"no response{Reset(e)}";
        }

        using (response)
        {
            try
            {
                var body = await response.Content.ReadAsStringAsync(ct);
                return $"{(int)response.StatusCode}, {body.Length} bytes";
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                return $"{(int)response.StatusCode}, body cut{Reset(e)}";
            }
        }
    }

    private static string Reset(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            // A stream's reset names its code; GOAWAY(NO_ERROR) and the socket's end both just end the
            // connection, and which of the two the client notices first is not the server's to decide.
            if (inner is HttpProtocolException protocol && (Http2ErrorCode)protocol.ErrorCode != Http2ErrorCode.NoError)
            {
                return $" (h2 error {(Http2ErrorCode)protocol.ErrorCode})";
            }
        }

        return string.Empty;
    }

    /// <summary>
    /// What the server recorded, in order: each entry's method (or bookkeeping), its body size when
    /// <paramref name="sized"/>, and its failure. Over HTTP/2 a request recorded as its HEADERS arrive
    /// may or may not hold DATA that was already on its way, so sizes are compared only where the
    /// row decides them (a split body, or HTTP/1's unread body).
    /// </summary>
    private static string Recorded(MockWebServer server, bool sized)
    {
        var entries = new List<string>();
        while (server.TakeRequest(TimeSpan.Zero) is { } recorded)
        {
            var what = recorded.IsBookkeeping ? "bookkeeping" : sized ? $"{recorded.Method} {recorded.BodySize}B" : recorded.Method;
            var failure = recorded.Failure switch
            {
                null => "ok",
                SocketPolicyException p => p.Trigger,
                var other => other.GetType().Name,
            };
            entries.Add($"{what} {failure}");
        }

        return string.Join(", ", entries);
    }

    /// <summary>The request body in two halves: the second only once the server recorded something.</summary>
    private sealed class HalvesContent(MockWebServer server, CancellationToken deadline) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(RequestBody.AsMemory(0, RequestBody.Length / 2), deadline);
            await stream.FlushAsync(deadline);
            while (server.RequestCount == 0)
            {
                await Task.Delay(5, deadline);
            }

            await stream.WriteAsync(RequestBody.AsMemory(RequestBody.Length / 2), deadline);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = RequestBody.Length;
            return true;
        }
    }

    private static MockResponse Respond(SocketPolicy policy) => new(ResponseBody) { SocketPolicy = policy };

    private const string Duplex = "Duplex ";

    /// <summary>Reads the whole request body as it arrives, then writes <see cref="ResponseBody"/>.</summary>
    private static MockResponse DuplexResponse() => new()
    {
        DuplexHandler = async (requestBody, responseBody, ct) =>
        {
            await requestBody.CopyToAsync(Stream.Null, ct);
            await responseBody.WriteAsync(System.Text.Encoding.ASCII.GetBytes(ResponseBody), ct);
        },
    };

    private static readonly Dictionary<string, Func<SocketEffect>> Effects = new()
    {
        ["CloseSocket"] = () => new SocketEffect.CloseSocket(),
        ["ShutdownInput"] = () => new SocketEffect.CloseSocket(ShutdownInput: true),
        ["ShutdownOutput"] = () => new SocketEffect.CloseSocket(ShutdownOutput: true),
        ["ShutdownConnection"] = () => new SocketEffect.ShutdownConnection(),
        ["CloseStream"] = () => new SocketEffect.CloseStream(Http2ErrorCode.Cancel),
        ["Stall"] = () => new SocketEffect.Stall(),
    };

    private static readonly Dictionary<string, Func<MockResponse, SocketEffect, MockResponse>> Triggers = new()
    {
        ["OnRequestStart"] = (r, e) => { r.OnRequestStart = e; return r; },
        ["OnRequestBody"] = (r, e) => { r.OnRequestBody = e; return r; },
        ["OnResponseStart"] = (r, e) => { r.OnResponseStart = e; return r; },
        ["OnResponseBody"] = (r, e) => { r.OnResponseBody = e; return r; },
        ["OnResponseEnd"] = (r, e) => { r.OnResponseEnd = e; return r; },
    };

    private static readonly Dictionary<string, Func<MockResponse>> Responses = BuildResponses();

    private static Dictionary<string, Func<MockResponse>> BuildResponses()
    {
        var responses = new Dictionary<string, Func<MockResponse>>
        {
            [nameof(SocketPolicy.KeepOpen)] = () => Respond(SocketPolicy.KeepOpen),
            [nameof(SocketPolicy.DisconnectAtStart)] = () => Respond(SocketPolicy.DisconnectAtStart),
            [nameof(SocketPolicy.DisconnectAfterRequest)] = () => Respond(SocketPolicy.DisconnectAfterRequest),
            [nameof(SocketPolicy.DisconnectDuringRequestBody)] = () => Respond(SocketPolicy.DisconnectDuringRequestBody),
            [nameof(SocketPolicy.DisconnectAtEnd)] = () => Respond(SocketPolicy.DisconnectAtEnd),
            [nameof(SocketPolicy.ShutdownInputAtEnd)] = () => Respond(SocketPolicy.ShutdownInputAtEnd),
            [nameof(SocketPolicy.ShutdownOutputAtEnd)] = () => Respond(SocketPolicy.ShutdownOutputAtEnd),
            [nameof(SocketPolicy.ShutdownServerAfterResponse)] = () => Respond(SocketPolicy.ShutdownServerAfterResponse),
            [nameof(SocketPolicy.StallSocketAtStart)] = () => Respond(SocketPolicy.StallSocketAtStart),
            [nameof(SocketPolicy.NoResponse)] = () => Respond(SocketPolicy.NoResponse),
            [nameof(SocketPolicy.ExpectContinue)] = () => Respond(SocketPolicy.ExpectContinue),
            [nameof(SocketPolicy.ContinueAlways)] = () => Respond(SocketPolicy.ContinueAlways),
            [nameof(SocketPolicy.DisconnectDuringResponseBody)] = () => Respond(SocketPolicy.DisconnectDuringResponseBody()),
            [nameof(SocketPolicy.ResetStreamAtStart)] = () => Respond(SocketPolicy.ResetStreamAtStart(Http2ErrorCode.Cancel)),
            [nameof(SocketPolicy.DoNotReadRequestBody)] = () => Respond(SocketPolicy.DoNotReadRequestBody()),
        };
        foreach (var (trigger, set) in Triggers)
        {
            foreach (var (effect, make) in Effects)
            {
                responses[$"{trigger} x {effect}"] = () => set(new MockResponse(ResponseBody), make());
                responses[$"{Duplex}{trigger} x {effect}"] = () => set(DuplexResponse(), make());
            }
        }

        return responses;
    }

    /// <summary>
    /// Row → "HTTP/1.1 || h2c [|| h2 when it differs]", each "client | server", or alternatives joined
    /// by " or ": a socket closed mid-response over HTTP/2 may hold the client's unread frames, so the
    /// close is a TCP reset that can discard the response's head before the client reads it. FailHandshake and
    /// UpgradeToSslAtEnd act on TLS and CONNECT and have their own tests (HttpsServerTests, the proxy tests).
    /// Half-closes before the response (ShutdownInput/ShutdownOutput at request start or body, and
    /// ShutdownInput while responding) are left out: what the client sees then depends on which of
    /// the two directions it notices first, so they have their own tests (Http1RequestBodyHalfCloseTests).
    /// </summary>
    /// <summary>
    /// The duplex rows: the response triggers whose outcome does not hang on a half-close race. A duplex
    /// request is recorded when its body ended, so a socket closed (or the stream reset) over HTTP/2
    /// before the client's END_STREAM arrived records the body's break (IOException) instead.
    /// </summary>
    private static readonly (string Row, string Expected)[] DuplexExpectations =
    [
        ("OnResponseStart x CloseSocket", "no response | POST ok || no response | POST ok or no response | POST IOException"),
        ("OnResponseStart x CloseStream", "no response | POST ok || no response (h2 error Cancel) | POST ok or no response (h2 error Cancel) | POST IOException"),
        ("OnResponseStart x Stall", "stalled | POST ok || stalled | POST ok"),
        ("OnResponseBody x CloseSocket", "200, body cut | POST ok || 200, body cut | POST ok or no response | POST ok or 200, body cut | POST IOException or no response | POST IOException"),
        ("OnResponseBody x CloseStream", "200, body cut | POST ok || 200, body cut (h2 error Cancel) | POST ok or 200, body cut (h2 error Cancel) | POST IOException"),
        ("OnResponseEnd x CloseSocket", "200, 4096 bytes | POST ok || 200, 4096 bytes | POST ok"),
        ("OnResponseEnd x ShutdownConnection", "200, 4096 bytes | POST ok || 200, 4096 bytes | POST ok"),
    ];

    private static readonly (string Row, string Expected)[] Expectations =
    [
        ("KeepOpen", "200, 4096 bytes | POST ok || 200, 4096 bytes | POST ok"),
        ("DisconnectAtStart", "no response | bookkeeping OnRequestStart || no response | bookkeeping OnRequestStart"),
        ("DisconnectAfterRequest", "no response | POST ok || no response | POST ok"),
        ("DisconnectDuringRequestBody", "no response | POST 32B OnRequestBody || no response | POST 32B OnRequestBody"),
        ("DisconnectAtEnd", "200, 4096 bytes | POST ok || 200, 4096 bytes | POST ok"),
        ("ShutdownInputAtEnd", "200, 4096 bytes | POST ok || 200, 4096 bytes | POST ok"),
        ("ShutdownOutputAtEnd", "200, 4096 bytes | POST ok || 200, 4096 bytes | POST ok"),
        ("ShutdownServerAfterResponse", "200, 4096 bytes, server stopped | POST ok || 200, 4096 bytes, server stopped | POST ok"),
        ("StallSocketAtStart", "stalled | bookkeeping OnRequestStart || stalled | bookkeeping OnRequestStart"),
        ("NoResponse", "stalled | POST ok || stalled | POST ok"),
        ("ExpectContinue", "200, 4096 bytes | POST ok || 200, 4096 bytes | POST ok"),
        ("ContinueAlways", "200, 4096 bytes | POST ok || 200, 4096 bytes | POST ok"),
        ("DisconnectDuringResponseBody", "200, body cut | POST ok || 200, body cut | POST ok or no response | POST ok"),
        ("ResetStreamAtStart", "no response | bookkeeping OnRequestStart || no response (h2 error Cancel) | POST OnRequestStart"),
        ("DoNotReadRequestBody", "200, 4096 bytes | POST 0B ok || 200, 4096 bytes | POST ok"),
        ("OnRequestStart x CloseSocket", "no response | bookkeeping OnRequestStart || no response | bookkeeping OnRequestStart"),
        ("OnRequestStart x ShutdownConnection", "no response | bookkeeping OnRequestStart || no response | POST OnRequestStart"),
        ("OnRequestStart x CloseStream", "no response | bookkeeping OnRequestStart || no response (h2 error Cancel) | POST OnRequestStart"),
        ("OnRequestStart x Stall", "stalled | bookkeeping OnRequestStart || stalled | bookkeeping OnRequestStart"),
        ("OnRequestBody x CloseSocket", "no response | POST 32B OnRequestBody || no response | POST 32B OnRequestBody"),
        ("OnRequestBody x ShutdownConnection", "no response | POST 32B OnRequestBody || no response | POST 32B OnRequestBody"),
        ("OnRequestBody x CloseStream", "no response | POST 32B OnRequestBody || no response (h2 error Cancel) | POST 32B OnRequestBody"),
        ("OnRequestBody x Stall", "stalled | POST 32B OnRequestBody || stalled | POST 32B OnRequestBody"),
        ("OnResponseStart x CloseSocket", "no response | POST ok || no response | POST ok"),
        ("OnResponseStart x ShutdownOutput", "no response | POST ok || no response | POST ok"),
        ("OnResponseStart x ShutdownConnection", "no response | POST ok || no response | POST ok"),
        ("OnResponseStart x CloseStream", "no response | POST ok || no response (h2 error Cancel) | POST ok"),
        ("OnResponseStart x Stall", "stalled | POST ok || stalled | POST ok"),
        ("OnResponseBody x CloseSocket", "200, body cut | POST ok || 200, body cut | POST ok or no response | POST ok"),
        ("OnResponseBody x ShutdownOutput", "200, body cut | POST ok || 200, body cut | POST ok"),
        ("OnResponseBody x ShutdownConnection", "200, body cut | POST ok || 200, body cut | POST ok"),
        ("OnResponseBody x CloseStream", "200, body cut | POST ok || 200, body cut (h2 error Cancel) | POST ok"),
        ("OnResponseBody x Stall", "stalled | POST ok || stalled | POST ok"),
        ("OnResponseEnd x CloseSocket", "200, 4096 bytes | POST ok || 200, 4096 bytes | POST ok"),
        ("OnResponseEnd x ShutdownInput", "200, 4096 bytes | POST ok || 200, 4096 bytes | POST ok"),
        ("OnResponseEnd x ShutdownOutput", "200, 4096 bytes | POST ok || 200, 4096 bytes | POST ok"),
        ("OnResponseEnd x ShutdownConnection", "200, 4096 bytes | POST ok || 200, 4096 bytes | POST ok"),
        ("OnResponseEnd x CloseStream", "200, 4096 bytes | POST ok || 200, 4096 bytes | POST ok"),
        ("OnResponseEnd x Stall", "200, 4096 bytes | POST ok || 200, 4096 bytes | POST ok"),
    ];
}

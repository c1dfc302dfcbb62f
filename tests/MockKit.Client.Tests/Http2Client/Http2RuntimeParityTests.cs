using System.Net;
using System.Net.Sockets;
using MockKit.MockServer;
using MockKit.Tls;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>
/// Over HTTP/2 (h2c with prior knowledge and h2 over TLS), a connection that ends before the
/// response headers fails InstrumentedHandler the way it fails SocketsHttpHandler: the same server
/// policy, each case against both handlers, the same <see cref="HttpRequestError"/>, public types only.
/// </summary>
/// <remarks>
/// What the runtime reports (SocketsHttpHandler, .NET 10), which these cases pin for both handlers:
/// the end of the stream (FIN) is <see cref="HttpRequestError.ResponseEnded"/>; a reset transport is
/// <see cref="HttpRequestError.Unknown"/> ("the request was aborted"); a GOAWAY that named the stream
/// as processed, then the end of the connection, is <see cref="HttpRequestError.HttpProtocolError"/>
/// with an <see cref="HttpProtocolException"/> carrying the GOAWAY's code.
/// </remarks>
public sealed class Http2RuntimeParityTests
{
    public static TheoryData<string, bool, string> Cases
    {
        get
        {
            var cases = new TheoryData<string, bool, string>();
            foreach (var which in new[] { "runtime", "mockkit" })
            {
                foreach (var tls in new[] { false, true })
                {
                    foreach (var ending in new[] { "close", "fin", "goaway" })
                    {
                        cases.Add(which, tls, ending);
                    }
                }
            }

            return cases;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_connection_that_ends_before_the_response_headers_reports_what_the_runtime_reports(string which, bool tls, string ending)
    {
        await using var server = new MockWebServer();
        var certificates = HandshakeCertificates.Localhost();
        if (tls)
        {
            server.UseHttps(certificates);
            server.Protocols = [Protocol.Http2];
        }
        else
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
        }

        // A first exchange settles the connection (both SETTINGS exchanged), so the failure below
        // meets a running connection and not its handshake.
        server.Enqueue(new MockResponse("warm"));
        for (var i = 0; i < 3; i++)
        {
            // Enough for MockKit's replay on a fresh connection (the first failure is on a reused one);
            // each attempt ends the same way.
            server.Enqueue(new MockResponse
            {
                OnResponseStart = ending switch
                {
                    "close" => new SocketEffect.CloseSocket(),                    // DisconnectAfterRequest's effect.
                    "fin" => new SocketEffect.CloseSocket(ShutdownOutput: true),  // The client reads the end of the stream.
                    _ => new SocketEffect.ShutdownConnection(),                   // GOAWAY(NO_ERROR) naming this stream, then the end.
                },
            });
        }

        await server.StartAsync();
        using var client = new HttpClient(Create(which, tls, certificates)) { Timeout = TimeSpan.FromSeconds(20) };
        using (var warm = await client.SendAsync(Get(server, "/warm")))
        {
            (await warm.Content.ReadAsStringAsync()).ShouldBe("warm");
        }

        var failure = await Should.ThrowAsync<HttpRequestException>(() => client.SendAsync(Get(server, "/fails")));

        failure.GetType().ShouldBe(typeof(HttpRequestException), "no internal exception type escapes the handler");
        PublicTypesOnly(failure);
        if (ending == "goaway")
        {
            failure.HttpRequestError.ShouldBe(HttpRequestError.HttpProtocolError, failure.ToString());
            failure.InnerException.ShouldBeOfType<HttpProtocolException>(failure.ToString()).ErrorCode.ShouldBe(0, "NO_ERROR, the GOAWAY's code");
        }
        else
        {
            // Closing a socket with unread bytes sends a reset instead of a FIN: which one the client
            // sees depends on what the server had read, so the case names the error for what arrived.
            var reset = Chain(failure).Any(e => e is SocketException);
            failure.HttpRequestError.ShouldBe(reset ? HttpRequestError.Unknown : HttpRequestError.ResponseEnded, failure.ToString());
            if (ending == "fin")
            {
                reset.ShouldBeFalse(failure.ToString());
            }
        }

        server.TakeRequest().Protocol.ShouldBe(tls ? Protocol.Http2 : Protocol.H2PriorKnowledge);
    }

    private static HttpRequestMessage Get(MockWebServer server, string path) => new(HttpMethod.Get, H2Harness.Url(server, path))
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private static HttpMessageHandler Create(string which, bool tls, HandshakeCertificates certificates) => (which, tls) switch
    {
        ("runtime", true) => certificates.CreateSocketsHttpHandler(),
        ("runtime", false) => new SocketsHttpHandler(),
        (_, true) => new InstrumentedHandler { Certificates = certificates },
        _ => new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] },
    };

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }

    private static void PublicTypesOnly(Exception failure)
    {
        foreach (var e in Chain(failure))
        {
            e.GetType().IsPublic.ShouldBeTrue($"{e.GetType()} in {failure}");
        }
    }
}

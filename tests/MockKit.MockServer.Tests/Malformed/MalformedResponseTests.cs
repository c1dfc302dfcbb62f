using System.Net;
using MockKit.Client;

namespace MockKit.MockServer.Tests.Malformed;

/// <summary>
/// Each named <see cref="MalformedResponse"/> fault over HTTP/1.1 and cleartext HTTP/2, against the
/// runtime's SocketsHttpHandler and MockKit's InstrumentedHandler: the call fails with the error
/// a user would look for, naming the problem, the request is recorded as usual, and the server
/// goes on serving.
/// </summary>
public sealed class MalformedResponseTests
{
    private const string Body = "hello, world";

    /// <summary>Fault, protocol, client; the HttpRequestError reported and words of the message that name the problem.</summary>
    public static TheoryData<string, string, string, HttpRequestError, string> Failures => new()
    {
        { "BadChunkSize", "http/1.1", Sockets, HttpRequestError.InvalidResponse, "chunk header length could not be parsed" },
        { "BadChunkSize", "http/1.1", Instrumented, HttpRequestError.InvalidResponse, "Invalid chunk size 'zz'" },
        { "TruncatedChunk", "http/1.1", Sockets, HttpRequestError.ResponseEnded, "The response ended prematurely" },
        { "TruncatedChunk", "http/1.1", Instrumented, HttpRequestError.ResponseEnded, "ended in the middle of its chunked body" },
        { "HeaderWithoutColon", "http/1.1", Sockets, HttpRequestError.InvalidResponse, "X-Malformed header line without a colon" },
        { "HeaderWithoutColon", "http/1.1", Instrumented, HttpRequestError.InvalidResponse, "'X-Malformed header line without a colon' has no colon" },
        { "BadChunkSize", "h2c", Sockets, HttpRequestError.HttpProtocolError, "PROTOCOL_ERROR" },
        { "BadChunkSize", "h2c", Instrumented, HttpRequestError.HttpProtocolError, "Pad Length 255, which is not less than its payload length" },
        { "TruncatedChunk", "h2c", Sockets, HttpRequestError.ResponseEnded, "The response ended prematurely" },
        { "TruncatedChunk", "h2c", Instrumented, HttpRequestError.ResponseEnded, "closed the HTTP/2 connection" },
        { "HeaderWithoutColon", "h2c", Sockets, HttpRequestError.InvalidResponse, "invalid or unrecognized response" },
        { "HeaderWithoutColon", "h2c", Instrumented, HttpRequestError.HttpProtocolError, "pseudo-header field :malformed after a regular field" },
        { "DataPastContentLength", "h2c", Instrumented, HttpRequestError.HttpProtocolError, "DATA past its content-length of 12 bytes" },
    };

    private const string Sockets = "SocketsHttpHandler";
    private const string Instrumented = "InstrumentedHandler";

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Fault_fails_the_call_with_the_error_naming_the_problem_and_the_server_goes_on(
        string fault, string protocol, string handler, HttpRequestError error, string problem)
    {
        await using var server = NewServer(protocol);
        server.Enqueue(new MockResponse(Body) { Malformed = Fault(fault) });
        using var client = NewClient(handler, protocol);

        var failure = await Should.ThrowAsync<HttpRequestException>(() => client.GetStringAsync(server.Url("/malformed")));

        Errors(failure).ShouldContain(error, Describe(failure));
        Describe(failure).ShouldContain(problem, Case.Sensitive);
        var recorded = server.TakeRequest();
        recorded.Path.ShouldBe("/malformed");
        recorded.Failure.ShouldBeNull();
        await ShouldGoOnServingAsync(server, client);
    }

    [Theory]
    [InlineData(Sockets)]
    [InlineData(Instrumented)]
    public async Task DataPastContentLength_over_http11_reads_the_declared_length_and_the_connection_is_not_reused(string handler)
    {
        // RFC 9112 section 6.3: the length is the declared one; what follows it cannot be a response.
        await using var server = NewServer("http/1.1");
        server.Enqueue(new MockResponse(Body) { Malformed = MalformedResponse.DataPastContentLength });
        using var client = NewClient(handler, "http/1.1");

        (await client.GetStringAsync(server.Url("/malformed"))).ShouldBe(Body);

        server.TakeRequest().ConnectionIndex.ShouldBe(0);
        await ShouldGoOnServingAsync(server, client);
        server.TakeRequest().ConnectionIndex.ShouldBe(1);
    }

    [Fact]
    public async Task DataPastContentLength_over_h2c_is_not_checked_by_SocketsHttpHandler()
    {
        // SocketsHttpHandler does not compare content-length with the DATA received (RFC 9113
        // section 8.1.1 makes the response malformed): it hands over every byte. Pinned here so the
        // documentation of the fault stays true.
        await using var server = NewServer("h2c");
        server.Enqueue(new MockResponse(Body) { Malformed = MalformedResponse.DataPastContentLength });
        using var client = NewClient(Sockets, "h2c");

        (await client.GetStringAsync(server.Url("/malformed"))).ShouldBe(Body + "past-the-length!");
    }

    private static async Task ShouldGoOnServingAsync(MockWebServer server, HttpClient client)
    {
        server.Enqueue(new MockResponse("still serving"));
        (await client.GetStringAsync(server.Url("/next"))).ShouldBe("still serving");
    }

    internal static MalformedResponse Fault(string name) => name switch
    {
        "BadChunkSize" => MalformedResponse.BadChunkSize,
        "TruncatedChunk" => MalformedResponse.TruncatedChunk,
        "HeaderWithoutColon" => MalformedResponse.HeaderWithoutColon,
        "DataPastContentLength" => MalformedResponse.DataPastContentLength,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such fault"),
    };

    internal static MockWebServer NewServer(string protocol) =>
        new() { Protocols = protocol == "h2c" ? [Protocol.H2PriorKnowledge] : [Protocol.Http11] };

    internal static HttpClient NewClient(string handler, string protocol)
    {
        var h2 = protocol == "h2c";
        HttpMessageHandler inner = handler == Sockets
            ? new SocketsHttpHandler()
            : new InstrumentedHandler { Protocols = h2 ? [Protocol.H2PriorKnowledge] : [Protocol.Http11] };
        return new HttpClient(inner)
        {
            DefaultRequestVersion = h2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(20), // A deadline, not a measurement: a fault that left the client waiting fails the test.
        };
    }

    /// <summary>Every HttpRequestError in the chain: the runtime wraps the one that names the problem.</summary>
    internal static List<HttpRequestError> Errors(Exception? e)
    {
        var errors = new List<HttpRequestError>();
        for (; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException request)
            {
                errors.Add(request.HttpRequestError);
            }
            else if (e is HttpIOException io)
            {
                errors.Add(io.HttpRequestError);
            }
        }

        return errors;
    }

    internal static string Describe(Exception? e)
    {
        var parts = new List<string>();
        for (; e is not null; e = e.InnerException)
        {
            parts.Add($"{e.GetType().Name}: {e.Message}");
        }

        return string.Join(" <- ", parts);
    }
}

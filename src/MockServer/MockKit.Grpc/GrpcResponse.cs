using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using MockKit.MockServer;

namespace MockKit.Grpc;

/// <summary>
/// gRPC responses for <see cref="MockWebServer"/>: each is an ordinary <see cref="MockResponse"/>
/// (status 200, <c>content-type: application/grpc</c>, length-prefixed messages, <c>grpc-status</c> and
/// <c>grpc-message</c> in the trailers) that the server's pipeline sends like any other, so socket
/// policies, delays, <see cref="MockResponse.Throttle"/>, <see cref="MockResponse.Headers"/> (response
/// metadata) and <see cref="MockResponse.Trailers"/> (trailing metadata) all apply.
/// </summary>
/// <remarks>
/// gRPC runs over HTTP/2 only: dispatched to an HTTP/1.1 request, a gRPC response is answered 505 and
/// the request's <see cref="RecordedRequest.Failure"/> says so. Messages are sent uncompressed.
/// </remarks>
public static class GrpcResponse
{
    /// <summary>What the server's 505 names when a gRPC response meets an HTTP/1.1 request.</summary>
    private const string Kind = "A gRPC response (MockKit.Grpc)";

    /// <summary>A unary response: one message, then <c>grpc-status: 0</c> (OK).</summary>
    /// <param name="message">The response message.</param>
    /// <returns>The response.</returns>
    public static MockResponse Unary(IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Messages([message], TimeSpan.Zero, StatusCode.OK, null);
    }

    /// <summary>
    /// A server-streaming response: the first message at once, each next one <paramref name="interval"/>
    /// later on the server's <see cref="TimeProvider"/>, each flushed, then <c>grpc-status: 0</c> (OK).
    /// </summary>
    /// <param name="messages">The messages, in order (read once, now).</param>
    /// <param name="interval">The wait between two messages; zero (the default) sends them back to back.</param>
    /// <returns>The response.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026", Justification = "Both overloads are the published contract (shared DESIGN.md); their required parameters differ, so no call is ambiguous.")]
    public static MockResponse Stream(IEnumerable<IMessage> messages, TimeSpan interval = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        return Messages(messages, interval, StatusCode.OK, null);
    }

    /// <summary>A server-streaming response that ends with <paramref name="status"/>: the messages, then that status.</summary>
    /// <param name="messages">The messages, in order (read once, now).</param>
    /// <param name="status">The status in the trailers.</param>
    /// <param name="detail">The status detail (<c>grpc-message</c>, percent-encoded on the wire); null sends none.</param>
    /// <returns>The response.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026", Justification = "Both overloads are the published contract (shared DESIGN.md); their required parameters differ, so no call is ambiguous.")]
    public static MockResponse Stream(IEnumerable<IMessage> messages, StatusCode status, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return Messages(messages, TimeSpan.Zero, status, detail);
    }

    /// <summary>
    /// An error as a Trailers-Only response: one header block carrying <c>:status 200</c>,
    /// <c>content-type</c>, <c>grpc-status</c>, <c>grpc-message</c> (percent-encoded) and any
    /// <see cref="MockResponse.Headers"/> and <see cref="MockResponse.Trailers"/> added later, with END_STREAM.
    /// </summary>
    /// <param name="status">The status.</param>
    /// <param name="detail">The status detail (any text; percent-encoded on the wire); null sends none.</param>
    /// <returns>The response.</returns>
    public static MockResponse Error(StatusCode status, string? detail = null)
    {
        var response = new MockResponse { TrailersOnly = true, RequiresHttp2 = Kind, Headers = { { "content-type", GrpcContentType.Default } } };
        AddStatus(response.Trailers, status, detail);
        return response;
    }

    /// <summary>
    /// A client-streaming or bidirectional response run by <paramref name="handler"/>: it reads the request
    /// messages as they arrive and writes response messages as it goes; the <see cref="Status"/> it returns
    /// goes in the trailers (an <see cref="RpcException"/> it throws does too, with its trailers). Built on
    /// <see cref="MockResponse.DuplexHandler"/>: full duplex when the response is known as the request
    /// arrives (enqueued, or a <see cref="RouteDispatcher"/> route).
    /// </summary>
    /// <typeparam name="TRequest">The request message type.</typeparam>
    /// <typeparam name="TResponse">The response message type.</typeparam>
    /// <param name="handler">Reads requests, writes responses, returns the status; its token ends with the server.</param>
    /// <returns>The response.</returns>
    /// <remarks>The handler cannot see the request's headers; a message flagged compressed is decoded as gzip.</remarks>
    public static MockResponse Duplex<TRequest, TResponse>(
        Func<IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, CancellationToken, Task<Status>> handler)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(handler);
        var run = GrpcDuplex.Create(handler);
        return new MockResponse
        {
            RequiresHttp2 = Kind,
            Headers = { { "content-type", GrpcContentType.Default } },
            DuplexHandler = async (request, response, ct) => await run(request, response, ct).ConfigureAwait(false),
            DuplexTrailersHandler = run,
        };
    }

    /// <summary>Adds <c>grpc-status</c> and, when there is a detail, the percent-encoded <c>grpc-message</c>.</summary>
    internal static void AddStatus(MockHeaders trailers, StatusCode status, string? detail)
    {
        trailers.Add("grpc-status", ((int)status).ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(detail))
        {
            trailers.Add("grpc-message", GrpcStatusText.EncodeMessage(detail));
        }
    }

    private static MockResponse Messages(IEnumerable<IMessage> messages, TimeSpan interval, StatusCode status, string? detail)
    {
        var frames = new List<ReadOnlyMemory<byte>>();
        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            frames.Add(GrpcFraming.Frame(message));
        }

        var response = new MockResponse
        {
            RequiresHttp2 = Kind,
            Headers = { { "content-type", GrpcContentType.Default } },
            // One message needs no pacing: a plain body keeps the writers' fast path (HEADERS and DATA in one write).
            Body = frames.Count == 1 ? MockBody.FromBytes(frames[0].Span) : MockBody.Paced(frames, interval),
        };
        AddStatus(response.Trailers, status, detail);
        return response;
    }
}

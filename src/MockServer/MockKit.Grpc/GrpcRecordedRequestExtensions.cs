using Google.Protobuf;
using MockKit.MockServer;

namespace MockKit.Grpc;

/// <summary>gRPC's view of a <see cref="RecordedRequest"/>: the call's method, deadline and messages.</summary>
public static class GrpcRecordedRequestExtensions
{
    /// <summary>True when the request's content type is <c>application/grpc</c> or <c>application/grpc+…</c>.</summary>
    /// <param name="request">The recorded request.</param>
    /// <returns>Whether it is a gRPC call.</returns>
    public static bool IsGrpc(this RecordedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return GrpcContentType.Is(request.Headers["content-type"]);
    }

    /// <summary>The called method as gRPC's <c>Method.FullName</c> names it: <c>/package.Service/Method</c>.</summary>
    /// <param name="request">The recorded request.</param>
    /// <returns>The method's path.</returns>
    /// <exception cref="InvalidOperationException">The request is not a gRPC call.</exception>
    public static string GrpcMethod(this RecordedRequest request)
    {
        EnsureGrpc(request, nameof(GrpcMethod));
        var target = request.Target;
        var query = target.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? target : target[..query];
    }

    /// <summary>The call's deadline as sent in <c>grpc-timeout</c>; null when the call has none.</summary>
    /// <param name="request">The recorded request.</param>
    /// <returns>The timeout, or null.</returns>
    /// <exception cref="InvalidOperationException">The header is present but not a gRPC timeout.</exception>
    public static TimeSpan? GrpcTimeout(this RecordedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Headers["grpc-timeout"] is not { } value)
        {
            return null;
        }

        return GrpcStatusText.TryParseTimeout(value, out var timeout)
            ? timeout
            : throw new InvalidOperationException(
                $"grpc-timeout '{value}' is not a gRPC timeout (1 to 8 digits, then H, M, S, m, u or n): {Describe(request)}");
    }

    /// <summary>
    /// Every length-prefixed message of the recorded body, parsed as <typeparamref name="T"/>; messages
    /// compressed with <c>grpc-encoding: gzip</c> are decoded.
    /// </summary>
    /// <typeparam name="T">The generated message type.</typeparam>
    /// <param name="request">The recorded request.</param>
    /// <returns>The messages, in order (empty for an empty body).</returns>
    /// <exception cref="InvalidOperationException">
    /// Not a gRPC call; the body was cut at <see cref="MockWebServer.BodyLimit"/>; the body is truncated
    /// mid-message; a message uses another encoding than gzip; a message does not parse as <typeparamref name="T"/>.
    /// </exception>
    public static IReadOnlyList<T> ReadGrpcMessages<T>(this RecordedRequest request)
        where T : IMessage<T>, new()
    {
        EnsureGrpc(request, nameof(ReadGrpcMessages));
        var source = $"The gRPC request body of {Describe(request)}";
        if (request.Body.LongLength < request.BodySize)
        {
            throw new InvalidOperationException(
                $"{source} was cut at the server's BodyLimit: {request.Body.Length} of {request.BodySize} bytes kept; raise MockWebServer.BodyLimit to read its messages.");
        }

        var payloads = GrpcFraming.Split(request.Body, request.Headers["grpc-encoding"], source);
        var parser = new MessageParser<T>(() => new T());
        var messages = new T[payloads.Count];
        for (var i = 0; i < payloads.Count; i++)
        {
            messages[i] = GrpcFraming.Parse(parser, payloads[i], i, source);
        }

        return messages;
    }

    private static void EnsureGrpc(RecordedRequest request, string what)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.IsGrpc())
        {
            var type = request.Headers["content-type"] is { } t ? $"content-type '{t}'" : "no content-type";
            throw new InvalidOperationException(
                $"{what}: {Describe(request)} is not a gRPC call ({type}; gRPC sends application/grpc).");
        }
    }

    internal static string Describe(RecordedRequest request) =>
        request.RequestLine.Length == 0 ? "(no request line)" : $"'{request.RequestLine}'";
}

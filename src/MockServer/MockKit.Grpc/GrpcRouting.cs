using Google.Protobuf;
using Grpc.Core;
using MockKit.MockServer;

namespace MockKit.Grpc;

/// <summary>gRPC routes on a <see cref="RouteDispatcher"/>.</summary>
public static class GrpcRouting
{
    /// <summary>
    /// A rule matching calls of <paramref name="fullMethodName"/>: POST to that path with a gRPC content
    /// type. The near-miss report names it <c>POST /package.Service/Method</c>. Once a dispatcher has a gRPC
    /// rule, a gRPC call no rule matches is answered Trailers-Only <c>UNIMPLEMENTED</c> whose
    /// <c>grpc-message</c> is the near-miss report (unless <see cref="RouteDispatcher.Fallback"/> is set),
    /// and is recorded with an <see cref="UnmatchedRequestException"/> as any miss.
    /// </summary>
    /// <param name="routes">The dispatcher.</param>
    /// <param name="fullMethodName"><c>/greet.Greeter/SayHello</c> or <c>greet.Greeter/SayHello</c>.</param>
    /// <returns>The rule, to be finished with a <c>Respond…</c> call.</returns>
    public static RouteBuilder MapGrpc(this RouteDispatcher routes, string fullMethodName)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentException.ThrowIfNullOrEmpty(fullMethodName);
        var path = fullMethodName.StartsWith('/') ? fullMethodName : "/" + fullMethodName;
        var parts = path.Split('/');
        if (parts.Length != 3 || parts[1].Length == 0 || parts[2].Length == 0 || path.AsSpan().IndexOfAny('{', '}', '?') >= 0)
        {
            throw new ArgumentException($"'{fullMethodName}' is not a gRPC method name (/package.Service/Method).", nameof(fullMethodName));
        }

        routes.UnmatchedResponse ??= Unimplemented;
        return routes.Map("POST", path).WithHeadCondition(GrpcContentTypeMismatch);
    }

    /// <summary>
    /// Finishes a rule with a unary answer computed from the call's one request message; an
    /// <see cref="RpcException"/> thrown by <paramref name="respond"/> becomes that status (Trailers-Only).
    /// A call whose body is not exactly one <typeparamref name="TRequest"/> is answered <c>INTERNAL</c>
    /// naming what was wrong (and recorded with that failure).
    /// </summary>
    /// <typeparam name="TRequest">The request message type.</typeparam>
    /// <typeparam name="TResponse">The response message type.</typeparam>
    /// <param name="rule">The rule (from <see cref="MapGrpc"/>).</param>
    /// <param name="respond">Computes the response message.</param>
    /// <returns>The dispatcher, to chain more rules.</returns>
    public static RouteDispatcher RespondUnary<TRequest, TResponse>(this RouteBuilder rule, Func<TRequest, TResponse> respond)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(respond);
        return rule.Respond((request, _) =>
        {
            IReadOnlyList<TRequest> messages;
            try
            {
                messages = request.ReadGrpcMessages<TRequest>();
            }
            catch (InvalidOperationException e)
            {
                request.TrySetFailure(e);
                return GrpcResponse.Error(StatusCode.Internal, e.Message);
            }

            if (messages.Count != 1)
            {
                var message = $"A unary call carries exactly one request message; {GrpcRecordedRequestExtensions.Describe(request)} carried {messages.Count}.";
                request.TrySetFailure(new InvalidOperationException(message));
                return GrpcResponse.Error(StatusCode.Internal, message);
            }

            try
            {
                return GrpcResponse.Unary(respond(messages[0]));
            }
            catch (RpcException e)
            {
                var error = GrpcResponse.Error(e.StatusCode, e.Status.Detail);
                foreach (var entry in e.Trailers)
                {
                    error.Trailers.Add(entry.Key, entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value);
                }

                return error;
            }
        });
    }

    /// <summary>Null when the content type is gRPC's (<c>application/grpc</c>, <c>application/grpc+…</c>), else why not.</summary>
    private static string? GrpcContentTypeMismatch(RecordedRequest request)
    {
        var actual = request.Headers["content-type"];
        return GrpcContentType.Is(actual)
            ? null
            : $"content type {(actual is null ? "missing" : "is \"" + (actual.Length <= 80 ? actual : actual[..80] + "…") + "\"")}, expected application/grpc";
    }

    /// <summary>A gRPC call no rule matched: UNIMPLEMENTED, its detail the near-miss report.</summary>
    private static MockResponse? Unimplemented(RecordedRequest request, string report) =>
        request.IsGrpc() ? GrpcResponse.Error(StatusCode.Unimplemented, report) : null;
}

using System.Text;
using Google.Protobuf;
using MockKit.MockServer;
using Shouldly;

namespace MockKit.Grpc;

/// <summary>
/// Shouldly-style assertions over a recorded gRPC call, in the style of MockKit.Assertions: each returns
/// its request so they chain, and fails with a <see cref="ShouldAssertException"/> showing expected,
/// actual and the recorded request.
/// </summary>
public static class GrpcRequestAssertions
{
    /// <summary>Asserts a gRPC call (POST, gRPC content type) of <paramref name="fullMethodName"/>.</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="fullMethodName"><c>/greet.Greeter/SayHello</c> or <c>greet.Greeter/SayHello</c>.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldBeGrpcCall(this RecordedRequest request, string fullMethodName)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(fullMethodName);
        var expected = fullMethodName.StartsWith('/') ? fullMethodName : "/" + fullMethodName;
        string actual;
        if (!request.IsGrpc())
        {
            actual = $"not a gRPC call (content-type {request.Headers["content-type"] ?? "missing"})";
        }
        else if (request.Method != "POST")
        {
            actual = $"a {request.Method} (gRPC calls are POST)";
        }
        else
        {
            actual = request.GrpcMethod();
            if (actual == expected)
            {
                return request;
            }

            actual = $"a call of {actual}";
        }

        throw Failure(request, "be a gRPC call", $"a call of {expected}", actual);
    }

    /// <summary>Asserts that the call carried exactly one message, equal to <paramref name="expected"/> (protobuf equality).</summary>
    /// <typeparam name="T">The generated message type.</typeparam>
    /// <param name="request">The recorded request.</param>
    /// <param name="expected">The expected message.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveGrpcMessage<T>(this RecordedRequest request, T expected)
        where T : IMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(expected);
        return ShouldHaveGrpcMessages(request, expected);
    }

    /// <summary>Asserts that the call carried exactly one message, for which <paramref name="predicate"/> holds.</summary>
    /// <typeparam name="T">The generated message type.</typeparam>
    /// <param name="request">The recorded request.</param>
    /// <param name="predicate">The condition.</param>
    /// <param name="description">What the condition checks, for the failure message.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveGrpcMessage<T>(this RecordedRequest request, Func<T, bool> predicate, string description)
        where T : IMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(predicate);
        ArgumentException.ThrowIfNullOrEmpty(description);
        var messages = Read<T>(request, "have a gRPC message that " + description);
        if (messages.Count == 1 && predicate(messages[0]))
        {
            return request;
        }

        throw Failure(request, "have a gRPC message that " + description, $"one {typeof(T).Name} that {description}", Show(messages));
    }

    /// <summary>Asserts the call's messages, in order, by protobuf equality.</summary>
    /// <typeparam name="T">The generated message type.</typeparam>
    /// <param name="request">The recorded request.</param>
    /// <param name="expected">The expected messages.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveGrpcMessages<T>(this RecordedRequest request, params T[] expected)
        where T : IMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(expected);
        var assertion = expected.Length == 1 ? "have the gRPC message" : "have the gRPC messages";
        var messages = Read<T>(request, assertion);
        if (messages.SequenceEqual(expected))
        {
            return request;
        }

        throw Failure(request, assertion, Show(expected), Show(messages));
    }

    /// <summary>Asserts the call's deadline as sent in <c>grpc-timeout</c>, within <paramref name="tolerance"/>.</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="expected">The expected timeout.</param>
    /// <param name="tolerance">How far the sent value may be below <paramref name="expected"/> (the client counts down before sending).</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveGrpcTimeout(this RecordedRequest request, TimeSpan expected, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actual = request.GrpcTimeout();
        if (actual is { } t && t <= expected && expected - t <= tolerance)
        {
            return request;
        }

        throw Failure(request, "have a gRPC timeout", $"{expected} (within {tolerance})", actual?.ToString() ?? "no grpc-timeout");
    }

    private static IReadOnlyList<T> Read<T>(RecordedRequest request, string assertion)
        where T : IMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return request.ReadGrpcMessages<T>();
        }
        catch (InvalidOperationException e)
        {
            throw Failure(request, assertion, $"{typeof(T).Name} messages", e.Message);
        }
    }

    private static string Show<T>(IReadOnlyList<T> messages)
        where T : IMessage<T> =>
        messages.Count == 0 ? "no messages" : "[" + string.Join(", ", messages.Select(m => JsonFormatter.Default.Format(m))) + "]";

    private static ShouldAssertException Failure(RecordedRequest request, string assertion, string expected, string actual)
    {
        var text = new StringBuilder()
            .Append("request should ").Append(assertion).Append('\n')
            .Append("    ").Append(expected).Append('\n')
            .Append("    but was\n")
            .Append("    ").Append(actual).Append("\n\n")
            .Append(request.RequestLine.Length == 0 ? "(no request line)" : request.RequestLine)
            .Append($" (connection {request.ConnectionIndex}, sequence {request.SequenceNumber})");
        foreach (var (name, value) in request.Headers)
        {
            text.Append("\n    ").Append(name).Append(": ").Append(value);
        }

        if (request.Failure is { } failure)
        {
            text.Append("\n    failure: ").Append(failure.Message);
        }

        return new ShouldAssertException(text.ToString());
    }
}

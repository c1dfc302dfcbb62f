using System.Globalization;
using MockKit.MockServer.Policies;

namespace MockKit.MockServer;

/// <summary>
/// A named way for a scripted response to misbehave at a precise moment. Each policy is a
/// facade over a (trigger, effect) pair (see <see cref="SocketEffect"/>) or a protocol
/// switch; <see cref="MockResponse"/>'s trigger properties override the pair per trigger.
/// Instances are immutable and compare by value.
/// </summary>
public abstract record SocketPolicy
{
    private protected SocketPolicy(string name, PolicyTriggers triggers)
    {
        Name = name;
        Triggers = triggers;
    }

    /// <summary>The policy's name as used in messages and logs, e.g. <c>DisconnectAfterRequest</c>.</summary>
    public string Name { get; }

    internal PolicyTriggers Triggers { get; }

    /// <summary>Serve normally and keep the connection open for more requests (the default).</summary>
    public static SocketPolicy KeepOpen { get; } = new Named(nameof(KeepOpen), PolicyTriggers.None);

    /// <summary>
    /// Close the connection before reading a request. On a new connection it closes at accept
    /// (before TLS); on a kept-alive connection it closes as soon as the next request's first
    /// byte arrives, without reading it — a deterministic stand-in for a server that dropped an
    /// idle pooled connection. A bookkeeping entry is recorded.
    /// </summary>
    public static SocketPolicy DisconnectAtStart { get; } =
        new Named(nameof(DisconnectAtStart), new() { OnRequestStart = new SocketEffect.CloseSocket() });

    /// <summary>Read and record the request, then close the socket without responding.</summary>
    public static SocketPolicy DisconnectAfterRequest { get; } =
        new Named(nameof(DisconnectAfterRequest), new() { OnResponseStart = new SocketEffect.CloseSocket() });

    /// <summary>Close the socket after reading half of the request body (the partial request is recorded with a failure).</summary>
    public static SocketPolicy DisconnectDuringRequestBody { get; } =
        new Named(nameof(DisconnectDuringRequestBody), new() { OnRequestBody = new SocketEffect.CloseSocket() });

    /// <summary>Write the response and close the socket after the whole response is sent.</summary>
    public static SocketPolicy DisconnectAtEnd { get; } =
        new Named(nameof(DisconnectAtEnd), new() { OnResponseEnd = new SocketEffect.CloseSocket() });

    /// <summary>
    /// After writing this response (typically <c>200</c> to a CONNECT), perform a TLS server
    /// handshake on the same socket and keep serving requests inside it: how the server plays
    /// an HTTPS proxy. Needs <see cref="MockWebServer.UseHttps"/> certificates.
    /// </summary>
    public static SocketPolicy UpgradeToSslAtEnd { get; } =
        new Named(nameof(UpgradeToSslAtEnd), new() { UpgradeToSslAtEnd = true });

    /// <summary>Abort the TLS handshake of the next connection; a bookkeeping entry is recorded.</summary>
    public static SocketPolicy FailHandshake { get; } =
        new Named(nameof(FailHandshake), new() { FailHandshake = true });

    /// <summary>After the response, shut down the socket's input (the server reads end of stream next).</summary>
    public static SocketPolicy ShutdownInputAtEnd { get; } =
        new Named(nameof(ShutdownInputAtEnd), new() { OnResponseEnd = new SocketEffect.CloseSocket(ShutdownInput: true) });

    /// <summary>After the response, shut down the socket's output (the client reads end of stream).</summary>
    public static SocketPolicy ShutdownOutputAtEnd { get; } =
        new Named(nameof(ShutdownOutputAtEnd), new() { OnResponseEnd = new SocketEffect.CloseSocket(ShutdownOutput: true) });

    /// <summary>After the response, shut the whole server down.</summary>
    public static SocketPolicy ShutdownServerAfterResponse { get; } =
        new Named(nameof(ShutdownServerAfterResponse), new() { OnResponseEnd = new SocketEffect.ShutdownServer() });

    /// <summary>Accept the connection, then read nothing and send nothing until the server shuts down; a bookkeeping entry is recorded.</summary>
    public static SocketPolicy StallSocketAtStart { get; } =
        new Named(nameof(StallSocketAtStart), new() { OnRequestStart = new SocketEffect.Stall() });

    /// <summary>Read and record the request, then never answer, keeping the socket open.</summary>
    public static SocketPolicy NoResponse { get; } =
        new Named(nameof(NoResponse), new() { OnResponseStart = new SocketEffect.Stall() });

    /// <summary>Send <c>100 Continue</c> before reading the body when the request carries <c>Expect: 100-continue</c>.</summary>
    public static SocketPolicy ExpectContinue { get; } =
        new Named(nameof(ExpectContinue), new() { Continue = ContinueMode.WhenExpected });

    /// <summary>Send <c>100 Continue</c> before reading the body even when the request did not ask for it.</summary>
    public static SocketPolicy ContinueAlways { get; } =
        new Named(nameof(ContinueAlways), new() { Continue = ContinueMode.Always });

    /// <summary>
    /// Close the socket part-way through the response body.
    /// </summary>
    /// <param name="afterBytes">Body bytes sent before closing; -1 (the default) for half the body.</param>
    /// <returns>The policy.</returns>
    public static SocketPolicy DisconnectDuringResponseBody(long afterBytes = -1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(afterBytes, -1);
        return new Named(
            afterBytes < 0 ? nameof(DisconnectDuringResponseBody) : $"{nameof(DisconnectDuringResponseBody)}({afterBytes.ToString(CultureInfo.InvariantCulture)})",
            new() { OnResponseBody = new SocketEffect.CloseSocket(), OnResponseBodyAfterBytes = afterBytes });
    }

    /// <summary>
    /// Answer the request's start with a stream reset instead of a response: on HTTP/2 an
    /// RST_STREAM with <paramref name="code"/> once the request headers are read (the request is
    /// recorded); on HTTP/1 the socket is closed before the request is read (a bookkeeping entry).
    /// </summary>
    /// <param name="code">The RST_STREAM code.</param>
    /// <returns>The policy.</returns>
    public static SocketPolicy ResetStreamAtStart(Http2ErrorCode code = Http2ErrorCode.InternalError) =>
        new Named($"{nameof(ResetStreamAtStart)}({code})", new() { OnRequestStart = new SocketEffect.CloseStream(code) });

    /// <summary>
    /// Respond without reading the request body. On HTTP/2 the stream is then reset with
    /// <paramref name="code"/> (NO_ERROR by default, RFC 9113 section 8.1); on HTTP/1, where the
    /// unread body makes the connection unusable, the socket is closed after the response.
    /// </summary>
    /// <param name="code">The RST_STREAM code sent after the response on HTTP/2.</param>
    /// <returns>The policy.</returns>
    public static SocketPolicy DoNotReadRequestBody(Http2ErrorCode code = Http2ErrorCode.NoError) =>
        new Named($"{nameof(DoNotReadRequestBody)}({code})", new() { DoNotReadRequestBody = true, OnResponseEnd = new SocketEffect.CloseStream(code) });

    /// <inheritdoc />
    public override string ToString() => Name;

    private sealed record Named(string PolicyName, PolicyTriggers PolicyTriggers) : SocketPolicy(PolicyName, PolicyTriggers)
    {
        public override string ToString() => Name;
    }
}

using MockKit.MockServer.Connections;
using MockKit.MockServer.Dispatching;
using MockKit.MockServer.Recording;

namespace MockKit.MockServer.Exchanges;

/// <summary>
/// The triggers that act before a request was read: at accept (before TLS) and, on HTTP/1, before
/// each kept-alive request. The response is claimed only when it acts then, and is consumed with a
/// bookkeeping entry (empty method, the failure naming the policy), so <c>TakeRequest</c> accounts
/// for every scripted response. Fired the one way every trigger before a response fires
/// (<see cref="FireAsync"/>).
/// </summary>
internal static partial class ServerExchange
{
    /// <summary>
    /// The claim before any request was read: only a response <paramref name="wanted"/> accepts (one
    /// that acts then) is taken; the caller consumes it with a bookkeeping entry.
    /// </summary>
    public static ResponseClaim? ClaimBeforeRequest(MockWebServer server, Func<MockResponse, bool> wanted) =>
        server.Dispatcher.Claim(null, wanted);

    /// <summary>
    /// At accept: if the next scripted response closes or stalls at request start, take it (so no
    /// other connection can) and act before reading anything (and before TLS).
    /// </summary>
    /// <returns>True when the connection is finished.</returns>
    public static async Task<bool> ApplyAtConnectionStartAsync(ServerConnection connection)
    {
        var claim = ClaimBeforeRequest(connection.Server, static r =>
            r.Effective.OnRequestStart is SocketEffect.CloseSocket { ShutdownInput: false, ShutdownOutput: false } or SocketEffect.Stall);
        return claim is not null && await FireBeforeRequestAsync(connection, connection.Server.DefaultCleartextProtocol, claim).ConfigureAwait(false);
    }

    /// <summary>Before an HTTP/1 request is read: if the next response acts at request start, take it and act.</summary>
    /// <returns>True when the effect ended the connection.</returns>
    public static async Task<bool> ApplyBeforeRequestAsync(ServerConnection connection, Protocol protocol)
    {
        var claim = ClaimBeforeRequest(connection.Server, static r => r.Effective.OnRequestStart is not null);
        return claim is not null && await FireBeforeRequestAsync(connection, protocol, claim).ConfigureAwait(false);
    }

    /// <summary>
    /// Consumes a response claimed before any request (FailHandshake's, whose "effect" is the TLS
    /// alert the caller sends) with its bookkeeping entry.
    /// </summary>
    public static async Task ConsumeBeforeRequestAsync(ServerConnection connection, ResponseClaim claim, SocketPolicyException failure)
    {
        var entry = RecordedRequestFactory.Bookkeeping(connection.NextSequenceNumber(), connection.Index, Protocol.Http11, null, failure);
        connection.Server.Record(entry);
        await connection.Server.DispatchAsync(entry, claim, connection.ShutdownToken).ConfigureAwait(false);
        connection.Log(failure.Message);
    }

    private static async Task<bool> FireBeforeRequestAsync(ServerConnection connection, Protocol protocol, ResponseClaim claim)
    {
        var claimed = claim.Response;
        var effect = claimed.Effective.OnRequestStart!;
        var failure = new SocketPolicyException(
            nameof(MockResponse.OnRequestStart),
            effect,
            $"{ServerConnection.DescribeSource(claimed, claimed.OnRequestStart)}: {effect} before a request was read.");
        var entry = RecordedRequestFactory.Bookkeeping(connection.NextSequenceNumber(), connection.Index, protocol, connection.Handshake, failure);
        var (_, ended) = await FireAsync(connection.Server, entry, claim, nameof(MockResponse.OnRequestStart), effect, connection, connection.Log, connection.ShutdownToken).ConfigureAwait(false);
        return ended;
    }
}

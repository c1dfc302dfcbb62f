using System.Globalization;
using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Exchanges;

/// <summary>The pipeline's side door for a <see cref="HostEndpoint"/>: read the body, ask the host, write its answer.</summary>
internal static partial class ServerExchange
{
    /// <summary>
    /// Serves a request the host owns. Only framing runs: the body is read (a malformed one is
    /// recorded and answered by the protocol, as for any request), the response written; no claim,
    /// no record, no dispatch, no policy, no traffic log line, no metric.
    /// </summary>
    /// <returns>True when the connection carries another exchange.</returns>
    private static async Task<bool> ServeHostAsync(IExchangeTransport transport, HostEndpoint host, CancellationToken ct)
    {
        // An oversized body is still read (and dropped past the server's BodyLimit) so the client, which
        // is usually still sending it, gets the 413 instead of a connection reset: closing a socket with
        // unread input makes the kernel send RST, and the runtime's HttpClient then reports the reset,
        // not the answer. Only a body too large to be worth reading is refused unread.
        if (DeclaredLength(transport.BuildHead()) > UnreadBodyThreshold)
        {
            // Refused unread, as DoNotReadRequestBody does it: HTTP/1 closes the connection after the
            // response (the unread body makes it unusable), HTTP/2 resets the stream with NO_ERROR
            // (RFC 9113 section 8.1). The refusal is the one host answer the traffic log shows.
            var refusal = TooLarge(host);
            var (unread, unreadFailure) = await transport.ReadBodyAsync(refusal.Effective, ct).ConfigureAwait(false);
            if (unread == RequestBodyOutcome.Failed)
            {
                return await FailHostBodyAsync(transport, unreadFailure).ConfigureAwait(false);
            }

            return await RespondAsync(transport, new ExchangeState(null), refusal, bodyUnread: true, liveBody: null, ct).ConfigureAwait(false);
        }

        var (body, failure) = await transport.ReadBodyAsync(PolicyTriggers.None, ct).ConfigureAwait(false);
        if (body == RequestBodyOutcome.Failed)
        {
            return await FailHostBodyAsync(transport, failure).ConfigureAwait(false);
        }

        var request = transport.BuildRequest(null);
        MockResponse response;
        if (request.BodySize > host.MaxBodyBytes)
        {
            response = TooLarge(host);
        }
        else
        {
            try
            {
                response = await host.ServeAsync(request, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is OperationCanceledException && ct.IsCancellationRequested))
            {
                // The host's code is user code: its failure is an answer, never an exception on the server's
                // threads (which would end the whole connection).
                response = HostFailed(e);
            }
        }

        await transport.BeforeWriteResponseAsync(response, ct).ConfigureAwait(false);
        await ResponseWriter.WriteAsync(transport, transport.RequestMethod, response, PolicyTriggers.None, ct).ConfigureAwait(false);
        return await transport.FinishAsync(response, PolicyTriggers.None, bodyUnread: false).ConfigureAwait(false);
    }

    /// <summary>
    /// A malformed body is recorded and answered by the protocol as for any request (the one kind of
    /// host request that is recorded: the input never became an admin call).
    /// </summary>
    private static async Task<bool> FailHostBodyAsync(IExchangeTransport transport, Exception? failure)
    {
        Record(transport, transport.BuildRequest(failure));
        await transport.AnswerFailedBodyAsync().ConfigureAwait(false);
        return false;
    }

    /// <summary>Declared bodies above this (64 MiB) are refused without reading them.</summary>
    private const long UnreadBodyThreshold = 64L * 1024 * 1024;

    private static long DeclaredLength(RecordedRequest head) =>
        long.TryParse(head.Headers["Content-Length"], NumberStyles.None, CultureInfo.InvariantCulture, out var length) ? length : 0;

    private static MockResponse TooLarge(HostEndpoint host) =>
        new(413, $"{{\"error\": \"request body larger than {host.MaxBodyBytes} bytes\"}}\n")
        {
            Headers = { { "Content-Type", "application/json" } },
            SocketPolicy = SocketPolicy.DoNotReadRequestBody(),
        };

    private static MockResponse HostFailed(Exception failure) =>
        new(500, $"host endpoint failed: {failure.GetType().Name}: {failure.Message}\n")
        {
            Headers = { { "Content-Type", "text/plain; charset=utf-8" } },
        };
}

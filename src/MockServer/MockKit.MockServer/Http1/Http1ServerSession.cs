using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using MockKit.Http1;
using MockKit.MockServer.Connections;
using MockKit.MockServer.Exchanges;
using MockKit.MockServer.Policies;
using MockKit.MockServer.Recording;

namespace MockKit.MockServer.Http1;

/// <summary>
/// Serves HTTP/1.x on one connection: reads a request head and its body framing, runs the exchange
/// pipeline (<see cref="ServerExchange"/>) with this session as its transport
/// (<c>Http1ServerSession.Exchange.cs</c>), and repeats while the connection stays open. The
/// triggers fire in the pipeline at the moments it names; HTTP/1 adds one: before each request is
/// read (for kept-alive connections, as soon as its first byte arrives) a response that acts at
/// request start is taken with a bookkeeping entry (ServerExchange.ApplyBeforeRequestAsync).
/// OnRequestBody fires after half the declared body (after the first chunk when chunked);
/// OnResponseBody after N body bytes, via <see cref="ResponseBodyTriggerStream"/>. Every effect acts
/// on the whole connection.
/// Malformed input is answered with 400/414/431/501/505 where the socket allows, recorded with
/// a failure, and ends only this connection.
/// </summary>
internal sealed partial class Http1ServerSession
{
    private readonly ServerConnection _connection;
    private readonly MockWebServer _server;
    private readonly List<PipeReader> _retiredInputs = [];

    // The previous request head's strings and field list, reused where the next head repeats them (a
    // kept-alive client sends nearly the same head every time). The head of one exchange is used only
    // while that exchange runs: its recording keeps the raw bytes (_rawHead), not these strings or list.
    private readonly Http1FieldCache _fieldCache = new();
    private PipeReader _input;
    private bool _switchToHttp2;
    private byte[] _rawHead = []; // The current request's head as received, for its recording.

    public Http1ServerSession(ServerConnection connection)
    {
        _connection = connection;
        _server = connection.Server;
        _input = PipeReader.Create(connection.Transport, new StreamPipeReaderOptions(leaveOpen: true));
    }

    private CancellationToken ShutdownToken => _connection.ShutdownToken;

    /// <summary>Serves requests until the connection ends or switches protocol.</summary>
    /// <returns>True when a TLS upgrade negotiated h2: the caller continues the connection as HTTP/2.</returns>
    public async Task<bool> RunAsync()
    {
        try
        {
            for (var first = true; ; first = false)
            {
                if (!first)
                {
                    // Waits until the next request's first byte arrives, consuming nothing. Inline, not a
                    // method of its own: this await suspends on nearly every kept-alive request, and each
                    // async method that suspends allocates its state machine, where this loop's is made once.
                    _connection.State = "idle, waiting for the next request";
                    var next = await _input.ReadAsync(ShutdownToken).ConfigureAwait(false);
                    var available = !next.Buffer.IsEmpty;
                    _input.AdvanceTo(next.Buffer.Start);
                    if (!available)
                    {
                        return false;
                    }
                }

                if (await ServerExchange.ApplyBeforeRequestAsync(_connection, Protocol.Http11).ConfigureAwait(false))
                {
                    return false;
                }

                if (!await ReadRequestAsync().ConfigureAwait(false))
                {
                    return false;
                }

                // HTTP/1 reads nothing else while its exchange runs: the exchange's claim is the one on arrival.
                if (!await ServerExchange.RunAsync(this, claim: null, ShutdownToken).ConfigureAwait(false))
                {
                    return _switchToHttp2;
                }
            }
        }
        finally
        {
            _responseHead?.Dispose(); // No write is pending: every exchange ended before this loop did.
            await _input.CompleteAsync().ConfigureAwait(false);

            // After a switch to HTTP/2 the retired readers sit beneath the TLS stream the HTTP/2
            // session reads through: they must stay open, and go away with the connection.
            if (!_switchToHttp2)
            {
                foreach (var retired in _retiredInputs)
                {
                    await retired.CompleteAsync().ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Reads the next request's head and body framing: the exchange <see cref="ServerExchange"/> then runs.</summary>
    /// <returns>True when an exchange is ready; false when the connection ends (end of input, or a malformed head answered).</returns>
    private async Task<bool> ReadRequestAsync()
    {
        _connection.State = "reading a request head";
        Http1RequestHead? head;
        try
        {
            (head, _rawHead) = await ReadHeadAsync().ConfigureAwait(false);
        }
        catch (Http1ParseException e)
        {
            var line = PeekFirstLine();
            RecordFailure(RecordedRequestFactory.Malformed(line, _connection.NextSequenceNumber(), _connection.Index, Protocol.Http11, _connection.Handshake, new ProtocolViolationException(e.Message)));
            await RejectAsync(e).ConfigureAwait(false);
            return false;
        }

        if (head is null)
        {
            return false;
        }

        var sequence = _connection.NextSequenceNumber();
        _connection.CurrentRequestLine = head.RequestLine;
        if (_server.IsLogging)
        {
            _server.Log(_connection.Index, sequence, $"{Dispatching.Redaction.LoggedRequestLine(head.Target, head.RequestLine)}");
        }

        _head = head;
        _sequence = sequence;
        _body = null;
        try
        {
            if (head.Version == Protocol.Http10 && head.Headers.Exists(h => h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)))
            {
                // RFC 9112 section 6.1: HTTP/1.0 has no transfer codings, so such a message's framing is
                // faulty (a 1.0 hop may have passed chunked bytes along as they came): 400, then close.
                throw Http1ParseException.BadRequest("An HTTP/1.0 request with Transfer-Encoding has faulty framing (RFC 9112 section 6.1).");
            }

            _framing = Http1BodyFraming.ForRequest(head.Headers);
            HostFieldRule.Check(head);
        }
        catch (Http1ParseException e)
        {
            RecordFailure(Build(head, sequence, null, new ProtocolViolationException(e.Message)));
            await RejectAsync(e).ConfigureAwait(false);
            return false;
        }

        return true;
    }

    private static bool ShouldSendContinue(ContinueMode mode, Http1RequestHead head, Http1BodyFraming framing) => mode switch
    {
        ContinueMode.Always => true,
        ContinueMode.WhenExpected => framing.Kind != Http1BodyKind.None
            && head.Headers.Exists(h => h.Key.Equals("Expect", StringComparison.OrdinalIgnoreCase)
                && h.Value.Equals("100-continue", StringComparison.OrdinalIgnoreCase)),
        _ => false,
    };

    // RFC 9112 section 9.3: HTTP/1.1 persists unless "close" is sent; HTTP/1.0 needs "keep-alive".
    private static bool KeepAlive(Http1RequestHead head, MockResponse response)
    {
        if (HasToken(head.Headers, "Connection", "close") || HasToken(response.Headers.Fields, "Connection", "close"))
        {
            return false;
        }

        return head.Version != Protocol.Http10 || HasToken(head.Headers, "Connection", "keep-alive");
    }

    // Takes the List itself, not an interface: a foreach over IEnumerable boxes the list's enumerator,
    // and this runs up to three times per request.
    private static bool HasToken(List<KeyValuePair<string, string>> headers, string name, string token)
    {
        foreach (var (key, value) in headers)
        {
            if (!key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var range in value.AsSpan().Split(','))
            {
                if (value.AsSpan()[range].Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private RecordedRequest Build(Http1RequestHead head, int sequence, RequestBodyRead? body, Exception? failure)
    {
        return RecordedRequestFactory.Http1(
            _rawHead, _connection.RecordingContext, head.Version, sequence, failure, body?.Recorder, body?.Trailers, body?.ChunkSizes, body?.ChunkCount ?? 0);
    }

    /// <summary>Records a request rejected before its exchange started (a malformed head or framing): it is answered here, never dispatched.</summary>
    private void RecordFailure(RecordedRequest request)
    {
        _server.Log(_connection.Index, request.SequenceNumber, $"rejected: {request.Failure?.Message}");
        _connection.RecordRejected(request);
    }

    /// <summary>Reads one request head.</summary>
    /// <returns>The parsed head and a copy of its raw bytes (for the recording), or (null, empty) at end of input.</returns>
    /// <remarks>A <see cref="ValueTask{TResult}"/>: the head is usually buffered by the time this runs (the
    /// first-byte wait saw it), and a Task would be an allocation per request for a synchronous result.</remarks>
    private async ValueTask<(Http1RequestHead? Head, byte[] Raw)> ReadHeadAsync()
    {
        var limits = _server.RequestLimits;
        while (true)
        {
            var result = await _input.ReadAsync(ShutdownToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            bool parsed;
            Http1RequestHead? head;
            try
            {
                parsed = Http1HeadParser.TryParseRequestHead(ref buffer, limits, out head, _fieldCache);
            }
            catch (Http1ParseException)
            {
                // Leave the bytes unconsumed so the failure can quote the first line.
                _input.AdvanceTo(result.Buffer.Start);
                throw;
            }

            if (parsed)
            {
                var raw = result.Buffer.Slice(result.Buffer.Start, buffer.Start).ToArray();
                _input.AdvanceTo(buffer.Start);
                return (head, raw);
            }

            if (result.IsCompleted)
            {
                _input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                if (result.Buffer.IsEmpty)
                {
                    return (null, []);
                }

                throw Http1ParseException.BadRequest($"The client closed the connection in the middle of a request head ({result.Buffer.Length} bytes).");
            }

            _input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>The first line of what is buffered, for recording input that did not parse.</summary>
    private string PeekFirstLine()
    {
        if (!_input.TryRead(out var result))
        {
            return string.Empty;
        }

        var line = RecordedRequestFactory.FirstLine(result.Buffer);
        _input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        return line;
    }

    private async Task UpgradeToTlsAsync()
    {
        var tls = _server.Tls
            ?? throw new InvalidOperationException("SocketPolicy.UpgradeToSslAtEnd needs certificates: call UseHttps(...) before starting the server.");

        // Bytes the client sent after the CONNECT (it should send nothing before our 200, but a
        // pipelining client might have) stay readable: TLS reads through the pipe's stream.
        var beneath = new StreamPair(_input.AsStream(leaveOpen: true), _connection.Transport);
        _retiredInputs.Add(_input);
        var handshake = await tls.AuthenticateAsync(_connection, beneath).ConfigureAwait(false);
        _input = PipeReader.Create(_connection.Transport, new StreamPipeReaderOptions(leaveOpen: true));
        _connection.Log($"upgraded to TLS: {handshake}");
    }
}

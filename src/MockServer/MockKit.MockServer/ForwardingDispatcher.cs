using System.Net.Http.Headers;
using System.Net.Mime;
using MockKit.MockServer.Dispatching;
using MockKit.MockServer.Http1;
using MockKit.MockServer.Streaming;

namespace MockKit.MockServer;

/// <summary>
/// Forwards each request to a real HTTP application and answers with its response, so
/// MockWebServer's real sockets and socket policies sit in front of that application:
/// <code>
/// using var app = new TestServer(builder);                       // Microsoft.AspNetCore.TestHost
/// server.Dispatcher = new ForwardingDispatcher(app.CreateHandler(), app.BaseAddress)
/// {
///     Transform = (request, response) => { response.SocketPolicy = SocketPolicy.DisconnectDuringResponseBody(); return response; },
/// };
/// </code>
/// </summary>
/// <remarks>
/// The request goes out with its method, target (appended to the upstream base's path), headers
/// minus the hop-by-hop ones (RFC 9110 section 7.6.1: <c>Connection</c> and the fields it names,
/// <c>Keep-Alive</c>, <c>Proxy-Connection</c>, <c>TE</c>, <c>Transfer-Encoding</c>, <c>Upgrade</c>;
/// also <c>Expect</c>, which MockWebServer already answered, and <c>Proxy-Authorization</c>), <c>Host</c> rewritten to the upstream,
/// and the body. The upstream's status, reason, headers (hop-by-hop ones removed; the server frames
/// the body itself), body and trailers come back. Bodies stream both ways, over HTTP/1.1 and HTTP/2:
/// the forward starts when the request head is complete and the request body is piped to the
/// upstream as it arrives; the upstream's body is relayed to the client as it arrives (with its
/// <c>Content-Length</c> when it declared one, chunked on HTTP/1.1 otherwise or when it declared
/// trailers, its trailers after it). Neither is held in memory beyond <see cref="MockWebServer.BodyLimit"/>, which bounds what
/// the record keeps: <see cref="RecordedRequest.Body"/> and each recording's response body keep at
/// most that many bytes (their full sizes are <see cref="RecordedRequest.BodySize"/> and
/// <see cref="RecordedExchange.ResponseBodySize"/>). An exchange is added to <see cref="Recordings"/>
/// when the upstream's body ended (if a socket policy cut the response short, the upstream's body is
/// read on for the record only until <see cref="MockWebServer.BodyLimit"/> bytes are kept, then the
/// upstream is let go of, which cancels it, and the exchange is recorded with
/// <see cref="RecordedExchange.ResponseBodyTruncated"/>). An upstream that fails (throws, or the server shuts
/// down) gives a 502 whose text body is the error, with the exception as the request's
/// <see cref="RecordedRequest.Failure"/>; an upstream body that ends before or runs past its declared
/// <c>Content-Length</c> (or breaks off) aborts the exchange — HTTP/1.1 closes the connection, HTTP/2
/// resets the stream — recorded as its <see cref="RecordedRequest.Failure"/>. The request's path must stay
/// under the base's path: one with a dot segment (<c>..</c>, also percent-encoded) or a backslash is
/// answered 400 and not forwarded. <c>Proxy-Authorization</c> is consumed, not forwarded (RFC 9110
/// section 11.7.2); every other credential (<c>Authorization</c>, <c>Cookie</c>) goes upstream as sent.
/// Thread-safe; the handler is not disposed.
/// </remarks>
public sealed class ForwardingDispatcher : Dispatcher, IStreamingDispatcher
{
    private readonly HttpMessageHandler _upstream;
    private readonly Uri _upstreamBase;
    private readonly Lock _lock = new();

    // Guarded by _lock: the finished exchanges in the order their requests were forwarded (each
    // with its forward number), and the signal for WaitForRecordingsAsync, replaced on each add.
    private readonly List<(long Order, RecordedExchange Exchange)> _recordings = [];
    private TaskCompletionSource _recorded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _forwards;

    /// <summary>Forwards to <paramref name="upstream"/> at <paramref name="upstreamBase"/>.</summary>
    /// <param name="upstream">The handler, e.g. <c>TestServer.CreateHandler()</c> or a <see cref="SocketsHttpHandler"/>; not disposed by this dispatcher.</param>
    /// <param name="upstreamBase">An absolute URL; its path is prefixed to each request's path.</param>
    public ForwardingDispatcher(HttpMessageHandler upstream, Uri upstreamBase)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentNullException.ThrowIfNull(upstreamBase);
        if (!upstreamBase.IsAbsoluteUri)
        {
            throw new ArgumentException($"The upstream base \"{upstreamBase}\" must be an absolute URL.", nameof(upstreamBase));
        }

        _upstream = upstream;
        _upstreamBase = upstreamBase;
    }

    /// <summary>
    /// Changes the upstream's response (or returns another) before it is sent — e.g. to add a
    /// <see cref="MockResponse.SocketPolicy"/>, <see cref="MockResponse.HeadersDelay"/> or
    /// <see cref="MockResponse.Throttle"/>. Also applied to the 502 of a failed upstream. Null (the
    /// default) sends the response as received. Called concurrently for concurrent requests.
    /// </summary>
    public Func<RecordedRequest, MockResponse, MockResponse>? Transform { get; set; }

    /// <summary>
    /// The exchanges forwarded successfully so far, in the order their requests were forwarded (a
    /// snapshot). An exchange joins when the upstream's response body has been relayed to its end,
    /// or let go of after a socket policy cut the client off, which can be a moment after the client
    /// saw the response end: <see cref="WaitForRecordingsAsync"/> waits for them.
    /// </summary>
    public IReadOnlyList<RecordedExchange> Recordings
    {
        get
        {
            lock (_lock)
            {
                return [.. _recordings.Select(r => r.Exchange)];
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> exchanges are in <see cref="Recordings"/>.</summary>
    /// <param name="count">How many recordings to wait for (0 or more).</param>
    /// <param name="cancellationToken">Ends the wait (e.g. a test's deadline).</param>
    /// <returns>A task that completes when the recordings are there.</returns>
    public async Task WaitForRecordingsAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        while (true)
        {
            Task recorded;
            lock (_lock)
            {
                if (_recordings.Count >= count)
                {
                    return;
                }

                recorded = _recorded.Task;
            }

            await recorded.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void AddRecording(long order, RecordedExchange exchange)
    {
        TaskCompletionSource signal;
        lock (_lock)
        {
            var at = _recordings.Count;
            while (at > 0 && _recordings[at - 1].Order > order)
            {
                at--;
            }

            _recordings.Insert(at, (order, exchange));
            signal = _recorded;
            _recorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult(); // Outside _lock: it runs the waiters' continuations.
    }

    /// <summary>
    /// Writes <see cref="Recordings"/> as JSON (the format is in the README, "Routing, forwarding,
    /// replay") with the default redaction of <see cref="RecordingOptions"/>: the values of
    /// <c>Authorization</c>, <c>Proxy-Authorization</c>, <c>Cookie</c> and <c>Set-Cookie</c>, and of
    /// the query parameters that carry credentials by convention (<c>access_token</c>, ...), are
    /// written as <c>REDACTED</c>. Serve the file back with <see cref="Dispatcher.Replay"/>.
    /// </summary>
    /// <param name="path">The file to create or overwrite.</param>
    public void SaveRecordings(string path) => SaveRecordings(path, new RecordingOptions());

    /// <summary>Writes <see cref="Recordings"/> as JSON; with <paramref name="includeSecrets"/> the default credential headers and query parameters are kept as sent.</summary>
    /// <param name="path">The file to create or overwrite.</param>
    /// <param name="includeSecrets">True to keep the credential values (see <see cref="RecordingOptions.IncludeSecrets"/>); false redacts them.</param>
    public void SaveRecordings(string path, bool includeSecrets) => SaveRecordings(path, new RecordingOptions { IncludeSecrets = includeSecrets });

    /// <summary>Writes <see cref="Recordings"/> as JSON, redacting what <paramref name="options"/> names.</summary>
    /// <param name="path">The file to create or overwrite.</param>
    /// <param name="options">What to redact: the defaults plus <see cref="RecordingOptions.RedactHeaders"/> and <see cref="RecordingOptions.RedactQueryParameters"/>.</param>
    public void SaveRecordings(string path, RecordingOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        using var file = File.Create(path);
        RecordingJson.Write(file, Recordings, options);
    }

    /// <inheritdoc />
    /// <remarks>
    /// MockWebServer itself forwards through the streaming path (the request body piped to the upstream
    /// as it arrives); this overload, for a request whose body was already read, forwards the recorded
    /// body, so one larger than <see cref="MockWebServer.BodyLimit"/> cannot be forwarded from here.
    /// </remarks>
    public override async ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        MockResponse response;
        try
        {
            if (request.IsBookkeeping)
            {
                throw new InvalidOperationException($"No request was read to forward ({request.Failure?.Message}).");
            }

            if (request.BodySize > request.Body.LongLength)
            {
                throw new InvalidOperationException(
                    $"The request body ({request.BodySize} bytes) exceeded MockWebServer.BodyLimit ({request.Body.LongLength} bytes kept); raise BodyLimit to forward it.");
            }

            if (ForwardTarget.Resolve(_upstreamBase, request, out var problem) is null)
            {
                return ApplyTransform(request, BadRequest(request, problem!));
            }

            using var content = HasBody(request) ? new ByteArrayContent(request.Body) : null;
            response = await ForwardAsync(request, content, recordLimit: long.MaxValue, () => request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            response = BadGateway(request, e);
        }

        return ApplyTransform(request, response);
    }

    /// <summary>
    /// The streaming path: the forward starts as soon as the request head is complete and the body
    /// is piped to the upstream as it arrives; the transform sees the request recorded in full once
    /// its body ended.
    /// </summary>
    async ValueTask<MockResponse> IStreamingDispatcher.DispatchStreamingAsync(StreamingRequest request, CancellationToken cancellationToken)
    {
        if (ForwardTarget.Resolve(_upstreamBase, request.Head, out var problem) is null)
        {
            await request.Body.DisposeAsync().ConfigureAwait(false);
            var refused = await request.Recorded.WaitAsync(cancellationToken).ConfigureAwait(false);
            return ApplyTransform(refused, BadRequest(refused, problem!));
        }

        RecordedRequest? recorded = null;
        MockResponse? forwarded = null;
        MockResponse response;
        try
        {
            try
            {
                using var content = HasBody(request.Head) ? new StreamingRequestContent(request.Body, DeclaredLength(request.Head)) : null;
                forwarded = await ForwardAsync(request.Head, content, request.BodyLimit, () => recorded!, cancellationToken).ConfigureAwait(false);

                // The upstream answered: wait for the whole request to be recorded. If the upstream stopped
                // reading the body (or never had one to read), let it go: the session records the rest.
                if (content is null || await Task.WhenAny(content.Sent, request.Recorded).ConfigureAwait(false) != request.Recorded)
                {
                    await request.Body.DisposeAsync().ConfigureAwait(false);
                }

                recorded = await request.Recorded.WaitAsync(cancellationToken).ConfigureAwait(false);
                response = forwarded;
                forwarded = null; // Handed to the session, which relays and releases it.
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The upstream failed: stop feeding it, and fail the exchange once its request is recorded
                // (if the request itself broke off, that failure is the exchange's and propagates from here).
                await AbandonAsync(forwarded).ConfigureAwait(false);
                await request.Body.DisposeAsync().ConfigureAwait(false);
                recorded = await request.Recorded.WaitAsync(cancellationToken).ConfigureAwait(false);
                response = BadGateway(recorded, e);
            }
        }
        finally
        {
            // An upstream response no session will relay (the client abandoned the upload, the server
            // stopped) is disposed here, or its connection stays checked out of the upstream's pool.
            await AbandonAsync(forwarded).ConfigureAwait(false);
        }

        return ApplyTransform(recorded, response);
    }

    private static async Task AbandonAsync(MockResponse? forwarded)
    {
        if (forwarded?.Body.Source is { } source)
        {
            await source.AbandonAsync().ConfigureAwait(false);
        }
    }

    private MockResponse ApplyTransform(RecordedRequest request, MockResponse response) =>
        Transform is { } transform
            ? transform(request, response) ?? throw new InvalidOperationException("The forwarding Transform returned null.")
            : response;

    private MockResponse BadGateway(RecordedRequest request, Exception e)
    {
        request.Failure = e;
        return new MockResponse(502, $"MockWebServer could not forward {request.RequestLine} to {_upstreamBase}: {e.GetType().Name}: {e.Message}\n")
        {
            Headers = { { "Content-Type", MediaTypeNames.Text.Plain + "; charset=utf-8" } },
        };
    }

    /// <summary>A request whose target would leave the upstream base path: refused, not forwarded.</summary>
    private MockResponse BadRequest(RecordedRequest request, string problem)
    {
        request.Failure = new System.Net.ProtocolViolationException(
            $"MockWebServer did not forward {request.Method}: {problem}; forwards stay under {_upstreamBase.AbsolutePath}.");
        return new MockResponse(400, request.Failure.Message + "\n")
        {
            Headers = { { "Content-Type", MediaTypeNames.Text.Plain + "; charset=utf-8" } },
        };
    }

    private static bool HasBody(RecordedRequest request) =>
        request.BodySize > 0 || request.Headers.Contains("Content-Length") || request.Headers.Contains("Transfer-Encoding")
        || (request.Protocol is Protocol.Http2 or Protocol.H2PriorKnowledge && request.Method is not ("GET" or "HEAD" or "DELETE" or "OPTIONS" or "TRACE"));

    private static long? DeclaredLength(RecordedRequest head) =>
        long.TryParse(head.Headers["Content-Length"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length) ? length : null;

    /// <summary>
    /// Sends the request upstream and returns its response with the body streamed from the upstream.
    /// The exchange is added to <see cref="Recordings"/> when that body ended (at most
    /// <paramref name="recordLimit"/> bytes of it kept), with the request <paramref name="recordedRequest"/>
    /// gives by then.
    /// </summary>
    private async Task<MockResponse> ForwardAsync(
        RecordedRequest request, HttpContent? content, long recordLimit, Func<RecordedRequest> recordedRequest, CancellationToken cancellationToken)
    {
        var order = Interlocked.Increment(ref _forwards);
        var target = ForwardTarget.Resolve(_upstreamBase, request, out var problem)
            ?? throw new InvalidOperationException($"Not forwarded: {problem}.");
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), target) { Content = content };

        // Expect was already answered here; Proxy-Authorization is consumed by the proxy it was meant
        // for, which is this one (RFC 9110 section 11.7.2), never passed on.
        foreach (var (name, value) in HopByHopHeaders.Filter(request.Headers, "Expect", "Proxy-Authorization"))
        {
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (request.Protocol is Protocol.Http2 or Protocol.H2PriorKnowledge)
        {
            message.Version = System.Net.HttpVersion.Version20;
        }

        // An invoker per call: it owns nothing (the handler is the test's), so there is nothing to dispose here.
        using var invoker = new HttpMessageInvoker(_upstream, disposeHandler: false);
        var upstream = await invoker.SendAsync(message, cancellationToken).ConfigureAwait(false);
        try
        {
            var code = Math.Clamp((int)upstream.StatusCode, 100, 999);

            // Only a non-standard phrase is worth keeping (and recording); null sends the standard one.
            var reason = upstream.ReasonPhrase is { } phrase && phrase != ReasonPhrases.For(code) ? phrase : null;
            var record = new MockResponse { Code = code, Reason = reason };
            foreach (var (name, value) in HopByHopHeaders.Filter(Fields(upstream.Headers).Concat(Fields(upstream.Content.Headers))))
            {
                record.Headers.Add(name, value);
            }

            var response = new MockResponse { Code = code, Reason = reason };
            foreach (var (name, value) in record.Headers)
            {
                response.Headers.Add(name, value);
            }

            // Trailers travel only in the chunked coding on HTTP/1.1 (RFC 9112 section 7.1.2), and the
            // framing is chosen before the upstream's body (and its trailers) arrived: an upstream that
            // declares trailers (the Trailer field, RFC 9110 section 6.6.2) is relayed without its
            // length there, hence chunked, so they are not lost.
            var chunkForTrailers = request.Protocol == Protocol.Http11 && upstream.Headers.Contains("Trailer");
            var declaredLength = chunkForTrailers ? null : upstream.Content.Headers.ContentLength;
            var stream = await upstream.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var source = new StreamedBodySource(stream, declaredLength, upstream, recordLimit, ended =>
            {
                // The upstream's trailers exist once its body was read to the end (RFC 9110 section 6.5).
                foreach (var (name, value) in Fields(upstream.TrailingHeaders))
                {
                    response.Trailers.Add(name, value);
                    record.Trailers.Add(name, value);
                }

                record.Body = ended.RecordedBytes();
                AddRecording(order, new RecordedExchange(recordedRequest(), record, ended.Size, ended.CutShort));
            },
            failure => recordedRequest().Failure = failure);
            response.Body = MockBody.Streamed(source);
            return response;
        }
        catch
        {
            upstream.Dispose();
            throw;
        }
    }

    private static IEnumerable<KeyValuePair<string, string>> Fields(HttpHeaders headers) =>
        headers.NonValidated.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v)));
}

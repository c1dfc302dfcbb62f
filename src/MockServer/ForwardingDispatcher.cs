using System.Net.Http.Headers;
using System.Net.Mime;
using MockKit.MockServer.Dispatching;

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
/// also <c>Expect</c>, which MockWebServer already answered), <c>Host</c> rewritten to the upstream,
/// and the recorded body. The upstream's status, reason, headers (hop-by-hop ones removed; the
/// server frames the body itself), body and trailers come back. Bodies are buffered: the request
/// body is the recorded one, so a request whose body exceeded <see cref="MockWebServer.BodyLimit"/>
/// is not forwarded (502, with the reason as <see cref="RecordedRequest.Failure"/>); the response
/// body is read in full before it is sent. An upstream that fails (throws, or the server shuts
/// down) gives a 502 whose text body is the error, with the exception as the request's
/// <see cref="RecordedRequest.Failure"/>. Thread-safe; the handler is not disposed.
/// </remarks>
public sealed class ForwardingDispatcher : Dispatcher
{
    private readonly HttpMessageHandler _upstream;
    private readonly Uri _upstreamBase;
    private readonly Lock _lock = new();

    // Guarded by _lock.
    private readonly List<RecordedExchange> _recordings = [];

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

    /// <summary>The exchanges forwarded successfully so far, in the order their responses arrived (a snapshot).</summary>
    public IReadOnlyList<RecordedExchange> Recordings
    {
        get
        {
            lock (_lock)
            {
                return [.. _recordings];
            }
        }
    }

    /// <summary>
    /// Writes <see cref="Recordings"/> as JSON (the format is in the README, "Routing, forwarding,
    /// replay"), with the values of <c>Authorization</c>, <c>Proxy-Authorization</c> and <c>Cookie</c>
    /// replaced by <c>REDACTED</c>. Serve the file back with <see cref="Dispatcher.Replay"/>.
    /// </summary>
    /// <param name="path">The file to create or overwrite.</param>
    public void SaveRecordings(string path) => SaveRecordings(path, includeSecrets: false);

    /// <summary>Writes <see cref="Recordings"/> as JSON; with <paramref name="includeSecrets"/> the credential headers are kept as sent.</summary>
    /// <param name="path">The file to create or overwrite.</param>
    /// <param name="includeSecrets">True to keep <c>Authorization</c>, <c>Proxy-Authorization</c> and <c>Cookie</c> values; false redacts them.</param>
    public void SaveRecordings(string path, bool includeSecrets)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = File.Create(path);
        RecordingJson.Write(file, Recordings, includeSecrets);
    }

    /// <inheritdoc />
    public override async ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        MockResponse response;
        try
        {
            response = await ForwardAsync(request, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                _recordings.Add(new RecordedExchange(request, response));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            request.Failure = e;
            response = new MockResponse(502, $"MockWebServer could not forward {request.RequestLine} to {_upstreamBase}: {e.GetType().Name}: {e.Message}\n")
            {
                Headers = { { "Content-Type", MediaTypeNames.Text.Plain + "; charset=utf-8" } },
            };
        }

        return Transform is { } transform
            ? transform(request, response) ?? throw new InvalidOperationException("The forwarding Transform returned null.")
            : response;
    }

    private async Task<MockResponse> ForwardAsync(RecordedRequest request, CancellationToken cancellationToken)
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

        using var message = new HttpRequestMessage(new HttpMethod(request.Method), TargetUri(request));
        var hasBody = request.BodySize > 0 || request.Headers.Contains("Content-Length") || request.Headers.Contains("Transfer-Encoding");
        if (hasBody)
        {
            message.Content = new ByteArrayContent(request.Body);
        }

        foreach (var (name, value) in HopByHopHeaders.Filter(request.Headers, "Expect"))
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
        using var upstream = await invoker.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var body = await upstream.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var code = Math.Clamp((int)upstream.StatusCode, 100, 999);
        var response = new MockResponse
        {
            Code = code,

            // Only a non-standard phrase is worth keeping (and recording); null sends the standard one.
            Reason = upstream.ReasonPhrase is { } phrase && phrase != ReasonPhrases.For(code) ? phrase : null,
            Body = body,
        };
        foreach (var (name, value) in HopByHopHeaders.Filter(Fields(upstream.Headers).Concat(Fields(upstream.Content.Headers))))
        {
            response.Headers.Add(name, value);
        }

        foreach (var (name, value) in Fields(upstream.TrailingHeaders))
        {
            response.Trailers.Add(name, value);
        }

        return response;
    }

    /// <summary>The upstream URL: the base's scheme and authority, its path prefixed to the request's path and query.</summary>
    private Uri TargetUri(RecordedRequest request)
    {
        var pathAndQuery = request.Target.StartsWith('/') ? request.Target : request.Url?.PathAndQuery ?? "/";
        var basePath = _upstreamBase.AbsolutePath.TrimEnd('/');
        return new Uri(_upstreamBase.GetLeftPart(UriPartial.Authority) + basePath + pathAndQuery);
    }

    private static IEnumerable<KeyValuePair<string, string>> Fields(HttpHeaders headers) =>
        headers.NonValidated.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v)));
}

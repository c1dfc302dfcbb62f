using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MockKit.MockServer.Standalone;

namespace MockKit.MockServer;

/// <summary>
/// Drives a standalone MockKit server (the <c>mockkit serve</c> tool) from a .NET test in another
/// process, in <see cref="MockWebServer"/>'s vocabulary, through its admin API under
/// <c>/__mockkit/</c>: <see cref="EnqueueAsync"/>, <see cref="TakeRequestAsync"/> (the same
/// <see cref="RecordedRequest"/> type, so every assertion works), <see cref="AddRoutesAsync"/> and
/// <see cref="ResetAsync"/>.
/// </summary>
/// <remarks>
/// <para>Only what can be written as JSON crosses the process: a response's status, reason, headers,
/// body, trailers, delays, chunk size and named <see cref="SocketPolicy"/>. Anything else — a
/// <see cref="MockResponse.WebSocketHandler"/> or <see cref="MockResponse.DuplexHandler"/>, a streamed
/// body, explicit trigger effects, a throttle, HTTP/2 settings or pushes — throws
/// <see cref="NotSupportedException"/> naming the member. A <see cref="Dispatcher"/> (a <c>Func</c>
/// or a <see cref="RouteDispatcher"/> with computed rules) cannot cross either: routes go as stub JSON
/// (<see cref="AddRoutesAsync"/>).</para>
/// <para>A rebuilt <see cref="RecordedRequest"/> carries what the server saw except its TLS handshake;
/// its <see cref="RecordedRequest.Failure"/> is an <see cref="UnmatchedRequestException"/> with the
/// near-miss report for a route miss, and an <see cref="IOException"/> naming the server's exception
/// type otherwise.</para>
/// <para>Thread-safe. Disposing releases the HTTP client, not the server.</para>
/// </remarks>
public sealed class RemoteMockServer : IAsyncDisposable
{
    /// <summary>How long <see cref="TakeRequestAsync"/> waits when no timeout is given: 10 seconds, as <see cref="MockWebServer.TakeRequestTimeout"/>.</summary>
    public static readonly TimeSpan DefaultTakeRequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The admin API's longest <c>timeoutMs</c>.</summary>
    private const long MaxTakeMilliseconds = 300_000;

    private readonly Uri _baseUrl;
    private readonly HttpClient _client;

    /// <summary>A client for the server at <paramref name="baseUrl"/> (its ready line's URL).</summary>
    /// <param name="baseUrl">The server's base URL, e.g. <c>http://127.0.0.1:8080/</c>.</param>
    /// <param name="adminToken">The server's <c>--admin-token</c>, or null when it has none.</param>
    /// <param name="handler">
    /// The handler for admin calls (e.g. one that trusts an <c>--https</c> server's <c>--ca-out</c> root),
    /// disposed with this object; null (the default) uses a new <see cref="SocketsHttpHandler"/>.
    /// </param>
    public RemoteMockServer(Uri baseUrl, string? adminToken = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        if (!baseUrl.IsAbsoluteUri)
        {
            throw new ArgumentException("The base URL must be absolute, e.g. http://127.0.0.1:8080/.", nameof(baseUrl));
        }

        _baseUrl = new Uri(baseUrl.GetLeftPart(UriPartial.Authority) + "/");
        _client = new HttpClient(handler ?? new SocketsHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };
        if (adminToken is not null)
        {
            _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        }
    }

    /// <summary>The URL of <paramref name="path"/> on the server (a leading slash is added when missing).</summary>
    /// <param name="path">A path such as <c>/a?b=c</c>.</param>
    /// <returns>The URL.</returns>
    public Uri Url(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return new Uri(_baseUrl, path.StartsWith('/') ? path : "/" + path);
    }

    /// <summary>Appends a response to the server's queue (answered after the routes, before the near-miss 404).</summary>
    /// <param name="response">The response; only its serialisable parts (see the remarks on the class).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the server has queued it.</returns>
    /// <exception cref="NotSupportedException">The response uses a member that cannot cross a process; the message names it.</exception>
    public async Task EnqueueAsync(MockResponse response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        using var body = new MemoryStream();
        using (var json = new Utf8JsonWriter(body))
        {
            ResponseJson.Write(json, response);
        }

        await SendAsync(HttpMethod.Post, "enqueue", body.ToArray(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The next request the server recorded (admin calls are never recorded), waiting up to
    /// <paramref name="timeout"/> (<see cref="DefaultTakeRequestTimeout"/> when null). Takes it: the
    /// next call returns the one after.
    /// </summary>
    /// <param name="timeout">How long to wait, from zero to 5 minutes (the admin API's longest wait).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The request.</returns>
    /// <exception cref="TimeoutException">None arrived in time.</exception>
    public async Task<RecordedRequest> TakeRequestAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var wait = timeout ?? DefaultTakeRequestTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThan(wait, TimeSpan.Zero, nameof(timeout));
        var milliseconds = (long)Math.Ceiling(wait.TotalMilliseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(milliseconds, MaxTakeMilliseconds, nameof(timeout));
        var text = await SendAsync(HttpMethod.Get, $"requests?take=1&timeoutMs={milliseconds.ToString(CultureInfo.InvariantCulture)}", null, cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(text);
        if (document.RootElement.GetArrayLength() == 0)
        {
            throw new TimeoutException($"No request arrived at {_baseUrl} within {wait.TotalSeconds:0.###} s.");
        }

        return RecordedRequestJsonReader.Read(document.RootElement[0]);
    }

    /// <summary>
    /// Adds routes after the ones the server has (stub files first, then earlier additions; first
    /// match wins), in stub-file syntax: one route object, an array of them, or a whole
    /// <c>mockkit-stubs/1</c> document.
    /// </summary>
    /// <param name="stubJson">The routes as JSON.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the routes serve.</returns>
    /// <exception cref="HttpRequestException">The server refused them; the message carries its reason with line and column.</exception>
    public Task AddRoutesAsync(string stubJson, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stubJson);
        return SendAsync(HttpMethod.Post, "routes", Encoding.UTF8.GetBytes(stubJson), cancellationToken);
    }

    /// <summary>Puts the server back as it started: routes added over the admin API, the queue and the recorded requests are dropped; stub files serve afresh.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the server has reset.</returns>
    public Task ResetAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "reset", null, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<string> SendAsync(HttpMethod method, string adminPath, byte[]? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_baseUrl, "__mockkit/" + adminPath));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        }

        using var response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"The standalone server at {_baseUrl} answered {method} /__mockkit/{adminPath} with {(int)response.StatusCode} {response.ReasonPhrase}: {text.Trim()}",
                null,
                response.StatusCode);
        }

        return text;
    }
}

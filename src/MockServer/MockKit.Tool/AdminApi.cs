using System.Globalization;
using System.Net.Mime;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MockKit.MockServer;
using MockKit.Tool.Stubs;

namespace MockKit.Tool;

/// <summary>
/// The admin API, served on the server's own port under <see cref="Prefix"/> through the exchange
/// pipeline's <see cref="HostEndpoint"/> (so admin calls are never recorded and never dispatched):
/// <list type="table">
/// <item><term>GET health</term><description>200 <c>{"status": "ok", …}</c></description></item>
/// <item><term>POST routes</term><description>one route, an array or a stub document → 201 <c>{"added": n}</c></description></item>
/// <item><term>GET routes</term><description>the routes in match order, stub syntax plus <c>"source"</c></description></item>
/// <item><term>DELETE routes</term><description>drops the routes added here → 200 <c>{"deleted": n}</c></description></item>
/// <item><term>POST enqueue</term><description>a response object (or an array) → 201 <c>{"queued": n}</c></description></item>
/// <item><term>GET requests?take=N&amp;timeoutMs=T</term><description>takes up to N recorded requests, waiting up to T ms</description></item>
/// <item><term>GET unmatched</term><description>the unmatched requests, each with its near-miss report as <c>"failure"</c></description></item>
/// <item><term>POST reset</term><description>admin routes, queue, unmatched and recorded requests dropped → 200</description></item>
/// </list>
/// Errors are JSON <c>{"error": "…"}</c>: 400 for bad JSON or parameters (with <c>line</c> and
/// <c>column</c> for JSON), 401 without the <c>--admin-token</c> bearer token, 404 for an unknown
/// path, 405 for a known path with another method (with <c>Allow</c>), 409 for routes or queue on a
/// forwarding server, 413 for a body over <see cref="HostEndpoint.MaxBodyBytes"/>.
/// </summary>
internal sealed class AdminApi
{
    public const string Prefix = "/__mockkit/";

    /// <summary>The most requests one <c>GET requests</c> takes.</summary>
    private const int MaxTake = 100_000;

    /// <summary>The longest <c>timeoutMs</c>: 5 minutes.</summary>
    private const int MaxTimeoutMs = 300_000;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly MockWebServer _server;
    private readonly StandaloneRoutes? _routes;
    private readonly byte[]? _token; // SHA-256 of the token.
    private readonly TimeProvider _time;

    /// <param name="server">The server.</param>
    /// <param name="routes">Its routes and queue; null when it forwards every request.</param>
    /// <param name="adminToken">The bearer token every call must carry, or null.</param>
    public AdminApi(MockWebServer server, StandaloneRoutes? routes, string? adminToken)
    {
        _server = server;
        _routes = routes;
        _token = adminToken is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(adminToken));
        _time = server.TimeProvider;
    }

    /// <summary>The endpoint to install as the server's host endpoint.</summary>
    /// <param name="maxBodyBytes">Largest admin request body; larger ones get 413.</param>
    public HostEndpoint CreateEndpoint(long maxBodyBytes) => new(Prefix, ServeAsync) { MaxBodyBytes = maxBodyBytes };

    public async ValueTask<MockResponse> ServeAsync(RecordedRequest request, CancellationToken cancellationToken)
    {
        if (!Authorized(request))
        {
            var refused = Error(401, "this server needs the admin token: send Authorization: Bearer <token> (the --admin-token value)");
            refused.Headers.Add("WWW-Authenticate", "Bearer realm=\"mockkit\"");
            return refused;
        }

        var target = request.Target;
        var queryAt = target.IndexOf('?', StringComparison.Ordinal);
        var path = (queryAt < 0 ? target : target[..queryAt])[Math.Min(Prefix.Length, target.Length)..].TrimEnd('/');
        var query = queryAt < 0 ? string.Empty : target[(queryAt + 1)..];
        try
        {
            return (path, request.Method) switch
            {
                ("health", "GET") => Health(),
                ("routes", "POST") => AddRoutes(request),
                ("routes", "GET") => ListRoutes(),
                ("routes", "DELETE") => DeleteRoutes(),
                ("enqueue", "POST") => Enqueue(request),
                ("requests", "GET") => await TakeRequestsAsync(query, cancellationToken).ConfigureAwait(false),
                ("unmatched", "GET") => Unmatched(),
                ("reset", "POST") => Reset(),
                ("health" or "routes" or "enqueue" or "requests" or "unmatched" or "reset", _) => NotAllowed(path, request.Method),
                _ => Error(404, $"no admin endpoint {request.Method} {Prefix}{path}; the admin API has GET health, GET|POST|DELETE routes, POST enqueue, GET requests?take=N&timeoutMs=T, GET unmatched, POST reset"),
            };
        }
        catch (JsonInputException e)
        {
            return Json(400, json =>
            {
                json.WriteString("error", e.Message);
                json.WriteNumber("line", e.Line);
                json.WriteNumber("column", e.Column);
                json.WriteString("reason", e.Reason);
            });
        }
    }

    /// <summary>
    /// The bearer token (RFC 6750 section 2.1) compared in constant time, as SHA-256 digests so that
    /// neither how much of it matched nor its length shows in the time an answer takes.
    /// </summary>
    private bool Authorized(RecordedRequest request)
    {
        if (_token is null)
        {
            return true;
        }

        var header = request.Headers["Authorization"];
        const string Scheme = "Bearer ";
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, _token);
    }

    private MockResponse Health() => Json(200, json =>
    {
        json.WriteString("status", "ok");
        json.WriteString("version", Cli.Version);
        json.WriteString("url", _server.Url("/").AbsoluteUri);
        json.WriteNumber("requestCount", _server.RequestCount);
        json.WriteNumber("routes", _routes?.Routes.Count ?? 0);
        json.WriteNumber("queued", _routes?.Queue.PendingCount ?? 0);
    });

    private MockResponse AddRoutes(RecordedRequest request)
    {
        if (_routes is null)
        {
            return Forwarding();
        }

        var routes = StubDocument.ReadRoutes(request.Body, "request body");
        _routes.Add(routes);
        return Json(201, json => json.WriteNumber("added", routes.Count));
    }

    private MockResponse ListRoutes() => Json(200, json =>
    {
        json.WriteStartArray("routes");
        foreach (var route in _routes?.Routes ?? [])
        {
            StubRouteJson.Write(json, route.Route, route.Source);
        }

        json.WriteEndArray();
        json.WriteNumber("replayed", _routes?.ReplayedCount ?? 0);
    });

    private MockResponse DeleteRoutes() =>
        _routes is null ? Forwarding() : Json(200, json => json.WriteNumber("deleted", _routes.DeleteAdded()));

    private MockResponse Enqueue(RecordedRequest request)
    {
        if (_routes is null)
        {
            return Forwarding();
        }

        var responses = JsonInput.Parse(request.Body, "request body", root => root.ValueKind == JsonValueKind.Array
            ? root.EnumerateArray().Select((item, i) => StubResponse.Read(item, $"/{i}")).ToList()
            : [StubResponse.Read(root, string.Empty)]);
        foreach (var response in responses)
        {
            _routes.Queue.Enqueue(response);
        }

        return Json(201, json => json.WriteNumber("queued", responses.Count));
    }

    private async ValueTask<MockResponse> TakeRequestsAsync(string query, CancellationToken cancellationToken)
    {
        var parameters = System.Web.HttpUtility.ParseQueryString(query);
        int? take = null;
        var timeoutMs = 0;
        if (parameters["take"] is { } takeText)
        {
            if (!int.TryParse(takeText, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > MaxTake)
            {
                return Error(400, $"take={takeText} is not a count from 1 to {MaxTake}");
            }

            take = n;
        }

        if (parameters["timeoutMs"] is { } timeoutText
            && (!int.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out timeoutMs) || timeoutMs > MaxTimeoutMs))
        {
            return Error(400, $"timeoutMs={timeoutText} is not a number of milliseconds from 0 to {MaxTimeoutMs}");
        }

        // Without take: everything recorded so far, no wait. With it: up to take, waiting up to timeoutMs in all.
        List<RecordedRequest> taken = [];
        var limit = take ?? int.MaxValue;
        while (taken.Count < limit && _server.TakeRequest(TimeSpan.Zero) is { } ready)
        {
            taken.Add(ready);
        }

        if (take is not null && taken.Count < limit && timeoutMs > 0)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(timeoutMs), _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
            try
            {
                while (taken.Count < limit)
                {
                    taken.Add(await _server.TakeRequestAsync(linked.Token).ConfigureAwait(false));
                }
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                // The wait is over: fewer than asked for.
            }
            catch (InvalidOperationException)
            {
                // The server is shutting down and every request was taken.
            }
        }

        return JsonArray(taken);
    }

    private MockResponse Unmatched() => JsonArray(_routes?.Unmatched ?? []);

    private MockResponse Reset()
    {
        _routes?.Reset();
        var dropped = 0;
        while (_server.TakeRequest(TimeSpan.Zero) is not null)
        {
            dropped++;
        }

        return Json(200, json => json.WriteNumber("droppedRequests", dropped));
    }

    private static MockResponse Forwarding() =>
        Error(409, "this server forwards every request (--forward): it has no routes or queue to change");

    private static MockResponse NotAllowed(string path, string method)
    {
        var allow = path switch
        {
            "routes" => "GET, POST, DELETE",
            "enqueue" or "reset" => "POST",
            _ => "GET",
        };
        var response = Error(405, $"{method} is not allowed on {Prefix}{path}; use {allow}");
        response.Headers.Add("Allow", allow);
        return response;
    }

    private static MockResponse JsonArray(IReadOnlyList<RecordedRequest> requests)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartArray();
            foreach (var request in requests)
            {
                RecordedRequestJsonWriter.Write(json, request);
            }

            json.WriteEndArray();
        }

        return Body(200, buffer);
    }

    private static MockResponse Error(int status, string message) => Json(status, json => json.WriteString("error", message));

    private static MockResponse Json(int status, Action<Utf8JsonWriter> write)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }

        return Body(status, buffer);
    }

    private static MockResponse Body(int status, MemoryStream buffer)
    {
        buffer.WriteByte((byte)'\n');
        return new MockResponse
        {
            Code = status,
            Body = MockBody.FromBytes(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)),
            Headers = { { "Content-Type", MediaTypeNames.Application.Json }, { "Cache-Control", "no-store" } },
        };
    }
}

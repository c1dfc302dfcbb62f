using System.Diagnostics;

namespace MockKit.Client.Diagnostics;

/// <summary>
/// Distributed tracing as <see cref="SocketsHttpHandler"/> does it, per request sent (each
/// redirect hop is its own request, as in the runtime's handler chain where tracing sits below
/// the redirect handler).
/// </summary>
/// <remarks>
/// <para>An activity starts when the <c>MockKit.Client</c> source has a listener that samples it;
/// failing that, when <see cref="Activity.Current"/> exists, a plain child activity starts anyway
/// so the outgoing trace context names this request's own span (the runtime does the same).
/// With neither, nothing is started and nothing is injected.</para>
/// <para>The context injected is <see cref="Activity.Current"/> (the new activity, or the ambient
/// one a sampler declined), through the handler's <see cref="DistributedContextPropagator"/>;
/// headers the application set itself are left alone. A request sent again — by an outer
/// handler (a resilience pipeline's retry), or as a follow-up that copied the previous hop's
/// headers — carries what an earlier send injected: those fields are replaced with the context
/// of this send (see <see cref="InjectedTraceContext"/>), as the runtime's handler does. This
/// handler's own replays after a connection failure happen inside one send: they carry the same
/// context, as the runtime's do.</para>
/// </remarks>
internal static class ClientActivity
{
    public const string SourceName = "MockKit.Client";

    /// <summary>Operation name of the per-request activity (the runtime's is <c>System.Net.Http.HttpRequestOut</c>).</summary>
    public const string ActivityName = "MockKit.Client.HttpRequestOut";

    // An ActivitySource is immutable once made; the runtime keeps its own the same way. Listeners
    // choose it by name, so it is one per process by design.
    private static readonly ActivitySource s_source = new(SourceName);

    /// <summary>Starts the request's activity (or not) and injects the trace context into <paramref name="request"/>.</summary>
    /// <param name="request">The request about to be sent.</param>
    /// <param name="propagator">The propagator.</param>
    /// <param name="proxy">The handler's proxy, for <c>server.address</c>.</param>
    public static Activity? Start(HttpRequestMessage request, DistributedContextPropagator propagator, System.Net.IWebProxy? proxy)
    {
        var activity = s_source.HasListeners() ? s_source.StartActivity(ActivityName, ActivityKind.Client) : null;
        if (activity is null && Activity.Current is not null)
        {
            activity = new Activity(ActivityName).Start();
        }

        if (activity is not null)
        {
            // Span name per the HTTP semantic conventions: the method, or "HTTP" for an unknown one.
            activity.DisplayName = HttpTags.KnownMethod(request.Method) ?? "HTTP";
            if (activity.IsAllDataRequested)
            {
                var method = HttpTags.MethodTag(request.Method, out var unknown);
                activity.SetTag(method.Key, method.Value);
                if (unknown)
                {
                    activity.SetTag(HttpTags.MethodOriginal, request.Method.Method);
                }

                var uri = request.RequestUri!;
                activity.SetTag(HttpTags.ServerAddress, HttpTags.ServerAddressOf(request, proxy));
                activity.SetTag(HttpTags.ServerPort, uri.Port);
                activity.SetTag(HttpTags.UrlFull, HttpTags.RedactedUrl(uri));
            }
        }

        if (Activity.Current is { } current)
        {
            InjectedTraceContext.Inject(request, current, propagator);
        }

        return activity;
    }

    /// <summary>Adds the outcome's tags (and error status) and stops the activity.</summary>
    public static void Stop(Activity activity, HttpResponseMessage? response, Exception? exception)
    {
        if (activity.IsAllDataRequested)
        {
            if (response is not null)
            {
                activity.SetTag(HttpTags.StatusCode, (int)response.StatusCode);
                activity.SetTag(HttpTags.ProtocolVersion, HttpTags.Version(response.Version));
            }

            if (HttpTags.TryGetErrorType(response, exception, out var errorType))
            {
                activity.SetTag(HttpTags.ErrorType, errorType);
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }

        activity.Stop();
    }
}

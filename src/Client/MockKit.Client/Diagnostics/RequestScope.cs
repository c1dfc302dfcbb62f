using System.Diagnostics;

namespace MockKit.Client.Diagnostics;

/// <summary>
/// The observability of one request sent (a call's first request, or one of its follow-ups):
/// its activity and trace context, <c>http.client.active_requests</c> while it waits for the
/// response head, and <c>http.client.request.duration</c> when the head arrived or it failed —
/// the span the runtime measures. A struct: a call that nobody observes allocates nothing here.
/// </summary>
internal readonly struct RequestScope
{
    private readonly ClientMetrics _metrics;
    private readonly Activity? _activity;
    private readonly long _startTimestamp;
    private readonly bool _countedActive;

    private RequestScope(ClientMetrics metrics, Activity? activity, long startTimestamp, bool countedActive)
    {
        _metrics = metrics;
        _activity = activity;
        _startTimestamp = startTimestamp;
        _countedActive = countedActive;
    }

    /// <summary>Starts observing <paramref name="request"/> (trace context: see <see cref="ClientActivity"/>).</summary>
    public static RequestScope Start(ClientMetrics metrics, DistributedContextPropagator propagator, HttpRequestMessage request)
    {
        var activity = ClientActivity.Start(request, propagator, metrics.Proxy);
        var countActive = metrics.ActiveRequests.Enabled;
        if (countActive)
        {
            metrics.ActiveRequests.Add(1, metrics.RequestTags(request));
        }

        return new RequestScope(metrics, activity, metrics.TimeProvider.GetTimestamp(), countActive);
    }

    /// <summary>The response head arrived (<paramref name="response"/>) or the request failed (<paramref name="exception"/>).</summary>
    public void Stop(HttpRequestMessage request, HttpResponseMessage? response, Exception? exception)
    {
        if (_activity is not null)
        {
            ClientActivity.Stop(_activity, response, exception);
        }

        var duration = _metrics.RequestDuration;
        if (!_countedActive && !duration.Enabled)
        {
            return;
        }

        var tags = _metrics.RequestTags(request);
        if (_countedActive)
        {
            _metrics.ActiveRequests.Add(-1, tags);
        }

        if (!duration.Enabled)
        {
            return;
        }

        if (response is not null)
        {
            tags.Add(HttpTags.StatusCode, (int)response.StatusCode);
            tags.Add(HttpTags.ProtocolVersion, HttpTags.Version(response.Version));
        }

        if (HttpTags.TryGetErrorType(response, exception, out var errorType))
        {
            tags.Add(HttpTags.ErrorType, errorType);
        }

        duration.Record(_metrics.TimeProvider.GetElapsedTime(_startTimestamp).TotalSeconds, tags);
    }
}

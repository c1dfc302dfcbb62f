using System.Collections.Concurrent;
using System.Diagnostics;
using MockKit.Client.Diagnostics;
using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Observability;

/// <summary>Trace context and activities, each behaviour checked against SocketsHttpHandler on the same request.</summary>
[Collection(RunsAlone.Name)]
public sealed class TracingTests
{
    [Fact]
    public async Task With_a_listener_both_handlers_start_a_client_activity_with_the_same_tags_and_send_its_context()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "System.Net.Http" or "MockKit.Client",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var parent = new Activity("test").Start();

        var runtime = await SendAsync(new SocketsHttpHandler(), "/traced?token=secret");
        var mockkit = await SendAsync(new InstrumentedHandler(), "/traced?token=secret");

        var theirs = stopped.Single(a => a.Source.Name == "System.Net.Http" && a.ParentSpanId == parent.SpanId);
        var ours = stopped.Single(a => a.Source.Name == "MockKit.Client" && a.ParentSpanId == parent.SpanId);
        ours.Kind.ShouldBe(theirs.Kind);
        ours.DisplayName.ShouldBe(theirs.DisplayName);
        ours.Status.ShouldBe(theirs.Status);
        Tags(ours).ShouldBe(Tags(theirs).Select(t => t.Key == "server.port" ? new(t.Key, mockkit.Port) : t).Select(t => t.Key == "url.full" ? new(t.Key, ((string)t.Value!).Replace($":{runtime.Port}/", $":{mockkit.Port}/", StringComparison.Ordinal)) : t), ignoreOrder: true);
        runtime.Request.Headers["traceparent"].ShouldBe($"00-{parent.TraceId}-{theirs.SpanId}-01");
        mockkit.Request.Headers["traceparent"].ShouldBe($"00-{parent.TraceId}-{ours.SpanId}-01");
    }

    [Fact]
    public async Task Without_a_listener_but_with_a_current_activity_both_send_a_child_span_of_it()
    {
        using var parent = new Activity("test").Start();

        var runtime = (await SendAsync(new SocketsHttpHandler(), "/")).Request;
        var mockkit = (await SendAsync(new InstrumentedHandler(), "/")).Request;

        foreach (var request in new[] { runtime, mockkit })
        {
            TraceIdOf(request).ShouldBe(parent.TraceId.ToHexString());
            var parts = request.Headers["traceparent"]!.Split('-');
            parts[2].ShouldNotBe(parent.SpanId.ToHexString(), "a span of its own, child of the current activity");
        }

        mockkit.Headers["traceparent"]![^2..].ShouldBe(runtime.Headers["traceparent"]![^2..]); // The same trace flags.
    }

    [Fact]
    public async Task Without_a_listener_or_a_current_activity_neither_sends_trace_context()
    {
        Activity.Current = null;

        var runtime = (await SendAsync(new SocketsHttpHandler(), "/")).Request;
        var mockkit = (await SendAsync(new InstrumentedHandler(), "/")).Request;

        runtime.Headers.Contains("traceparent").ShouldBeFalse();
        mockkit.Headers.Contains("traceparent").ShouldBeFalse();
    }

    [Fact]
    public async Task Trace_context_the_application_set_itself_is_kept()
    {
        using var parent = new Activity("test").Start();
        const string Own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

        var runtime = (await SendAsync(new SocketsHttpHandler(), "/", r => r.Headers.Add("traceparent", Own))).Request;
        var mockkit = (await SendAsync(new InstrumentedHandler(), "/", r => r.Headers.Add("traceparent", Own))).Request;

        runtime.Headers.GetValues("traceparent").ShouldBe([Own]);
        mockkit.Headers.GetValues("traceparent").ShouldBe([Own]);
    }

    [Fact]
    public async Task The_handlers_propagator_replaces_the_process_default()
    {
        using var parent = new Activity("test").Start();

        var request = (await SendAsync(new InstrumentedHandler { Propagator = DistributedContextPropagator.CreateNoOutputPropagator() }, "/")).Request;

        request.Headers.Contains("traceparent").ShouldBeFalse();
    }

    [Fact]
    public async Task A_redirect_keeps_the_trace_with_one_traceparent_per_hop_like_the_runtime()
    {
        using var parent = new Activity("test").Start();

        var runtime = await RedirectAsync(new SocketsHttpHandler());
        var mockkit = await RedirectAsync(new InstrumentedHandler());

        foreach (var hops in new[] { runtime, mockkit })
        {
            hops.Length.ShouldBe(2);
            foreach (var hop in hops)
            {
                hop.Headers.GetValues("traceparent").Count.ShouldBe(1);
                TraceIdOf(hop).ShouldBe(parent.TraceId.ToHexString());
            }
        }

        // Each hop is a span of its own in both handlers.
        (mockkit[0].Headers["traceparent"] == mockkit[1].Headers["traceparent"])
            .ShouldBe(runtime[0].Headers["traceparent"] == runtime[1].Headers["traceparent"]);
    }

    [Fact]
    public async Task A_retry_carries_the_same_trace_context()
    {
        using var parent = new Activity("test").Start();
        await using var h = await ClientHarness.StartAsync(ClientHarness.HandlerWithRoutes(2));
        h.Server.Enqueue(new MockResponse("first"));
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAfterRequest });
        h.Server.Enqueue(new MockResponse("retried"));

        (await h.Client.GetStringAsync(h.LocalhostUrl("/1"))).ShouldBe("first");
        (await h.Client.GetStringAsync(h.LocalhostUrl("/2"))).ShouldBe("retried");

        h.Server.TakeRequest();
        var attempt = h.Server.TakeRequest();
        var retry = h.Server.TakeRequest();
        TraceIdOf(attempt).ShouldBe(parent.TraceId.ToHexString());
        retry.ConnectionIndex.ShouldNotBe(attempt.ConnectionIndex);
        retry.Headers["traceparent"].ShouldBe(attempt.Headers["traceparent"]);
    }

    [Fact]
    public void Unobserved_a_request_allocates_nothing_for_metrics_or_tracing()
    {
        Activity.Current = null;
        using var metrics = new ClientMetrics(meterFactory: null, new object(), proxy: null, TimeProvider.System);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/");
        using var response = new HttpResponseMessage();
        var propagator = DistributedContextPropagator.CreateDefaultPropagator();
        RunOnce(); // Warm up (JIT, static initialisers).

        var before = GC.GetAllocatedBytesForCurrentThread();
        RunOnce();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.ShouldBe(0);

        void RunOnce()
        {
            var scope = RequestScope.Start(metrics, propagator, request);
            scope.Stop(request, response, exception: null);
        }
    }

    private static async Task<(RecordedRequest Request, int Port)> SendAsync(HttpMessageHandler handler, string path, Action<HttpRequestMessage>? configure = null)
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("ok"));
        await server.StartAsync();
        using var client = new HttpClient(handler, disposeHandler: true) { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url(path));
        configure?.Invoke(request);
        using var response = await client.SendAsync(request);
        (await response.Content.ReadAsStringAsync()).ShouldBe("ok");
        return (server.TakeRequest(), server.Port);
    }

    private static async Task<RecordedRequest[]> RedirectAsync(HttpMessageHandler handler)
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse(302, string.Empty) { Headers = { { "Location", "/b" } } });
        server.Enqueue(new MockResponse("ok"));
        await server.StartAsync();
        using var client = new HttpClient(handler, disposeHandler: true) { Timeout = TimeSpan.FromSeconds(30) };
        (await client.GetStringAsync(server.Url("/a"))).ShouldBe("ok");
        return [server.TakeRequest(), server.TakeRequest()];
    }

    /// <summary>The trace id of the request's single traceparent (the assertion library's ShouldHaveTraceParent is tested on its own).</summary>
    private static string TraceIdOf(RecordedRequest request) => request.Headers.GetValues("traceparent").ShouldHaveSingleItem().Split('-')[1];

    private static List<KeyValuePair<string, object?>> Tags(Activity activity) => [.. activity.TagObjects];
}

using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using MockKit.Client;
using MockKit.MockServer;

namespace MockKit.Extensions.Http.Tests;

/// <summary>Under IHttpClientFactory, InstrumentedHandler behaves as SocketsHttpHandler does: each case runs against both.</summary>
[CollectionDefinition(nameof(FactoryParityTests), DisableParallelization = true)]
[Collection(nameof(FactoryParityTests))] // An ActivityListener sees every activity of the process.
public sealed class FactoryParityTests
{
    public static TheoryData<string> Handlers => ["runtime", "mockkit"];

    [Theory]
    [MemberData(nameof(Handlers))]
    public async Task Each_retry_of_the_standard_handler_carries_the_trace_context_of_its_own_attempt(string which)
    {
        using var listener = ListenToHttpClients();
        var attempts = await SendRetriedAsync(which, configure: null);

        attempts.Length.ShouldBe(2);
        attempts.Select(TraceId).Distinct().ShouldHaveSingleItem();
        SpanId(attempts[1]).ShouldNotBe(SpanId(attempts[0]), "each attempt is a span of its own");
    }

    [Theory]
    [MemberData(nameof(Handlers))]
    public async Task A_traceparent_the_application_set_is_kept_on_every_attempt_where_the_runtime_keeps_it_on_the_first_only(string which)
    {
        using var listener = ListenToHttpClients();
        const string Own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

        var attempts = await SendRetriedAsync(which, r => r.Headers.Add("traceparent", Own));

        attempts[0].Headers["traceparent"].ShouldBe(Own);
        if (which == "runtime")
        {
            // SocketsHttpHandler marks the request as injected even when it kept the application's field,
            // and on the next send removes every propagator field: the retry carries the runtime's own context.
            attempts[1].Headers["traceparent"].ShouldNotBe(Own);
        }
        else
        {
            attempts[1].Headers["traceparent"].ShouldBe(Own, "MockKit removes only the fields it injected itself");
        }
    }

    [Theory]
    [MemberData(nameof(Handlers))]
    public async Task A_shared_primary_handler_disposed_under_a_live_chain_refuses_to_send(string which)
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("first"));
        server.Enqueue(new MockResponse("must not be served"));
        HttpMessageHandler shared = which == "runtime" ? new SocketsHttpHandler() : new InstrumentedHandler();
        await using var provider = Services.Build(s => s.AddHttpClient("shared", c => c.BaseAddress = server.Url("/")).ConfigurePrimaryHttpMessageHandler(() => shared));
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("shared");
        (await client.GetStringAsync("/first")).ShouldBe("first");

        shared.Dispose(); // What the factory's cleanup does to an expired entry's primary handler.

        await Should.ThrowAsync<ObjectDisposedException>(() => client.GetAsync("/second"));
        server.RequestCount.ShouldBe(1);
    }

    /// <summary>One GET through the standard resilience handler that the server answers 503 then 200; returns both attempts.</summary>
    private static async Task<RecordedRequest[]> SendRetriedAsync(string which, Action<HttpRequestMessage>? configure)
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse(503, "busy"));
        server.Enqueue(new MockResponse("ok"));
        await using var provider = Services.Build(s =>
        {
            var builder = s.AddHttpClient("traced", c => c.BaseAddress = server.Url("/"));
            _ = which == "runtime" ? builder.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler()) : builder.AddMockKit(server);
            builder.AddStandardResilienceHandler(o =>
            {
                o.Retry.Delay = TimeSpan.Zero;
                o.Retry.UseJitter = false;
            });
        });
        using var parent = new Activity("test").Start();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        configure?.Invoke(request);

        using var response = await provider.GetRequiredService<IHttpClientFactory>().CreateClient("traced").SendAsync(request);

        (await response.Content.ReadAsStringAsync()).ShouldBe("ok");
        return [server.TakeRequest(), server.TakeRequest()];
    }

    private static ActivityListener ListenToHttpClients()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "System.Net.Http" or "MockKit.Client",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private static string TraceId(RecordedRequest request) => request.Headers.GetValues("traceparent").ShouldHaveSingleItem().Split('-')[1];

    private static string SpanId(RecordedRequest request) => request.Headers.GetValues("traceparent").ShouldHaveSingleItem().Split('-')[2];
}

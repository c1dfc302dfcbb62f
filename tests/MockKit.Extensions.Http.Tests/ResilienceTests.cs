using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using MockKit.Client;
using MockKit.MockServer;
using Polly;
using Polly.CircuitBreaker;

namespace MockKit.Extensions.Http.Tests;

/// <summary>Microsoft.Extensions.Http.Resilience (Polly 8) pipelines over AddMockKit: each attempt is a call the pool and the events show.</summary>
public sealed class ResilienceTests
{
    [Fact]
    public async Task The_standard_handler_retries_a_503_and_every_attempt_is_a_call_of_its_own()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse(503, "busy"));
        server.Enqueue(new MockResponse(503, "busy"));
        server.Enqueue(new MockResponse("ok"));
        await using var provider = Services.Build(s => s.AddHttpClient("api").AddMockKit(server).AddStandardResilienceHandler(NoRetryDelay));

        using var response = await provider.GetRequiredService<IHttpClientFactory>().CreateClient("api").GetAsync("/");

        (await response.Content.ReadAsStringAsync()).ShouldBe("ok");
        server.RequestCount.ShouldBe(3);
        var instrumentation = provider.GetMockKit("api");
        instrumentation.Events.EventNames.Count(e => e == "CallEnd").ShouldBe(3);
        instrumentation.Pool.ConnectionCount.ShouldBe(1, "the discarded 503 bodies returned the connection to the pool");
        response.GetExchange().SequenceNumber.ShouldBe(2);
    }

    [Fact]
    public async Task An_attempt_timeout_cancels_the_stalled_attempt_without_leaking_its_connection()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.NoResponse });
        server.Enqueue(new MockResponse("ok"));
        var attempts = 0;
        await using var provider = Services.Build(s => s.AddHttpClient("api").AddMockKit(server).AddStandardResilienceHandler(o =>
        {
            NoRetryDelay(o);

            // Only the stalled first attempt times out quickly: the second (a new connection on a
            // possibly busy machine) gets the default, so the test never depends on its speed.
            o.AttemptTimeout.TimeoutGenerator = _ => ValueTask.FromResult(
                Interlocked.Increment(ref attempts) == 1 ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(20));
        }));

        using var response = await provider.GetRequiredService<IHttpClientFactory>().CreateClient("api").GetAsync("/");

        (await response.Content.ReadAsStringAsync()).ShouldBe("ok");
        var instrumentation = provider.GetMockKit("api");
        instrumentation.Events.EventNames.ShouldContain("Canceled");
        response.GetExchange().ConnectionReused.ShouldBeFalse("the stalled connection cannot carry another exchange");
        await instrumentation.ShouldHaveNoLeakedConnectionsAsync();
    }

    [Fact]
    public async Task Hedging_over_h2c_multiplexes_the_hedged_attempt_on_the_same_connection()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.NoResponse });
        server.Enqueue(new MockResponse("hedged"));
        await using var provider = Services.Build(s => s.AddHttpClient("api").AddMockKit(server).AddStandardHedgingHandler().Configure(o =>
        {
            o.Hedging.Delay = TimeSpan.FromMilliseconds(50);
            o.Hedging.MaxHedgedAttempts = 1;
        }));

        using var response = await provider.GetRequiredService<IHttpClientFactory>().CreateClient("api").GetAsync("/");

        (await response.Content.ReadAsStringAsync()).ShouldBe("hedged");
        response.GetExchange().Protocol.ShouldBe(Protocol.H2PriorKnowledge);
        var first = server.TakeRequest();
        var hedged = server.TakeRequest();
        hedged.ConnectionIndex.ShouldBe(first.ConnectionIndex);
        var instrumentation = provider.GetMockKit("api");
        instrumentation.Pool.ConnectionCount.ShouldBe(1);
        await Services.EventuallyAsync(() => instrumentation.Events.EventNames.Contains("Canceled"), "the losing attempt to be canceled");
        await instrumentation.ShouldHaveNoLeakedConnectionsAsync();
    }

    [Fact]
    public async Task An_open_circuit_stops_calls_before_they_reach_the_handler()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse(503, "down"));
        server.Enqueue(new MockResponse(503, "down"));
        server.Enqueue(new MockResponse("never requested"));
        await using var provider = Services.Build(s => s.AddHttpClient("api").AddMockKit(server).AddResilienceHandler("breaker", b => b.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            MinimumThroughput = 2,
            FailureRatio = 0.5,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(30),
        })));
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("api");

        using (var first = await client.GetAsync("/"))
        using (var second = await client.GetAsync("/"))
        {
            ((int)second.StatusCode).ShouldBe(503);
        }

        await Should.ThrowAsync<BrokenCircuitException>(() => client.GetAsync("/"));

        server.RequestCount.ShouldBe(2);
        server.PendingResponseCount.ShouldBe(1);
        provider.GetMockKit("api").Events.EventNames.Count(e => e == "CallStart").ShouldBe(2);
        await provider.GetMockKit("api").ShouldHaveNoLeakedConnectionsAsync();
    }

    private static void NoRetryDelay(HttpStandardResilienceOptions options)
    {
        options.Retry.Delay = TimeSpan.Zero;
        options.Retry.UseJitter = false;
    }
}

using System.Net;
using System.Text;

namespace MockKit.MockServer.Tests.Hosting;

/// <summary>
/// <see cref="HostEndpoint"/> is the public hook a program hosting a <see cref="MockWebServer"/>
/// (the <c>mockkit</c> tool's admin API, or a user's own) serves its paths through: those requests
/// bypass claim, record and dispatch, and the hook's own failures are answers, not broken connections.
/// </summary>
public sealed class HostEndpointTests
{
    [Fact]
    public async Task Host_requests_are_answered_by_the_endpoint_and_never_recorded_or_dispatched()
    {
        var queue = new QueueDispatcher();
        queue.Enqueue(new MockResponse("scripted"));
        var served = 0;
        await using var server = new MockWebServer
        {
            Dispatcher = queue,
            HostEndpoint = new HostEndpoint("/__admin/", (request, _) =>
            {
                Interlocked.Increment(ref served);
                return ValueTask.FromResult(new MockResponse($"admin {request.Method} {request.Target} {request.BodyText}"));
            }),
        };
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using (var content = new StringContent("ping"))
        {
            (await (await client.PostAsync(server.Url("/__admin/health?x=1"), content)).Content.ReadAsStringAsync()).ShouldBe("admin POST /__admin/health?x=1 ping");
        }

        (await client.GetStringAsync(server.Url("/__admin"))).ShouldBe("admin GET /__admin "); // The prefix without its slash is owned too.
        (await client.GetStringAsync(server.Url("/__administrator"))).ShouldBe("scripted"); // A longer segment is not.

        served.ShouldBe(2);
        server.RequestCount.ShouldBe(1);
        server.TakeRequest().Path.ShouldBe("/__administrator");
        queue.PendingCount.ShouldBe(0);
    }

    [Fact]
    public async Task An_endpoint_that_throws_is_answered_500_and_the_connection_serves_on()
    {
        await using var server = new MockWebServer
        {
            HostEndpoint = new HostEndpoint("/__admin/", (_, _) => throw new InvalidOperationException("the host broke")),
        };
        server.Enqueue(new MockResponse("after"));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using var failed = await client.GetAsync(server.Url("/__admin/x"));
        failed.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await failed.Content.ReadAsStringAsync()).ShouldBe("host endpoint failed: InvalidOperationException: the host broke\n");

        (await client.GetStringAsync(server.Url("/next"))).ShouldBe("after");

        // The scripted request came on the connection the failed host call used: it was not closed.
        server.TakeRequest().SequenceNumber.ShouldBe(1);
    }

    [Fact]
    public async Task A_body_over_MaxBodyBytes_is_answered_413_without_calling_the_endpoint()
    {
        var called = false;
        await using var server = new MockWebServer
        {
            HostEndpoint = new HostEndpoint("/__admin/", (_, _) =>
            {
                called = true;
                return ValueTask.FromResult(new MockResponse());
            })
            { MaxBodyBytes = 10 },
        };
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using var content = new ByteArrayContent(Encoding.ASCII.GetBytes(new string('x', 11)));
        using var response = await client.PostAsync(server.Url("/__admin/routes"), content);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        called.ShouldBeFalse();
        server.RequestCount.ShouldBe(0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("__admin/")]
    public void A_prefix_that_is_not_a_path_below_the_root_is_refused(string prefix) =>
        Should.Throw<ArgumentException>(() => new HostEndpoint(prefix, (_, _) => ValueTask.FromResult(new MockResponse())));

    [Fact]
    public void MaxBodyBytes_must_be_positive() =>
        Should.Throw<ArgumentOutOfRangeException>(() => new HostEndpoint("/__admin/", (_, _) => ValueTask.FromResult(new MockResponse())) { MaxBodyBytes = 0 });

    [Fact]
    public async Task The_endpoint_is_frozen_at_start()
    {
        await using var server = new MockWebServer();
        server.Start();

        Should.Throw<InvalidOperationException>(() => server.HostEndpoint = new HostEndpoint("/__admin/", (_, _) => ValueTask.FromResult(new MockResponse())));
    }
}

using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

public sealed class RedirectTests
{
    [Fact]
    public async Task A_redirect_to_the_same_address_reuses_the_connection()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse(302) { Headers = { { "Location", "/b" } }, Body = "moved" });
        h.Server.Enqueue(new MockResponse("at b"));

        using var response = await h.Client.GetAsync(h.Url("/a"));

        (await response.Content.ReadAsStringAsync()).ShouldBe("at b");
        response.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/b");
        response.GetExchange().SequenceNumber.ShouldBe(1);
        response.GetExchange().ConnectionReused.ShouldBeTrue();
        var first = h.Server.TakeRequest();
        var second = h.Server.TakeRequest();
        (first.ConnectionIndex, first.SequenceNumber).ShouldBe((0, 0));
        (second.ConnectionIndex, second.SequenceNumber, second.Path).ShouldBe((0, 1, "/b"));
        h.Pool.ConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task A_302_turns_post_into_get_without_a_body()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse(302) { Headers = { { "Location", "/get" } } });
        h.Server.Enqueue(new MockResponse("done"));

        using var response = await h.Client.PostAsync(h.Url("/post"), new StringContent("form"));

        h.Server.TakeRequest().Method.ShouldBe("POST");
        var followed = h.Server.TakeRequest();
        followed.Method.ShouldBe("GET");
        followed.BodySize.ShouldBe(0);
        followed.Headers["Content-Type"].ShouldBeNull();
    }

    [Fact]
    public async Task A_307_replays_method_and_body()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse(307) { Headers = { { "Location", "/again" } } });
        h.Server.Enqueue(new MockResponse("done"));

        using var response = await h.Client.PostAsync(h.Url("/post"), new StringContent("form"));

        h.Server.TakeRequest();
        var followed = h.Server.TakeRequest();
        (followed.Method, followed.BodyText, followed.Path).ShouldBe(("POST", "form", "/again"));
    }

    [Fact]
    public async Task Redirects_are_not_followed_when_disabled()
    {
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { FollowRedirects = false });
        h.Server.Enqueue(new MockResponse(301) { Headers = { { "Location", "/elsewhere" } } });

        using var response = await h.Client.GetAsync(h.Url("/"));

        ((int)response.StatusCode).ShouldBe(301);
        h.Server.RequestCount.ShouldBe(1);
    }
}

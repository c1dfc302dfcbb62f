using MockKit.MockServer;

namespace MockKit.Assertions.Tests;

public sealed class MockWebServerAssertionsTests
{
    [Fact]
    public async Task Received_counts_match_or_fail_with_both_counts()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse());
        using var client = new HttpClient();
        await client.GetAsync(server.Url("/"));

        server.ShouldHaveReceived(1).ShouldBeSameAs(server);
        Should.Throw<ShouldAssertException>(() => server.ShouldHaveReceived(2)).Message.ShouldBe(
            $"server should have received\n    2 requests\n    but was\n    1 request\n\nMockWebServer 127.0.0.1:{server.Port}");
    }

    [Fact]
    public async Task No_more_requests_fails_showing_the_unexpected_one()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse());
        server.ShouldHaveNoMoreRequests(TimeSpan.FromMilliseconds(20));
        using var client = new HttpClient();
        await client.GetAsync(server.Url("/surprise"));

        Should.Throw<ShouldAssertException>(() => server.ShouldHaveNoMoreRequests(TimeSpan.FromSeconds(10))).Message.ShouldBe(
            $"server should have no more requests\n    none\n    but was\n    1 more\n\nGET /surprise HTTP/1.1 (connection 0, sequence 0)\n    Host: 127.0.0.1:{server.Port}");
    }

    [Fact]
    public async Task Taken_all_responses_fails_naming_the_next_pending_one()
    {
        await using var server = new MockWebServer();
        server.ShouldHaveTakenAllResponses();
        server.Enqueue(new MockResponse(404, "gone"));

        Should.Throw<ShouldAssertException>(() => server.ShouldHaveTakenAllResponses()).Message.ShouldBe(
            $"server should have taken all responses\n    0 pending\n    but was\n    1 pending\n\nMockWebServer (not started) still holds:\n    next: MockResponse 404 Not Found (4 bytes, KeepOpen)");
    }
}

using MockKit.MockServer;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>Concurrent calls share one HTTP/2 connection up to the server's SETTINGS_MAX_CONCURRENT_STREAMS.</summary>
public sealed class Http2MultiplexingTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Concurrent_calls_share_one_connection_as_streams(bool tls)
    {
        var (server, handler, client) = await H2Harness.StartAsync(tls);
        await using var _ = server;
        using var __ = client;
        for (var i = 0; i < 3; i++)
        {
            server.Enqueue(new MockResponse($"body {i}"));
        }

        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
            client.GetAsync(H2Harness.Url(server, $"/{i}"), HttpCompletionOption.ResponseHeadersRead)));
        try
        {
            var snapshot = handler.Pool.Connections.ShouldHaveSingleItem();
            snapshot.ActiveStreams.ShouldBe(3);
            handler.Pool.MultiplexedConnectionCount.ShouldBe(1);
            responses.Select(r => r.GetExchange().SequenceNumber).Order().ShouldBe([0, 1, 2]);
            responses.Select(r => r.GetExchange().ConnectionId).Distinct().ShouldHaveSingleItem();
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }

        var recorded = Enumerable.Range(0, 3).Select(_ => server.TakeRequest()).ToList();
        recorded.Select(r => r.SequenceNumber).Order().ShouldBe([0, 1, 2]);
        recorded.Select(r => r.ConnectionIndex).Distinct().ShouldHaveSingleItem();
        handler.Pool.Connections.ShouldHaveSingleItem().ActiveStreams.ShouldBe(0);
    }

    [Fact]
    public async Task A_lowered_max_concurrent_streams_pushes_new_calls_to_a_new_connection()
    {
        var (server, handler, client) = await H2Harness.StartAsync(tls: false);
        await using var _ = server;
        using var __ = client;
        server.Enqueue(new MockResponse("limited") { Settings = new Http2Settings { MaxConcurrentStreams = 1 } });
        server.Enqueue(new MockResponse("second"));
        server.Enqueue(new MockResponse("third"));

        using var first = await client.GetAsync(H2Harness.Url(server, "/1"), HttpCompletionOption.ResponseHeadersRead);
        using var second = await client.GetAsync(H2Harness.Url(server, "/2"), HttpCompletionOption.ResponseHeadersRead);

        second.GetExchange().ConnectionId.ShouldNotBe(first.GetExchange().ConnectionId);
        second.GetExchange().SequenceNumber.ShouldBe(0);
        handler.Pool.ConnectionCount.ShouldBe(2);
        handler.Pool.MultiplexedConnectionCount.ShouldBe(2);
        var recordedFirst = server.TakeRequest();
        var recordedSecond = server.TakeRequest();
        (recordedFirst.ConnectionIndex, recordedFirst.SequenceNumber).ShouldBe((0, 0));
        (recordedSecond.ConnectionIndex, recordedSecond.SequenceNumber).ShouldBe((1, 0));

        // Once the first stream ends, the first connection has room for one stream again.
        (await first.Content.ReadAsStringAsync()).ShouldBe("limited");
        using var third = await client.GetAsync(H2Harness.Url(server, "/3"));
        third.GetExchange().ConnectionId.ShouldBe(first.GetExchange().ConnectionId);
        third.GetExchange().SequenceNumber.ShouldBe(1);
        var recordedThird = server.TakeRequest();
        (recordedThird.ConnectionIndex, recordedThird.SequenceNumber).ShouldBe((0, 1));
    }
}

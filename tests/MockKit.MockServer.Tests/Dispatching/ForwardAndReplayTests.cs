namespace MockKit.MockServer.Tests.Dispatching;

/// <summary>
/// <c>Dispatcher.Forward</c> returns a <see cref="ForwardingDispatcher"/>, so the README's
/// forward → save → replay runs on one variable, without a cast or a second constructor call.
/// </summary>
public sealed class ForwardAndReplayTests
{
    [Fact]
    public async Task Forward_save_and_replay_without_a_cast()
    {
        await using var upstream = new MockWebServer();
        upstream.Enqueue(new MockResponse("sunny"));
        using var upstreamHandler = new SocketsHttpHandler();
        var forward = Dispatcher.Forward(upstreamHandler, upstream.Url("/"));
        await using var server = new MockWebServer { Dispatcher = forward };
        using var client = new HttpClient();

        (await client.GetStringAsync(server.Url("/forecast?city=Lisbon"))).ShouldBe("sunny");
        server.TakeRequest().Failure.ShouldBeNull();

        var path = Path.Combine(Path.GetTempPath(), $"mockkit-forward-{Guid.NewGuid():N}.json");
        try
        {
            // A recording is added when the relay saw the response end, which may be just after the
            // client read it: wait for it (ForwardingDispatcher.Recordings documents the lag).
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            {
                await forward.WaitForRecordingsAsync(1, deadline.Token);
            }

            forward.Recordings.ShouldHaveSingleItem();
            forward.SaveRecordings(path);
            await using var replaying = new MockWebServer { Dispatcher = Dispatcher.Replay(path) };
            (await client.GetStringAsync(replaying.Url("/forecast?city=Lisbon"))).ShouldBe("sunny");
        }
        finally
        {
            File.Delete(path);
        }
    }
}

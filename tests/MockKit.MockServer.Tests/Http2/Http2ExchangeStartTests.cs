namespace MockKit.MockServer.Tests.Http2;

/// <summary>
/// Each stream's exchange is queued to the thread pool with the stream itself as the work item
/// (Http2ServerStream.QueueExchange): it must still run in the ExecutionContext the server's loops run
/// in, as it did when it was started with Task.Factory.StartNew, so user code (a dispatcher) sees the
/// AsyncLocal values of whoever started the server.
/// </summary>
public sealed class Http2ExchangeStartTests
{
    private static readonly AsyncLocal<string?> Ambient = new();

    [Fact]
    public async Task The_dispatcher_sees_the_execution_context_the_server_was_started_in()
    {
        var seen = new List<string?>();
        Ambient.Value = "started";
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Dispatcher = Dispatcher.From(_ =>
        {
            lock (seen)
            {
                seen.Add(Ambient.Value);
            }

            return new MockResponse("ok");
        });
        await server.StartAsync();
        Ambient.Value = null;
        using var client = HttpClientHttp2Tests.Client(tls: false);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => client.GetStringAsync(server.Url($"/{i}"))));

        seen.ShouldBe(["started", "started", "started", "started"]);
    }
}

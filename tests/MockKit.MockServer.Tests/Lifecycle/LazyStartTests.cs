namespace MockKit.MockServer.Tests.Lifecycle;

/// <summary>
/// <see cref="MockWebServer.Port"/>, <see cref="MockWebServer.HostName"/> and
/// <see cref="MockWebServer.Url"/> start the server on first use, whichever thread gets there
/// first, and stay readable after shutdown (as OkHttp's do) so a diagnostic can print them.
/// </summary>
public sealed class LazyStartTests
{
    [Fact]
    public async Task Concurrent_first_reads_of_Port_and_Url_start_the_server_once()
    {
        // The race window is a few instructions wide: many iterations, each releasing both
        // readers at once through a barrier, make a lost race show up on almost every run.
        const int Readers = 4;
        for (var i = 0; i < 300; i++)
        {
            await using var server = new MockWebServer();
            using var barrier = new Barrier(Readers);
            var readers = Enumerable.Range(0, Readers).Select(r => Task.Run(() =>
            {
                barrier.SignalAndWait();
                return r % 2 == 0 ? server.Port : server.Url("/").Port;
            })).ToArray();

            var ports = await Task.WhenAll(readers);
            ports.Distinct().Count().ShouldBe(1);
            server.IsRunning.ShouldBeTrue();
        }
    }

    [Fact]
    public async Task Port_HostName_and_Url_stay_readable_after_shutdown()
    {
        var server = new MockWebServer();
        server.Start();
        var port = server.Port;
        var url = server.Url("/a");

        await server.ShutdownAsync();

        server.Port.ShouldBe(port);
        server.HostName.ShouldBe("127.0.0.1");
        server.Url("/a").ShouldBe(url);
        server.ProxyAddress.ShouldBe(new Uri($"http://127.0.0.1:{port}"));
        server.ToString().ShouldBe($"MockWebServer 127.0.0.1:{port}");
        server.IsRunning.ShouldBeFalse();
    }

    [Fact]
    public async Task Port_of_a_server_shut_down_before_it_started_says_so()
    {
        var server = new MockWebServer();
        await server.ShutdownAsync();

        Should.Throw<InvalidOperationException>(() => server.Port).Message.ShouldBe("The server has shut down.");
    }
}

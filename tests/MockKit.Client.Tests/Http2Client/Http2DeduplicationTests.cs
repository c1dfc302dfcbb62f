using MockKit.MockServer;
using MockKit.Tls;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>
/// Concurrent connects to one HTTP/2 origin before any knows the protocol: the first to finish is
/// pooled, later finishers close their fresh connection and ride on the pooled one.
/// </summary>
public sealed class Http2DeduplicationTests
{
    [Fact]
    public async Task A_second_connect_that_finishes_first_wins_and_the_first_joins_it()
    {
        await RunScenarioAsync();
    }

    /// <summary>Fifty in CI; MOCKKIT_DEDUP_LOOPS=1000 for the flake hunt the README describes.</summary>
    [Fact]
    public async Task The_race_scenario_passes_fifty_times_in_a_row()
    {
        var loops = int.TryParse(Environment.GetEnvironmentVariable("MOCKKIT_DEDUP_LOOPS"), out var n) ? n : 50;
        for (var i = 0; i < loops; i++)
        {
            await RunScenarioAsync();
        }
    }

    private static async Task RunScenarioAsync()
    {
        var certificates = HandshakeCertificates.Localhost();
        await using var server = new MockWebServer();
        server.UseHttps(certificates);
        await server.StartAsync();
        var handler = new InstrumentedHandler
        {
            Proxy = server.ToProxy(),
            Certificates = certificates,
            Protocols = [Protocol.Http2, Protocol.Http11],
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
        var url = new Uri($"https://localhost:{server.Port}/");
        var connects = 0;
        Exception? secondFailure = null;
        var secondSequence = -1;
        server.Dispatcher = new ReentrantDispatcher(async () =>
        {
            // Call 2 runs to completion while call 1's CONNECT is still unanswered.
            try
            {
                using var second = await client.GetAsync(url);
                (await second.Content.ReadAsStringAsync()).ShouldBe("body");
                secondSequence = second.GetExchange().SequenceNumber;
            }
            catch (Exception e)
            {
                secondFailure = e;
            }
        }, () => Interlocked.Increment(ref connects));

        using var first = await client.GetAsync(url).WaitAsync(TimeSpan.FromSeconds(20));
        (await first.Content.ReadAsStringAsync()).ShouldBe("body");
        secondFailure.ShouldBeNull();
        secondSequence.ShouldBe(0);

        var recorded = Enumerable.Range(0, 4).Select(_ => server.TakeRequest()).ToList();
        recorded.Select(r => (r.Method, r.SequenceNumber)).ShouldBe([("CONNECT", 0), ("CONNECT", 0), ("GET", 0), ("GET", 1)]);
        recorded[2].ConnectionIndex.ShouldBe(recorded[1].ConnectionIndex);
        recorded[3].ConnectionIndex.ShouldBe(recorded[1].ConnectionIndex);
        recorded[3].Protocol.ShouldBe(Protocol.Http2);
        first.GetExchange().SequenceNumber.ShouldBe(1);
        first.GetExchange().ConnectionReused.ShouldBeTrue();
        handler.Pool.ConnectionCount.ShouldBe(1);
        handler.Pool.MultiplexedConnectionCount.ShouldBe(1);
    }

    /// <summary>The first CONNECT runs <c>whileFirstConnect</c> before being answered; CONNECTs upgrade to TLS, GETs get a body.</summary>
    private sealed class ReentrantDispatcher(Func<Task> whileFirstConnect, Func<int> countConnect) : Dispatcher
    {
        /// <summary>Every new socket starts with a plaintext CONNECT: tells the server to expect one.</summary>
        public override MockResponse? Peek() => new() { SocketPolicy = SocketPolicy.UpgradeToSslAtEnd };

        public override async ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken ct)
        {
            if (request.Method != "CONNECT")
            {
                return new MockResponse("body");
            }

            if (countConnect() == 1)
            {
                await whileFirstConnect();
            }

            return new MockResponse { SocketPolicy = SocketPolicy.UpgradeToSslAtEnd };
        }
    }
}

using System.Net;

namespace MockKit.MockServer.Tests.Scale;

/// <summary>
/// Two hundred servers alive at once in one process, each with its own queue, traffic and
/// recordings: no response or recording crosses from one server to another.
/// </summary>
public sealed class ManyServersTests
{
    private const int Servers = 200;
    private const int RequestsPerServer = 5;

    [Fact]
    public async Task Two_hundred_servers_at_once_keep_their_traffic_apart()
    {
        var servers = new List<MockWebServer>();
        try
        {
            for (var s = 0; s < Servers; s++)
            {
                var server = new MockWebServer();
                if (s % 2 == 1)
                {
                    server.Protocols = [Protocol.H2PriorKnowledge];
                }

                for (var r = 0; r < RequestsPerServer; r++)
                {
                    server.Enqueue(new MockResponse($"server {s} response {r}"));
                }

                server.Start();
                servers.Add(server);
            }

            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { Timeout = TimeSpan.FromMinutes(2) };
            var traffic = servers.Select((server, s) => Task.Run(async () =>
            {
                for (var r = 0; r < RequestsPerServer; r++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, server.Url($"/server/{s}/request/{r}"))
                    {
                        Version = s % 2 == 1 ? HttpVersion.Version20 : HttpVersion.Version11,
                        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                    };
                    using var response = await client.SendAsync(request);
                    (await response.Content.ReadAsStringAsync()).ShouldBe($"server {s} response {r}");
                }
            }));
            await Task.WhenAll(traffic);

            for (var s = 0; s < Servers; s++)
            {
                servers[s].RequestCount.ShouldBe(RequestsPerServer);
                servers[s].PendingResponseCount.ShouldBe(0);
                for (var r = 0; r < RequestsPerServer; r++)
                {
                    servers[s].TakeRequest().Target.ShouldBe($"/server/{s}/request/{r}");
                }
            }
        }
        finally
        {
            await Task.WhenAll(servers.Select(s => s.ShutdownAsync()));
        }
    }
}

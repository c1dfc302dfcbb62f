using System.Globalization;
using System.Net.Sockets;
using System.Text;
using MockKit.MockServer.Tests.Soak;

namespace MockKit.MockServer.Tests.Scale;

/// <summary>
/// One server, many concurrent keep-alive connections, every request answered on its own
/// connection with its own response; afterwards the descriptors are back where they started.
/// CI-sized (200 connections); the README reports the same shape at 1,000 connections.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class ManyConnectionsTests
{
    private const int Connections = 200;
    private const int RequestsPerConnection = 25;

    [Fact]
    public async Task Two_hundred_keep_alive_connections_are_all_answered_and_leave_no_descriptors()
    {
        var descriptorsBefore = Descriptors.Count();
        var server = new MockWebServer
        {
            // Each answer names the request it answers, so a response crossing connections shows.
            Dispatcher = Dispatcher.From(request => new MockResponse(request.Target)),
        };
        server.Start();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var clients = Enumerable.Range(0, Connections).Select(c => Task.Run(() => RunConnectionAsync(server.Port, c, deadline.Token))).ToArray();
        var answered = await Task.WhenAll(clients);

        answered.Sum().ShouldBe(Connections * RequestsPerConnection);
        server.RequestCount.ShouldBe(Connections * RequestsPerConnection);
        var perConnection = new Dictionary<int, int>();
        while (server.TakeRequest(TimeSpan.Zero) is { } recorded)
        {
            recorded.Failure.ShouldBeNull();
            perConnection[recorded.ConnectionIndex] = perConnection.GetValueOrDefault(recorded.ConnectionIndex) + 1;
        }

        perConnection.Count.ShouldBe(Connections);
        perConnection.Values.ShouldAllBe(n => n == RequestsPerConnection);

        await server.ShutdownAsync();
        (await Descriptors.SettleAsync(descriptorsBefore)).ShouldBeLessThanOrEqualTo(descriptorsBefore);
    }

    private static async Task<int> RunConnectionAsync(int port, int connection, CancellationToken ct)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", port, ct);
        var buffer = new byte[4096];
        var answered = 0;
        for (var i = 0; i < RequestsPerConnection; i++)
        {
            var target = $"/c{connection}/r{i}";
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n"), ct);
            var response = await ReadResponseAsync(socket, buffer, ct);
            response.ShouldStartWith("HTTP/1.1 200 OK");
            response.ShouldEndWith("\r\n\r\n" + target);
            answered++;
        }

        return answered;
    }

    private static async Task<string> ReadResponseAsync(Socket socket, byte[] buffer, CancellationToken ct)
    {
        var received = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(received), ct);
            if (read == 0)
            {
                throw new IOException("The server closed a keep-alive connection.");
            }

            received += read;
            var text = Encoding.ASCII.GetString(buffer, 0, received);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                continue;
            }

            var lengthLine = text[..end].Split("\r\n").First(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            var length = int.Parse(lengthLine["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
            if (received >= end + 4 + length)
            {
                return text[..(end + 4 + length)];
            }
        }
    }
}

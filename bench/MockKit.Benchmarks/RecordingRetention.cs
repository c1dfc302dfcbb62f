using System.Globalization;
using System.Net.Sockets;
using System.Text;
using MockKit.MockServer;

namespace MockKit.Benchmarks;

/// <summary>
/// <c>retention [N]</c>: the managed bytes one recorded, never-taken HTTP/1.1 GET costs the
/// server. Sends N (default 100,000) <c>GET / HTTP/1.1</c> requests carrying only a Host field
/// (what wrk sends) over 4 pipelining keep-alive sockets, then divides the growth of
/// <c>GC.GetTotalMemory(true)</c> by N. The baseline is taken after a warm-up whose requests
/// are taken back out, with the sockets already open, so only the recordings remain.
/// </summary>
internal static class RecordingRetention
{
    private const int Connections = 4;
    private const int Batch = 64;

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        var response = new MockResponse("Hello, world!");
        await using var server = new MockWebServer { Dispatcher = Dispatcher.From(_ => response) };
        server.Start();
        var request = Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\n\r\n");
        var sockets = new List<Socket>();
        for (var i = 0; i < Connections; i++)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync("127.0.0.1", server.Port);
            sockets.Add(socket);
        }

        var responseLength = await MeasureResponseLengthAsync(sockets[0], request);
        await Task.WhenAll(sockets.Select(s => SendAsync(s, request, responseLength, 2_000)));
        while (server.TakeRequest(TimeSpan.Zero) is not null)
        {
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        await Task.WhenAll(sockets.Select(s => SendAsync(s, request, responseLength, count / Connections)));
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var recorded = count / Connections * Connections;
        Console.WriteLine($"recorded {recorded} untaken HTTP/1.1 GETs: managed {before / 1024} KiB -> {after / 1024} KiB, {(after - before) / (double)recorded:0} B retained per request");
        GC.KeepAlive(server);
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }

        return 0;
    }

    private static async Task<int> MeasureResponseLengthAsync(Socket socket, byte[] request)
    {
        await socket.SendAsync(request);
        var buffer = new byte[4096];
        var received = 0;
        while (true)
        {
            received += await socket.ReceiveAsync(buffer.AsMemory(received));
            var text = Encoding.ASCII.GetString(buffer, 0, received);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0 && received >= end + 4 + 13)
            {
                return end + 4 + 13;
            }
        }
    }

    private static async Task SendAsync(Socket socket, byte[] request, int responseLength, int count)
    {
        var batch = new byte[request.Length * Batch];
        for (var i = 0; i < Batch; i++)
        {
            request.CopyTo(batch, i * request.Length);
        }

        var buffer = new byte[responseLength * Batch];
        for (var sent = 0; sent < count; sent += Batch)
        {
            var n = Math.Min(Batch, count - sent);
            await socket.SendAsync(batch.AsMemory(0, n * request.Length));
            var expected = n * responseLength;
            for (var read = 0; read < expected;)
            {
                var got = await socket.ReceiveAsync(buffer.AsMemory(0, Math.Min(buffer.Length, expected - read)));
                if (got == 0)
                {
                    throw new IOException("The server closed the connection.");
                }

                read += got;
            }
        }
    }
}

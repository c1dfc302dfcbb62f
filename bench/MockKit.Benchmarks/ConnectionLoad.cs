using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace MockKit.Benchmarks;

/// <summary>
/// <c>load [connections] [seconds] [take]</c>: one MockWebServer (HTTP/1.1) and, in the same
/// process, <c>connections</c> keep-alive sockets (default 1,000) each sending a GET and reading
/// its response back to back for <c>seconds</c> (default 30). With <c>take</c> a background loop
/// takes the recorded requests as they come, as a test would. Prints requests answered and
/// failed, requests per second, resident and managed memory at the end of the load, and the
/// descriptors and managed memory before the server started and after it shut down.
/// </summary>
internal static class ConnectionLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var connections = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
        var seconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 30;
        var take = args.Length > 3 && args[3] == "take";

        var fdBefore = Descriptors();
        var managedBefore = GC.GetTotalMemory(forceFullCollection: true);
        long answered = 0, failed = 0, taken = 0;
        var server = MockServerHost.Start();
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds)))
        {
            var request = Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\n\r\n");
            var taker = take ? Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        await server.TakeRequestAsync(stop.Token);
                        Interlocked.Increment(ref taken);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }) : Task.CompletedTask;

            var started = DateTime.UtcNow;
            var clients = Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
            {
                try
                {
                    using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    await socket.ConnectAsync("127.0.0.1", server.Port);
                    var buffer = new byte[4096];
                    while (!stop.IsCancellationRequested)
                    {
                        await socket.SendAsync(request);
                        if (!await ReadResponseAsync(socket, buffer))
                        {
                            Interlocked.Increment(ref failed);
                            return;
                        }

                        Interlocked.Increment(ref answered);
                    }
                }
                catch (Exception e) when (e is SocketException or IOException)
                {
                    Interlocked.Increment(ref failed);
                }
            })).ToArray();
            await Task.WhenAll(clients);
            var elapsed = (DateTime.UtcNow - started).TotalSeconds;
            await taker;
            Console.WriteLine($"connections {connections}, {elapsed:0.0} s: {answered} answered, {failed} failed, {answered / elapsed:0} req/s; recorded {server.RequestCount}, taken {taken}");
            Console.WriteLine($"at the end of the load: resident {Resident() / (1024 * 1024)} MiB, managed {GC.GetTotalMemory(forceFullCollection: true) / (1024 * 1024)} MiB, descriptors {Descriptors()}");
        }

        await server.ShutdownAsync();
        server = null;
        var managedAfter = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"after shutdown: descriptors {fdBefore} -> {Descriptors()}, managed {managedBefore / 1024} KiB -> {managedAfter / 1024} KiB, resident {Resident() / (1024 * 1024)} MiB");
        await Task.Delay(TimeSpan.FromSeconds(6));
        Console.WriteLine($"6 s after shutdown: descriptors {Descriptors()}, managed {GC.GetTotalMemory(forceFullCollection: true) / 1024} KiB");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>Reads one response (the fixed 13-byte body after the head).</summary>
    private static async Task<bool> ReadResponseAsync(Socket socket, byte[] buffer)
    {
        var received = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(received));
            if (read == 0)
            {
                return false;
            }

            received += read;
            var end = buffer.AsSpan(0, received).IndexOf("\r\n\r\n"u8);
            if (end >= 0 && received >= end + 4 + FixedResponse.Body.Length)
            {
                return true;
            }
        }
    }

    /// <summary>Open descriptors other than regular files (the runtime maps assemblies lazily; that is not a leak).</summary>
    private static int Descriptors() => Directory.GetFileSystemEntries("/proc/self/fd")
        .Count(fd => new FileInfo(fd).LinkTarget is not { } target || !target.StartsWith('/'));

    private static long Resident()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MockKit.Client.Tests.Fuzz;

/// <summary>
/// A loopback server that answers each request with whatever bytes the script produces, on
/// kept-alive connections, closing when the script says so. It reads request heads (and a
/// Content-Length body) only well enough to know where one request ends.
/// </summary>
internal sealed class ScriptedRawServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<int, int, (byte[] Response, bool Close)> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Lock _lock = new();
    private readonly Task _accepting;

    public ScriptedRawServer(Func<(byte[] Response, bool Close)> script)
        : this((_, _) => script())
    {
    }

    /// <summary>A script that also sees the connection's index (0 for the first accepted) and the request's index on it.</summary>
    public ScriptedRawServer(Func<int, int, (byte[] Response, bool Close)> script)
    {
        _script = script;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] connections;
        lock (_lock)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections.Append(_accepting)).WaitAsync(TimeSpan.FromSeconds(10));
        _listener.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        for (var index = 0; !_stop.IsCancellationRequested; index++)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_lock)
            {
                _connections.Add(ServeAsync(socket, index));
            }
        }
    }

    private async Task ServeAsync(Socket socket, int connectionIndex)
    {
        using var owned = socket;
        var received = new List<byte>();
        var buffer = new byte[8192];
        try
        {
            for (var requestIndex = 0; ; requestIndex++)
            {
                int headEnd;
                while ((headEnd = IndexOf(received, "\r\n\r\n"u8)) < 0)
                {
                    var read = await socket.ReceiveAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    received.AddRange(buffer.AsSpan(0, read).ToArray());
                }

                var head = Encoding.Latin1.GetString([.. received.GetRange(0, headEnd)]);
                var bodyLength = ContentLength(head);
                while (received.Count < headEnd + 4 + bodyLength)
                {
                    var read = await socket.ReceiveAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    received.AddRange(buffer.AsSpan(0, read).ToArray());
                }

                received.RemoveRange(0, headEnd + 4 + bodyLength);
                var (response, close) = _script(connectionIndex, requestIndex);
                await socket.SendAsync(response, _stop.Token);
                if (close)
                {
                    socket.Shutdown(SocketShutdown.Both);
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away, or the test ended.
        }
    }

    private static int ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture, out var length))
            {
                return length;
            }
        }

        return 0;
    }

    private static int IndexOf(List<byte> haystack, ReadOnlySpan<byte> needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Count; i++)
        {
            var match = true;
            for (var j = 0; j < needle.Length && match; j++)
            {
                match = haystack[i + j] == needle[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }
}

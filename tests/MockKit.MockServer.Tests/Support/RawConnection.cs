using System.Net.Sockets;
using System.Text;

namespace MockKit.MockServer.Tests.Support;

/// <summary>
/// A byte-level test client: writes exactly what a test gives it and reads exactly what the
/// server sends, so policies can be checked at the wire. Every read has a deadline, so a
/// server bug fails the test instead of hanging it.
/// </summary>
internal sealed class RawConnection : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly TcpClient _client;
    private readonly MemoryStream _received = new();
    private int _consumed;

    private RawConnection(TcpClient client, Stream stream)
    {
        _client = client;
        Stream = stream;
    }

    public Stream Stream { get; private set; }

    public Socket Socket => _client.Client;

    public static async Task<RawConnection> OpenAsync(MockWebServer server)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(server.HostName, server.Port);
        return new RawConnection(client, client.GetStream());
    }

    public void UseStream(Stream stream) => Stream = stream;

    public async Task SendAsync(string text) => await SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await Stream.WriteAsync(bytes);
        await Stream.FlushAsync();
    }

    /// <summary>Reads until the server closes the connection; returns everything unread.</summary>
    public async Task<string> ReadToEndAsync()
    {
        using var cts = new CancellationTokenSource(Deadline);
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await Stream.ReadAsync(buffer, cts.Token)) > 0)
            {
                _received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // A reset after the data counts as the end too.
        }

        return TakeRest();
    }

    /// <summary>Reads until <paramref name="marker"/> has arrived; returns everything up to and including it.</summary>
    public async Task<string> ReadUntilAsync(string marker)
    {
        using var cts = new CancellationTokenSource(Deadline);
        var buffer = new byte[8192];
        while (true)
        {
            var text = Encoding.Latin1.GetString(_received.GetBuffer(), _consumed, (int)_received.Length - _consumed);
            var index = text.IndexOf(marker, StringComparison.Ordinal);
            if (index >= 0)
            {
                _consumed += index + marker.Length;
                return text[..(index + marker.Length)];
            }

            var read = await Stream.ReadAsync(buffer, cts.Token);
            if (read == 0)
            {
                throw new EndOfStreamException($"Connection closed before '{marker}' arrived; got: {text}");
            }

            _received.Write(buffer, 0, read);
        }
    }

    /// <summary>Reads one response head and a Content-Length body; returns both as text.</summary>
    public async Task<string> ReadResponseAsync()
    {
        var head = await ReadUntilAsync("\r\n\r\n");
        var length = 0;
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return head + await ReadExactlyAsync(length);
    }

    public async Task<string> ReadExactlyAsync(int count)
    {
        using var cts = new CancellationTokenSource(Deadline);
        var buffer = new byte[8192];
        while (_received.Length - _consumed < count)
        {
            var read = await Stream.ReadAsync(buffer, cts.Token);
            if (read == 0)
            {
                throw new EndOfStreamException($"Connection closed after {_received.Length - _consumed} of {count} bytes.");
            }

            _received.Write(buffer, 0, read);
        }

        var text = Encoding.Latin1.GetString(_received.GetBuffer(), _consumed, count);
        _consumed += count;
        return text;
    }

    /// <summary>True when the server closed the connection (reads end of stream or a reset) before the deadline.</summary>
    public async Task<bool> IsClosedByPeerAsync()
    {
        using var cts = new CancellationTokenSource(Deadline);
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                var read = await Stream.ReadAsync(buffer, cts.Token);
                if (read == 0)
                {
                    return true;
                }

                _received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>True when nothing arrives and the connection stays open for <paramref name="quiet"/>.</summary>
    /// <remarks>Used only to show that a stalled server sends nothing; the test does not depend on its length.</remarks>
    public async Task<bool> StaysSilentAsync(TimeSpan quiet)
    {
        using var cts = new CancellationTokenSource(quiet);
        var buffer = new byte[16];
        try
        {
            var read = await Stream.ReadAsync(buffer, cts.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    private string TakeRest()
    {
        var text = Encoding.Latin1.GetString(_received.GetBuffer(), _consumed, (int)_received.Length - _consumed);
        _consumed = (int)_received.Length;
        return text;
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        _client.Dispose();
        await _received.DisposeAsync();
    }
}

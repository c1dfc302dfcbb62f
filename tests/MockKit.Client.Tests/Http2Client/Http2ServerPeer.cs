using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using MockKit.Buffers;
using MockKit.Http2;
using MockKit.Http2.Hpack;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>
/// A frame-level HTTP/2 server for client tests (cleartext prior knowledge): it speaks raw frames
/// with the product's frame reader/writer and its own HPACK instances, so a test can misbehave on
/// purpose (GOAWAY below an open stream, PUSH_PROMISE, never answering a PING) and check every
/// frame the client sends. Every wait has a hard deadline.
/// </summary>
internal sealed class Http2ServerPeer : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Connection> _connections = [];

    public Http2ServerPeer()
    {
        _listener.Start();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri Url(string path) => new($"http://127.0.0.1:{Port}{path}");

    /// <summary>Accepts the next connection, reads the preface, sends our SETTINGS (plus <paramref name="settings"/>) and ACKs the client's.</summary>
    public async Task<Connection> AcceptAsync(params Http2Setting[] settings)
    {
        using var cts = new CancellationTokenSource(Deadline);
        var socket = await _listener.AcceptSocketAsync(cts.Token);
        var connection = new Connection(socket);
        _connections.Add(connection);
        var preface = new byte[Http2Constants.ClientPreface.Length];
        await connection.Stream.ReadExactlyAsync(preface, cts.Token);
        preface.ShouldBe(Http2Constants.ClientPreface.ToArray());
        await connection.SendAsync(w => Http2FrameWriter.WriteSettings(w, settings));
        var clientSettings = await connection.ExpectAsync(Http2FrameType.Settings);
        await connection.SendAsync(Http2FrameWriter.WriteSettingsAck);
        connection.ClientSettings = clientSettings;
        return connection;
    }

    /// <summary>Accepts the next connection and reads the preface only: nothing is sent, so the test plays the server's first frames.</summary>
    public async Task<Connection> AcceptBeforeSettingsAsync()
    {
        using var cts = new CancellationTokenSource(Deadline);
        var socket = await _listener.AcceptSocketAsync(cts.Token);
        var connection = new Connection(socket);
        _connections.Add(connection);
        var preface = new byte[Http2Constants.ClientPreface.Length];
        await connection.Stream.ReadExactlyAsync(preface, cts.Token);
        preface.ShouldBe(Http2Constants.ClientPreface.ToArray());
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        _listener.Stop();
        _listener.Dispose();
    }

    /// <summary>One accepted connection.</summary>
    internal sealed class Connection : IAsyncDisposable
    {
        private readonly Socket _socket;
        private readonly PipeReader _input;
        private readonly HpackDecoder _decoder = new();
        private readonly HpackEncoder _encoder = new();

        public Connection(Socket socket)
        {
            _socket = socket;
            Stream = new NetworkStream(socket, ownsSocket: true);
            _input = PipeReader.Create(Stream, new StreamPipeReaderOptions(leaveOpen: true));
        }

        public NetworkStream Stream { get; }

        /// <summary>The client's end of the connection (for failure messages).</summary>
        public System.Net.EndPoint? RemoteEndPoint => _socket.RemoteEndPoint;

        public Frame? ClientSettings { get; set; }

        public async Task SendAsync(Action<IBufferWriter<byte>> write)
        {
            using var buffer = new PooledBufferWriter();
            write(buffer);
            using var cts = new CancellationTokenSource(Deadline);
            await Stream.WriteAsync(buffer.WrittenMemory, cts.Token);
        }

        public Task SendHeadersAsync(int streamId, bool endStream, params (string Name, string Value)[] fields)
        {
            using var block = new PooledBufferWriter();
            _encoder.Encode([.. fields.Select(f => new HpackHeaderField(f.Name, f.Value))], block);
            var bytes = block.WrittenSpan.ToArray();
            return SendAsync(w => Http2FrameWriter.WriteHeaderBlock(w, streamId, bytes, endStream, Http2Constants.DefaultMaxFrameSize));
        }

        public byte[] EncodeBlock(params (string Name, string Value)[] fields)
        {
            using var block = new PooledBufferWriter();
            _encoder.Encode([.. fields.Select(f => new HpackHeaderField(f.Name, f.Value))], block);
            return block.WrittenSpan.ToArray();
        }

        public List<HpackHeaderField> Decode(Frame frame) => _decoder.Decode(frame.Payload);

        /// <summary>Reads frames until one of <paramref name="type"/> (optionally on <paramref name="streamId"/>) arrives; others are collected in <see cref="Skipped"/>.</summary>
        public async Task<Frame> ExpectAsync(Http2FrameType type, int? streamId = null)
        {
            while (true)
            {
                var frame = await ReadFrameAsync() ?? throw new IOException($"Connection closed while expecting {type}.");
                if (frame.Header.Type == type && (streamId is null || frame.Header.StreamId == streamId))
                {
                    return frame;
                }

                Skipped.Add(frame);
            }
        }

        public List<Frame> Skipped { get; } = [];

        /// <summary>The next frame, or null when the client closed the connection.</summary>
        public async Task<Frame?> ReadFrameAsync()
        {
            using var cts = new CancellationTokenSource(Deadline);
            while (true)
            {
                var read = await _input.ReadAsync(cts.Token);
                var buffer = read.Buffer;
                if (Http2FrameReader.TryReadFrame(ref buffer, Http2Constants.MaxAllowedFrameSize, out var frame))
                {
                    var copy = new Frame(frame.Header, frame.Payload.ToArray());
                    _input.AdvanceTo(buffer.Start);
                    return copy;
                }

                _input.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                {
                    return null;
                }
            }
        }

        /// <summary>
        /// Closes our side with a FIN and reads until the client closes too. Closing a socket with
        /// unread bytes (the client's SETTINGS, WINDOW_UPDATE) would send a reset instead, which can
        /// destroy the last frames we sent before the client reads them.
        /// </summary>
        public async Task CloseAfterClientAsync()
        {
            _socket.Shutdown(SocketShutdown.Send);
            while (await ReadFrameAsync() is not null)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _input.CompleteAsync();
            await Stream.DisposeAsync();
            _socket.Dispose();
            _decoder.Dispose();
        }
    }

    /// <summary>A frame with a copied payload.</summary>
    internal sealed record Frame(Http2FrameHeader Header, byte[] Payload);
}

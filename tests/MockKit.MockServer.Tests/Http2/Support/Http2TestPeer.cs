using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using MockKit.Buffers;
using MockKit.Http2;
using MockKit.Http2.Hpack;
using MockKit.Tls;

namespace MockKit.MockServer.Tests.Http2.Support;

/// <summary>
/// A frame-level HTTP/2 client for tests: it speaks raw frames with the product's frame
/// reader/writer and HPACK codec (its own encoder/decoder instances), so a test can send what no
/// well-behaved client would and check each frame the server answers with. Every wait has a hard
/// deadline, so a server bug fails the test instead of hanging it.
/// </summary>
internal sealed class Http2TestPeer : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly TcpClient _client;
    private readonly Stream _stream;
    private readonly PipeReader _input;
    private readonly HpackDecoder _decoder = new();

    private Http2TestPeer(TcpClient client, Stream stream)
    {
        _client = client;
        _stream = stream;
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
    }

    /// <summary>The encoder for request field blocks (tests may switch Huffman/indexing off).</summary>
    public HpackEncoder Encoder { get; } = new();

    /// <summary>Connects (TLS with ALPN h2 when the server uses HTTPS).</summary>
    /// <param name="server">The server.</param>
    /// <param name="tls">Certificates for TLS, or null for cleartext.</param>
    /// <param name="receiveBufferSize">A small socket receive buffer for a peer that plays "does not read", so the server's writes block early.</param>
    public static async Task<Http2TestPeer> ConnectAsync(MockWebServer server, HandshakeCertificates? tls = null, int? receiveBufferSize = null)
    {
        var client = new TcpClient { NoDelay = true };
        if (receiveBufferSize is { } size)
        {
            client.ReceiveBufferSize = size;
        }

        await client.ConnectAsync(server.HostName, server.Port);
        Stream stream = client.GetStream();
        if (tls is not null)
        {
            var ssl = new SslStream(stream);
            var options = tls.ClientOptions("localhost");
            options.ApplicationProtocols = [SslApplicationProtocol.Http2];
            using var cts = new CancellationTokenSource(Deadline);
            await ssl.AuthenticateAsClientAsync(options, cts.Token);
            stream = ssl;
        }

        return new Http2TestPeer(client, stream);
    }

    /// <summary>Connects, sends the preface and SETTINGS, and acknowledges the server's SETTINGS.</summary>
    public static async Task<Http2TestPeer> HandshakeAsync(MockWebServer server, Http2Settings? settings = null, HandshakeCertificates? tls = null, int? receiveBufferSize = null)
    {
        var peer = await ConnectAsync(server, tls, receiveBufferSize);
        await peer.SendAsync(Http2Constants.ClientPreface.ToArray());
        await peer.SendSettingsAsync(settings ?? new Http2Settings());
        var serverSettings = await peer.ExpectFrameAsync(Http2FrameType.Settings, Http2FrameFlags.None, 0);
        peer.ServerSettings = serverSettings;
        await peer.SendFrameAsync(w => Http2FrameWriter.WriteSettingsAck(w));
        return peer;
    }

    /// <summary>The server's first SETTINGS frame, after <see cref="HandshakeAsync"/>.</summary>
    public ReceivedFrame? ServerSettings { get; private set; }

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public async Task SendFrameAsync(Action<IBufferWriter<byte>> write)
    {
        using var buffer = new PooledBufferWriter();
        write(buffer);
        await _stream.WriteAsync(buffer.WrittenMemory);
        await _stream.FlushAsync();
    }

    public Task SendSettingsAsync(Http2Settings settings) => SendFrameAsync(w => Http2FrameWriter.WriteSettings(w, settings));

    public Task SendRawFrameAsync(Http2FrameType type, Http2FrameFlags flags, int streamId, byte[] payload) =>
        SendFrameAsync(w => Http2FrameWriter.WriteFrame(w, type, flags, streamId, payload));

    /// <summary>Encodes <paramref name="fields"/> and sends them as one HEADERS frame (END_HEADERS).</summary>
    public Task SendHeadersAsync(int streamId, IEnumerable<(string Name, string Value)> fields, bool endStream) =>
        SendFrameAsync(w => Http2FrameWriter.WriteHeaders(w, streamId, Encode(fields), endStream, endHeaders: true));

    /// <summary>A GET (or other method) with the usual pseudo-header fields.</summary>
    public Task SendRequestAsync(int streamId, string path = "/", string method = "GET", bool endStream = true, params (string, string)[] extra) =>
        SendHeadersAsync(streamId, [(":method", method), (":scheme", "http"), (":authority", "localhost"), (":path", path), .. extra], endStream);

    public Task SendDataAsync(int streamId, byte[] data, bool endStream) =>
        SendFrameAsync(w => Http2FrameWriter.WriteData(w, streamId, data, endStream));

    public Task SendResetAsync(int streamId, Http2ErrorCode code) =>
        SendFrameAsync(w => Http2FrameWriter.WriteRstStream(w, streamId, code));

    /// <summary>
    /// PING and its ACK: everything the server queued before the ACK has been read, and any frame in
    /// between other than SETTINGS/WINDOW_UPDATE fails (a stray response, RST_STREAM or GOAWAY).
    /// </summary>
    public async Task PingRoundTripAsync(ulong opaque)
    {
        await SendFrameAsync(w => Http2FrameWriter.WritePing(w, opaque));
        var ack = await ExpectFrameAsync(Http2FrameType.Ping, Http2FrameFlags.Ack, 0);
        BinaryPrimitives.ReadUInt64BigEndian(ack.Payload).ShouldBe(opaque);
    }

    public byte[] Encode(IEnumerable<(string Name, string Value)> fields)
    {
        using var block = new PooledBufferWriter();
        Encoder.Encode(fields.Select(f => new HpackHeaderField(f.Name, f.Value)).ToArray(), block);
        return block.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads frames until one of <paramref name="type"/> arrives and checks its flags and stream.
    /// SETTINGS, WINDOW_UPDATE and PING frames that are not the one expected are skipped as noise; any other
    /// frame fails the expectation (so an unexpected RST_STREAM or GOAWAY is reported, not skipped).
    /// </summary>
    public async Task<ReceivedFrame> ExpectFrameAsync(Http2FrameType type, Http2FrameFlags? flags = null, int? streamId = null)
    {
        while (true)
        {
            var frame = await ReadFrameAsync() ?? throw new ShouldAssertException($"Expected {type} but the server closed the connection.");
            var wanted = frame.Type == type && (flags is null || frame.Flags == flags);
            if (!wanted && IsNoise(frame))
            {
                continue;
            }

            if (frame.Type != type)
            {
                throw new ShouldAssertException($"Expected {type} but received {frame}.");
            }

            if (flags is { } f && frame.Flags != f)
            {
                throw new ShouldAssertException($"Expected {type} with flags {f} but received {frame}.");
            }

            if (streamId is { } id && frame.StreamId != id)
            {
                throw new ShouldAssertException($"Expected {type} on stream {id} but received {frame}.");
            }

            return frame;
        }
    }

    // Frames a server may send at any time: SETTINGS (and their ACKs), WINDOW_UPDATE, PING.
    private static bool IsNoise(ReceivedFrame frame) =>
        frame.Type is Http2FrameType.Settings or Http2FrameType.WindowUpdate or Http2FrameType.Ping;

    /// <summary>Expects GOAWAY with <paramref name="code"/> (and <paramref name="lastStreamId"/> unless null).</summary>
    /// <param name="lastStreamId">The expected last stream id, or null not to check it.</param>
    /// <param name="code">The expected error code.</param>
    /// <param name="skipStreamFrames">Skip stream frames (e.g. RST_STREAMs of a flood) that precede the GOAWAY.</param>
    public async Task VerifyGoAwayAsync(int? lastStreamId, Http2ErrorCode code, bool skipStreamFrames = false)
    {
        ReceivedFrame frame;
        do
        {
            frame = skipStreamFrames
                ? await ReadFrameAsync() ?? throw new ShouldAssertException("Expected GOAWAY but the server closed the connection.")
                : await ExpectFrameAsync(Http2FrameType.GoAway, streamId: 0);
        }
        while (frame.Type != Http2FrameType.GoAway);

        var last = (int)(BinaryPrimitives.ReadUInt32BigEndian(frame.Payload) & 0x7FFF_FFFF);
        var actual = (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(frame.Payload.AsSpan(4));
        (lastStreamId is null ? null : (int?)last, actual).ShouldBe((lastStreamId, code), $"GOAWAY debug data: {Encoding.UTF8.GetString(frame.Payload.AsSpan(8))}");
    }

    public async Task VerifyResetAsync(int streamId, Http2ErrorCode code)
    {
        var frame = await ExpectFrameAsync(Http2FrameType.RstStream, streamId: streamId);
        ((Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(frame.Payload)).ShouldBe(code);
    }

    /// <summary>Reads a whole response on <paramref name="streamId"/>: HEADERS (skipping 1xx), DATA and trailers.</summary>
    public async Task<ReceivedResponse> ReadResponseAsync(int streamId)
    {
        var informational = new List<List<HpackHeaderField>>();
        while (true)
        {
            var headersFrame = await ExpectFrameAsync(Http2FrameType.Headers, streamId: streamId);
            var fields = DecodeHeaders(headersFrame);
            if (fields[0].Value.StartsWith('1'))
            {
                informational.Add(fields);
                continue;
            }

            var body = new MemoryStream();
            List<HpackHeaderField>? trailers = null;
            var ended = headersFrame.Flags.HasFlag(Http2FrameFlags.EndStream);
            while (!ended)
            {
                var frame = await ReadFrameAsync() ?? throw new ShouldAssertException("The server closed the connection mid-response.");
                if (frame.StreamId != streamId || frame.Type is Http2FrameType.WindowUpdate or Http2FrameType.Settings or Http2FrameType.Ping)
                {
                    continue;
                }

                if (frame.Type == Http2FrameType.Data)
                {
                    body.Write(frame.Payload);
                }
                else if (frame.Type == Http2FrameType.Headers)
                {
                    trailers = DecodeHeaders(frame);
                }
                else
                {
                    throw new ShouldAssertException($"Unexpected {frame} in a response.");
                }

                ended = frame.Flags.HasFlag(Http2FrameFlags.EndStream);
            }

            return new ReceivedResponse(fields, body.ToArray(), trailers ?? [], informational);
        }
    }

    public List<HpackHeaderField> DecodeHeaders(ReceivedFrame frame) => _decoder.Decode(frame.FieldBlock);

    /// <summary>True when the server closes the connection (EOF or reset) within the deadline, skipping frames.</summary>
    public async Task<bool> IsClosedByPeerAsync()
    {
        try
        {
            while (await ReadFrameAsync() is not null)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>The next frame, or null at end of stream.</summary>
    public async Task<ReceivedFrame?> ReadFrameAsync()
    {
        using var cts = new CancellationTokenSource(Deadline);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No frame from the server within {Deadline.TotalSeconds} s.");
            }

            var buffer = result.Buffer;
            if (Http2FrameReader.TryReadFrame(ref buffer, Http2Constants.MaxAllowedFrameSize, out var frame))
            {
                var received = new ReceivedFrame(frame.Header, frame.Payload.ToArray());
                _input.AdvanceTo(buffer.Start);
                return received;
            }

            if (result.IsCompleted)
            {
                _input.AdvanceTo(buffer.End);
                return null;
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _input.CompleteAsync();
        await _stream.DisposeAsync();
        _client.Dispose();
        _decoder.Dispose();
    }

    /// <summary>A frame copied out of the input buffer.</summary>
    public sealed record ReceivedFrame(Http2FrameHeader Header, byte[] Payload)
    {
        public Http2FrameType Type => Header.Type;

        public Http2FrameFlags Flags => Header.Flags;

        public int StreamId => Header.StreamId;

        /// <summary>The field block of an unpadded HEADERS frame without priority (what the server sends).</summary>
        public byte[] FieldBlock => Type == Http2FrameType.PushPromise ? Payload[4..] : Payload;

        public override string ToString() => Header.ToString();
    }

    /// <summary>A response read by <see cref="ReadResponseAsync"/>.</summary>
    public sealed record ReceivedResponse(List<HpackHeaderField> Headers, byte[] Body, List<HpackHeaderField> Trailers, List<List<HpackHeaderField>> Informational)
    {
        public string Status => Headers[0].Value;

        public string BodyText => Encoding.UTF8.GetString(Body);

        public string? this[string name] => Headers.LastOrDefault(h => h.Name == name).Value;
    }
}

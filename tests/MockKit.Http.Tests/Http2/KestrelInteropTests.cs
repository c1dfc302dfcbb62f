using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MockKit.Http2.Hpack;

namespace MockKit.Http2.Tests;

/// <summary>
/// Our frame reader/writer, HPACK codec, assembler and inbound windows against Kestrel, an
/// independent HTTP/2 implementation, over cleartext prior-knowledge HTTP/2 on a raw socket.
/// </summary>
public sealed class KestrelInteropTests
{
    private const int BodyBase = 100_000; // Larger than the 65535 default windows: WINDOW_UPDATEs are required.

    [Fact]
    public async Task Several_requests_on_odd_streams_round_trip_through_our_codec()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        CancellationToken ct = deadline.Token;

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        await using WebApplication app = builder.Build();
        app.MapGet("/hello/{n:int}", (int n, HttpContext context) =>
        {
            context.Response.Headers["x-mockkit-interop"] = $"reply-{n}";
            context.Response.Headers["x-echo"] = context.Request.Headers["x-custom"].ToString();
            context.Response.Headers["cache-control"] = "no-store";
            return Results.Text(Body(n), "text/plain");
        });
        await app.StartAsync(ct);
        try
        {
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            var uri = new Uri(address);

            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, uri.Port, ct);
            await using var peer = new RawH2Peer(tcp.GetStream());

            await peer.SendAsync(w =>
            {
                w.Write(Http2Constants.ClientPreface);
                Http2FrameWriter.WriteSettings(w, new Http2Settings { EnablePush = false, HeaderTableSize = 4096 });
            }, ct);

            for (int n = 0; n < 4; n++)
            {
                int streamId = (2 * n) + 1;
                HpackHeaderField[] request =
                [
                    new(":method", "GET"), new(":scheme", "http"), new(":authority", uri.Authority), new(":path", $"/hello/{n}"),
                    new("user-agent", "mockkit-h2-interop"), new("x-custom", $"value-{n}"), new("authorization", "Bearer secret"),
                ];
                int blockSize = peer.EncodeRequest(streamId, request);
                if (n > 0)
                {
                    blockSize.ShouldBeLessThan(peer.FirstBlockSize, "repeated fields come from the dynamic table");
                }

                Response response = await peer.ReadResponseAsync(streamId, ct);
                response.Headers.ShouldContain(new HpackHeaderField(":status", "200"));
                response.Headers.ShouldContain(new HpackHeaderField("x-mockkit-interop", $"reply-{n}"));
                response.Headers.ShouldContain(new HpackHeaderField("x-echo", $"value-{n}"));
                response.Headers.ShouldContain(new HpackHeaderField("cache-control", "no-store"));
                response.Headers.ShouldContain(h => h.Name == "content-type" && h.Value.StartsWith("text/plain", StringComparison.Ordinal));
                response.DataFrames.ShouldBeGreaterThan(1, "a 100 KB body needs several DATA frames");
                Encoding.ASCII.GetString(response.Body).ShouldBe(Body(n));
            }

            peer.ReceivedSettings.ShouldBeTrue();
            peer.ReceivedSettingsAck.ShouldBeTrue();
            peer.WindowUpdatesSent.ShouldBeGreaterThan(0);
            peer.Decoder.Table.Count.ShouldBeGreaterThan(0, "Kestrel indexes response headers, so our decoder's dynamic table was used");

            await peer.SendAsync(w => Http2FrameWriter.WriteGoAway(w, 0, Http2ErrorCode.NoError), ct);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    private static string Body(int n) => new('a', BodyBase + n);

    private sealed record Response(List<HpackHeaderField> Headers, byte[] Body, int DataFrames);

    /// <summary>A minimal client-side frame loop over our protocol core (what a test peer will look like).</summary>
    private sealed class RawH2Peer(NetworkStream stream) : IAsyncDisposable
    {
        private readonly ArrayBufferWriter<byte> _out = new();
        private readonly HpackEncoder _encoder = new();
        private readonly Http2HeaderBlockAssembler _assembler = new();
        private readonly Http2InboundWindow _connectionWindow = new(0, Http2Constants.DefaultInitialWindowSize);
        private readonly Http2PeerSettings _peerSettings = new();
        private byte[] _in = new byte[1024];
        private int _inStart;
        private int _inEnd;

        public HpackDecoder Decoder { get; } = new();

        public bool ReceivedSettings { get; private set; }

        public bool ReceivedSettingsAck { get; private set; }

        public int WindowUpdatesSent { get; private set; }

        public int FirstBlockSize { get; private set; }

        public async Task SendAsync(Action<IBufferWriter<byte>> write, CancellationToken ct)
        {
            write(_out);
            await FlushAsync(ct);
        }

        public int EncodeRequest(int streamId, HpackHeaderField[] fields)
        {
            var block = new ArrayBufferWriter<byte>();
            _encoder.Encode(fields, block);
            Http2FrameWriter.WriteHeaderBlock(_out, streamId, block.WrittenSpan, endStream: true, _peerSettings.MaxFrameSize);
            if (FirstBlockSize == 0)
            {
                FirstBlockSize = block.WrittenCount;
            }

            return block.WrittenCount;
        }

        public async Task<Response> ReadResponseAsync(int streamId, CancellationToken ct)
        {
            await FlushAsync(ct);
            var streamWindow = new Http2InboundWindow(streamId, Http2Constants.DefaultInitialWindowSize);
            var state = new Http2StreamStateMachine(streamId);
            state.OnSend(Http2FrameType.Headers, endStream: true);
            var headers = new List<HpackHeaderField>();
            var body = new MemoryStream();
            int dataFrames = 0;
            while (state.State != Http2StreamState.Closed)
            {
                var buffer = new ReadOnlySequence<byte>(_in, _inStart, _inEnd - _inStart);
                if (!Http2FrameReader.TryReadFrame(ref buffer, Http2Constants.DefaultMaxFrameSize, out Http2Frame frame))
                {
                    await FillAsync(ct);
                    continue;
                }

                _assembler.CheckSequence(frame.Header);
                switch (frame.Type)
                {
                    case Http2FrameType.Settings when frame.Header.HasFlag(Http2FrameFlags.Ack):
                        ReceivedSettingsAck = true;
                        break;
                    case Http2FrameType.Settings:
                        ReceivedSettings = true;
                        _peerSettings.Apply(frame.Payload);
                        _encoder.SetPeerHeaderTableSize(_peerSettings.HeaderTableSize);
                        Http2FrameWriter.WriteSettingsAck(_out);
                        break;
                    case Http2FrameType.Ping when !frame.Header.HasFlag(Http2FrameFlags.Ack):
                        Http2FrameWriter.WritePing(_out, Http2FrameReader.ReadPing(frame), ack: true);
                        break;
                    case Http2FrameType.Headers:
                        state.OnReceive(frame.Type, frame.Header.HasFlag(Http2FrameFlags.EndStream)).ShouldBeTrue();
                        if (_assembler.StartHeaders(frame, Http2FrameReader.ReadHeaders(frame)))
                        {
                            DecodeBlock(headers);
                        }

                        break;
                    case Http2FrameType.Continuation:
                        if (_assembler.AppendContinuation(frame))
                        {
                            DecodeBlock(headers);
                        }

                        break;
                    case Http2FrameType.Data:
                        frame.StreamId.ShouldBe(streamId);
                        _connectionWindow.OnDataReceived(frame.Header.Length);
                        streamWindow.OnDataReceived(frame.Header.Length);
                        ReadOnlySequence<byte> data = Http2FrameReader.ReadData(frame);
                        foreach (ReadOnlyMemory<byte> segment in data)
                        {
                            body.Write(segment.Span);
                        }

                        dataFrames++;
                        bool endStream = frame.Header.HasFlag(Http2FrameFlags.EndStream);
                        state.OnReceive(frame.Type, endStream).ShouldBeTrue();
                        // The "application" consumes everything at once, padding included.
                        SendWindowUpdate(0, _connectionWindow.OnDataConsumed(frame.Header.Length));
                        if (!endStream)
                        {
                            SendWindowUpdate(streamId, streamWindow.OnDataConsumed(frame.Header.Length));
                        }

                        break;
                    case Http2FrameType.GoAway:
                        throw new InvalidOperationException($"Kestrel sent GOAWAY {Http2FrameReader.ReadGoAway(frame).ErrorCode}.");
                    case Http2FrameType.RstStream:
                        throw new InvalidOperationException($"Kestrel reset stream {frame.StreamId}: {Http2FrameReader.ReadRstStream(frame)}.");
                    default:
                        break; // WINDOW_UPDATE (we send nothing big), PRIORITY, unknown types.
                }

                _inStart = _inEnd - (int)buffer.Length;
                await FlushAsync(ct);
            }

            return new Response(headers, body.ToArray(), dataFrames);
        }

        public async ValueTask DisposeAsync()
        {
            _assembler.Dispose();
            Decoder.Dispose();
            await stream.DisposeAsync();
        }

        private void DecodeBlock(List<HpackHeaderField> headers)
        {
            Decoder.Decode(_assembler.Block, new ListHandler(headers));
            _assembler.Reset();
        }

        private void SendWindowUpdate(int streamId, int increment)
        {
            if (increment > 0)
            {
                Http2FrameWriter.WriteWindowUpdate(_out, streamId, increment);
                WindowUpdatesSent++;
            }
        }

        private async Task FlushAsync(CancellationToken ct)
        {
            if (_out.WrittenCount > 0)
            {
                await stream.WriteAsync(_out.WrittenMemory, ct);
                _out.Clear();
            }
        }

        private async Task FillAsync(CancellationToken ct)
        {
            if (_inStart > 0)
            {
                Buffer.BlockCopy(_in, _inStart, _in, 0, _inEnd - _inStart);
                _inEnd -= _inStart;
                _inStart = 0;
            }

            if (_inEnd == _in.Length)
            {
                Array.Resize(ref _in, _in.Length * 2);
            }

            int read = await stream.ReadAsync(_in.AsMemory(_inEnd), ct);
            if (read == 0)
            {
                throw new EndOfStreamException("Kestrel closed the connection.");
            }

            _inEnd += read;
        }
    }

    private sealed class ListHandler(List<HpackHeaderField> fields) : IHpackHeaderHandler
    {
        public void OnHeader(in HpackHeaderField field) => fields.Add(field);
    }
}

using System.Buffers;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;

namespace MockKit.Http2.Connection.Tests;

/// <summary>
/// The one send path both roles use (<see cref="Http2ConnectionCore"/>'s Send part and
/// <see cref="Http2DataWriteStream"/>): DATA split by SETTINGS_MAX_FRAME_SIZE within both windows
/// (RFC 9113 sections 4.2, 5.2), the state check on the writer loop (section 5.1), and what happens
/// to DATA queued on a stream that is reset before the writer reaches it.
/// </summary>
public sealed class Http2ConnectionCoreSendTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Data_is_split_by_the_peer_max_frame_size_and_waits_for_connection_credit()
    {
        await using var peer = new Harness(forget: false);
        var stream = peer.Open(streamWindow: 100_000);
        var data = new byte[70_000];
        var write = peer.Core.WriteDataAsync(stream, data, endStream: true, CancellationToken.None).AsTask();

        // The connection window (65,535) runs out before the last 4,465 bytes.
        await Harness.WaitUntilAsync(() => peer.Core.SendWindow.WaiterCount == 1);
        write.IsCompleted.ShouldBeFalse();
        peer.Core.SendWindow.OnWindowUpdate(10_000);
        await write.WaitAsync(Deadline);

        var frames = await peer.RunWriterAsync();
        frames.Select(f => (f.Header.Type, f.Header.Length, f.Header.Flags)).ShouldBe(
        [
            (Http2FrameType.Data, 16_384, Http2FrameFlags.None),
            (Http2FrameType.Data, 16_384, Http2FrameFlags.None),
            (Http2FrameType.Data, 16_384, Http2FrameFlags.None),
            (Http2FrameType.Data, 16_383, Http2FrameFlags.None),
            (Http2FrameType.Data, 4_465, Http2FrameFlags.EndStream),
        ]);
        stream.EndStreamQueued.ShouldBeTrue();
        stream.State.State.ShouldBe(Http2StreamState.HalfClosedLocal);
        peer.Credited.ShouldBe(5 * 2); // The role's flood credit, per non-empty DATA frame written.
    }

    [Fact]
    public async Task Data_queued_before_a_reset_is_dropped_and_the_connection_gets_its_credit_back()
    {
        await using var peer = new Harness(forget: true);
        var stream = peer.Open(streamWindow: 65_535);
        await peer.Core.WriteDataAsync(stream, new byte[30_000], endStream: false, CancellationToken.None).AsTask().WaitAsync(Deadline);
        peer.Core.SendWindow.Available.ShouldBe(65_535 - 30_000); // Taken; the frames wait for the writer.

        peer.Core.QueueReset(stream, Http2ErrorCode.Cancel).ShouldBeTrue();
        peer.Core.QueueReset(stream, Http2ErrorCode.Cancel).ShouldBeFalse(); // Closed already: nothing more to send.
        peer.Streams.ContainsKey(stream.Id).ShouldBeFalse();

        var frames = await peer.RunWriterAsync();
        frames.ShouldHaveSingleItem().Header.Type.ShouldBe(Http2FrameType.RstStream);
        peer.Core.SendWindow.Available.ShouldBe(65_535); // Section 6.9.1: the peer never saw those bytes.
        peer.Credited.ShouldBe(0);
    }

    [Fact]
    public async Task A_send_that_closes_the_stream_forgets_it_only_when_the_role_asks()
    {
        foreach (var forget in new[] { true, false })
        {
            await using var peer = new Harness(forget);
            var stream = peer.Open(streamWindow: 65_535);
            stream.State.OnReceive(Http2FrameType.Data, endStream: true); // The peer ended its side: half-closed (remote).
            peer.Core.QueueHeaders(stream, [new(":status", "200")], endStream: true);
            peer.Core.QueueData(stream, ReadOnlyMemory<byte>.Empty, endStream: true); // Not legal after END_STREAM: dropped.

            var frames = await peer.RunWriterAsync();
            var headers = frames.ShouldHaveSingleItem();
            (headers.Header.Type, headers.Header.Flags).ShouldBe((Http2FrameType.Headers, Http2FrameFlags.EndStream | Http2FrameFlags.EndHeaders));
            stream.State.State.ShouldBe(Http2StreamState.Closed);
            peer.Streams.ContainsKey(stream.Id).ShouldBe(!forget);
        }
    }

    [Fact]
    public async Task The_write_stream_copies_only_when_asked_and_never_ends_the_stream()
    {
        await using var peer = new Harness(forget: false);
        var stream = peer.Open(streamWindow: 65_535);
        var buffer = "abc"u8.ToArray();
        await using (var copying = new Http2DataWriteStream(peer.Core, stream) { CopiesWrites = true, FlushWaitsForWriter = false })
        {
            await copying.WriteAsync(buffer);
            await copying.FlushAsync(); // Returns at once: the writer loop is not even running.
            copying.BytesWritten.ShouldBe(3);
        }

        buffer[0] = (byte)'x'; // Reused by its owner once the write returned.
        await using var plain = new Http2DataWriteStream(peer.Core, stream);
        await plain.WriteAsync(buffer);
        buffer[1] = (byte)'y'; // Not copied: the queued frame still refers to the caller's bytes.
        await plain.WriteAsync(ReadOnlyMemory<byte>.Empty); // Nothing at all, and certainly no END_STREAM.

        var frames = await peer.RunWriterAsync();
        frames.Select(f => (System.Text.Encoding.ASCII.GetString(f.Payload), f.Header.Flags)).ShouldBe([("abc", Http2FrameFlags.None), ("xyc", Http2FrameFlags.None)]);
        Should.Throw<NotSupportedException>(() => plain.Write(buffer, 0, 1));
    }

    /// <summary>A connection core whose writer loop starts only when asked, so frames can wait in its queue.</summary>
    private sealed class Harness : IHttp2ConnectionListener, IAsyncDisposable
    {
        private readonly MemoryStream _output = new();
        private readonly Http2FrameQueue _frames;
        private readonly Lock _lock = new();
        private readonly Http2FloodGuard _guard;
        private Task? _writer;

        public Harness(bool forget)
        {
            _frames = new Http2FrameQueue(_output, 100, _ => { });
            Streams = new Http2StreamTable<CoreTestStream>(Http2Role.Server);
            Core = new Http2ConnectionCore(Http2Role.Server, this, Streams, _lock, _frames, new HpackDecoder(), Http2Constants.DefaultInitialWindowSize)
            {
                ForgetsClosedStreams = forget,
            };

            // A guard that is full: each unit of credit then lets exactly one more frame be counted.
            _guard = new Http2FloodGuard("test", 1000, window: null, TimeProvider.System);
            for (var i = 0; i < _guard.Limit; i++)
            {
                _guard.Count();
            }

            Core.CreditOnDataSent(_guard, 2);
        }

        public Http2ConnectionCore Core { get; }

        public Http2StreamTable<CoreTestStream> Streams { get; }

        /// <summary>The flood credit the core gave for DATA sent (probed: the frames the full guard now lets through).</summary>
        public int Credited
        {
            get
            {
                var counted = 0;
                try
                {
                    while (counted <= _guard.Limit)
                    {
                        _guard.Count();
                        counted++;
                    }
                }
                catch (Http2ConnectionException)
                {
                }

                return counted;
            }
        }

        public bool StopReading => false;

        /// <summary>Opens a stream of the peer's (HEADERS received) and puts it in the table.</summary>
        public CoreTestStream Open(int streamWindow)
        {
            var stream = new CoreTestStream(1, openedByPeer: true, streamWindow);
            Streams.OnPeerStreamOpened(1);
            Streams.Add(stream);
            return stream;
        }

        /// <summary>Starts the writer loop, and returns every frame written once it flushed.</summary>
        public async Task<List<(Http2FrameHeader Header, byte[] Payload)>> RunWriterAsync()
        {
            _writer ??= _frames.RunAsync(static _ => false);
            await Core.FlushAsync(CancellationToken.None).WaitAsync(Deadline);
            return WrittenFrames.Parse(_output.ToArray());
        }

        public static async Task WaitUntilAsync(Func<bool> condition)
        {
            var deadline = DateTime.UtcNow + Deadline;
            while (!condition())
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline);
                await Task.Delay(10);
            }
        }

        public void OnReading()
        {
        }

        public void OnFrameReceived(in Http2Frame frame)
        {
        }

        public void OnData(Http2Stream stream, in ReadOnlySequence<byte> data, bool endStream)
        {
        }

        public void OnFieldBlock(in Http2FrameHeader first, Http2Stream? stream, int promisedStreamId, List<HpackHeaderField> fields, HpackHeaderListTooLargeException? tooLarge)
        {
        }

        public Exception OnReset(Http2Stream stream, Http2ErrorCode code, bool closedByIt) => new IOException($"Reset with {code}.");

        public void OnPeerSettings()
        {
        }

        public void OnGoAway(Http2GoAwayPayload goAway)
        {
        }

        public void OnStreamError(Http2StreamException exception, Http2Stream? stream, bool inTable)
        {
        }

        public async ValueTask DisposeAsync()
        {
            _frames.Complete();
            await (_writer ?? _frames.RunAsync(static _ => false)).WaitAsync(Deadline);
            Core.Dispose();
            _frames.Dispose();
        }
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;

namespace MockKit.Http2.Connection.Tests;

/// <summary>
/// The HTTP/2 connection core both roles run, driven through its real reader loop with frames in
/// and its real single writer out: SETTINGS and the queue of unacknowledged SETTINGS (RFC 9113
/// section 6.5.3), PING (6.7), WINDOW_UPDATE and idle streams (5.1, 6.9), and the role rules
/// (parity 5.1.1, PUSH_PROMISE 6.6 and 8.4).
/// </summary>
public sealed partial class Http2ConnectionCoreTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Our_settings_apply_when_acknowledged_in_the_order_sent_and_a_stray_ack_changes_nothing()
    {
        await using var peer = new Harness(Http2Role.Server);
        peer.Core.QueueSettings(new Http2Settings { InitialWindowSize = 1000 });
        peer.Core.QueueSettings(new Http2Settings { InitialWindowSize = 70_000 }, enableConnectProtocol: true);
        peer.Core.LocalSettingsAcknowledged.ShouldBeFalse();

        await peer.ReadAsync(Http2FrameWriter.WriteSettingsAck);
        peer.Core.LocalSettings.InitialWindowSize.ShouldBe(1000);
        peer.Core.LocalSettingsAcknowledged.ShouldBeTrue();
        await peer.ReadAsync(Http2FrameWriter.WriteSettingsAck);
        peer.Core.LocalSettings.InitialWindowSize.ShouldBe(70_000);
        await peer.ReadAsync(Http2FrameWriter.WriteSettingsAck); // Stray: nothing left to acknowledge.

        peer.Events.ShouldBeEmpty();
        var written = await peer.WrittenAsync();
        written.Select(f => (f.Header.Type, f.Header.Flags)).ShouldBe([(Http2FrameType.Settings, Http2FrameFlags.None), (Http2FrameType.Settings, Http2FrameFlags.None)]);
        written[1].Payload.Length.ShouldBe(12); // SETTINGS_INITIAL_WINDOW_SIZE and SETTINGS_ENABLE_CONNECT_PROTOCOL.
    }

    [Fact]
    public async Task Stream_receive_windows_take_a_raise_when_it_is_sent_and_a_cut_when_it_is_acknowledged()
    {
        // Section 6.9.2: the peer moves its send windows as it reads our SETTINGS_INITIAL_WINDOW_SIZE,
        // before we read its ACK. A raise may be used at once, a cut is in force only once acknowledged:
        // never stricter than the peer, the same rule for both roles.
        foreach (var role in (Http2Role[])[Http2Role.Client, Http2Role.Server])
        {
            await using var peer = new Harness(role);
            var open = peer.Open();
            peer.Core.QueueSettings(new Http2Settings { InitialWindowSize = 100_000 });
            peer.Streams.LocalInitialWindowSize.ShouldBe(100_000);
            open.ReceiveWindow!.Available.ShouldBe(100_000);

            peer.Core.QueueSettings(new Http2Settings { InitialWindowSize = 1000 });
            peer.Streams.LocalInitialWindowSize.ShouldBe(100_000); // The cut is not acknowledged yet.
            await peer.ReadAsync(Http2FrameWriter.WriteSettingsAck); // The raise.
            open.ReceiveWindow.Available.ShouldBe(100_000);
            await peer.ReadAsync(Http2FrameWriter.WriteSettingsAck); // The cut.
            peer.Streams.LocalInitialWindowSize.ShouldBe(1000);
            open.ReceiveWindow.Available.ShouldBe(1000);

            // SETTINGS without the window leave it alone, sent or acknowledged.
            peer.Core.QueueSettings(new Http2Settings { MaxConcurrentStreams = 5 });
            await peer.ReadAsync(Http2FrameWriter.WriteSettingsAck);
            open.ReceiveWindow.Available.ShouldBe(1000);
        }
    }

    [Fact]
    public async Task Peer_settings_move_open_send_windows_before_their_ack_is_queued_and_end_the_wait_for_them()
    {
        await using var peer = new Harness(Http2Role.Client);
        var open = peer.Open();
        peer.Core.PeerSettingsReceived.IsCompleted.ShouldBeFalse();

        await peer.ReadAsync(w => Http2FrameWriter.WriteSettings(w, new Http2Settings { InitialWindowSize = 1000, MaxFrameSize = 20_000 }));

        peer.Events.ShouldBe(["peer settings, new streams start at 1000"]);
        peer.Core.PeerMaxFrameSize.ShouldBe(20_000);
        open.SendWindow.Available.ShouldBe(1000); // Section 6.9.2: the open stream's window moved by the change.
        await peer.Core.PeerSettingsReceived.WaitAsync(Deadline);
        var ack = (await peer.WrittenAsync()).ShouldHaveSingleItem();
        (ack.Header.Type, ack.Header.Flags).ShouldBe((Http2FrameType.Settings, Http2FrameFlags.Ack));
    }

    [Fact]
    public async Task A_ping_is_answered_with_its_payload_and_our_ping_completes_on_its_own_ack_only()
    {
        await using var peer = new Harness(Http2Role.Client);
        await peer.ReadAsync(w => Http2FrameWriter.WritePing(w, 42));
        var answer = (await peer.WrittenAsync()).ShouldHaveSingleItem();
        answer.Header.Flags.ShouldBe(Http2FrameFlags.Ack);
        BinaryPrimitives.ReadUInt64BigEndian(answer.Payload).ShouldBe(42ul);

        var ping = peer.Core.PingAsync();
        peer.Core.PingAsync().ShouldBeSameAs(ping); // One in flight at a time.
        var sent = (await peer.WrittenAsync()).Skip(1).ShouldHaveSingleItem();
        var payload = BinaryPrimitives.ReadUInt64BigEndian(sent.Payload);
        await peer.ReadAsync(w => Http2FrameWriter.WritePing(w, payload + 1, ack: true));
        ping.IsCompleted.ShouldBeFalse();
        await peer.ReadAsync(w => Http2FrameWriter.WritePing(w, payload, ack: true));
        (await ping.WaitAsync(Deadline)).ShouldBeTrue();

        var unanswered = peer.Core.PingAsync();
        peer.Core.Close(new IOException("closed"));
        (await unanswered.WaitAsync(Deadline)).ShouldBeFalse();
        (await peer.Core.PingAsync().WaitAsync(Deadline)).ShouldBeFalse();
        await Should.ThrowAsync<IOException>(() => peer.Core.PeerSettingsReceived.WaitAsync(Deadline));
    }

    [Fact]
    public async Task Window_updates_credit_the_connection_or_the_stream_and_are_a_connection_error_on_an_idle_stream()
    {
        await using var peer = new Harness(Http2Role.Client);
        var open = peer.Open();                 // Stream 1, in the table.
        peer.Streams.NextLocalStreamId();       // Stream 3, opened and already closed (not in the table).

        await peer.ReadAsync(w =>
        {
            Http2FrameWriter.WriteWindowUpdate(w, 0, 100);
            Http2FrameWriter.WriteWindowUpdate(w, 1, 7);
            Http2FrameWriter.WriteWindowUpdate(w, 3, 9); // Closed: ignored (section 6.9).
        });
        peer.Core.SendWindow.Available.ShouldBe(65_535 + 100);
        open.SendWindow.Available.ShouldBe(65_535 + 7);

        foreach (var idle in new[] { 5, 2 }) // Ours not yet used; and the server's, which never promised one.
        {
            var error = await Should.ThrowAsync<Http2ConnectionException>(() => peer.ReadAsync(w => Http2FrameWriter.WriteWindowUpdate(w, idle, 1)));
            error.ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);
            error.Message.ShouldContain($"idle stream {idle}");
        }
    }

    [Fact]
    public async Task A_server_never_accepts_push_promise_nor_headers_on_an_even_stream()
    {
        await using var peer = new Harness(Http2Role.Server);
        var push = await Should.ThrowAsync<Http2ConnectionException>(() => peer.ReadAsync(w => Http2FrameWriter.WritePushPromise(w, 1, 2, [], endHeaders: true)));
        push.ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);

        await using var other = new Harness(Http2Role.Server);
        var even = await Should.ThrowAsync<Http2ConnectionException>(() => other.ReadAsync(w => Http2FrameWriter.WriteHeaders(w, 2, [], endStream: true, endHeaders: true)));
        even.ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);
        other.Events.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_client_that_refused_push_sees_a_promise_before_the_ack_and_a_connection_error_after_it()
    {
        await using var peer = new Harness(Http2Role.Client);
        peer.Core.QueueSettings(new Http2Settings { EnablePush = false });
        peer.Open();

        await peer.ReadAsync(w => Http2FrameWriter.WritePushPromise(w, 1, 2, [], endHeaders: true));
        peer.Events.ShouldBe(["field block PushPromise on 1, promised 2, 0 fields"]);

        await peer.ReadAsync(Http2FrameWriter.WriteSettingsAck);
        var error = await Should.ThrowAsync<Http2ConnectionException>(() => peer.ReadAsync(w => Http2FrameWriter.WritePushPromise(w, 1, 4, [], endHeaders: true)));
        error.ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task A_field_block_is_decoded_across_continuations_and_one_over_the_limit_still_keeps_the_hpack_context()
    {
        await using var peer = new Harness(Http2Role.Server, maxHeaderListSize: 100);
        var encoder = new HpackEncoder();
        var big = Encode(encoder, (":method", "GET"), ("x-big", new string('b', 200)));
        var small = Encode(encoder, (":method", "GET"), ("x-big", new string('b', 200))); // Indexed now: a few bytes.

        await peer.ReadAsync(w =>
        {
            Http2FrameWriter.WriteHeaders(w, 1, big.AsSpan(0, 10), endStream: true, endHeaders: false);
            Http2FrameWriter.WriteContinuation(w, 1, big.AsSpan(10), endHeaders: true);
        });
        await peer.ReadAsync(w => Http2FrameWriter.WriteHeaders(w, 3, small, endStream: true, endHeaders: true));

        small.Length.ShouldBeLessThan(10);
        peer.Events.ShouldBe(["field block Headers on 1, promised 0, too large", "field block Headers on 3, promised 0, too large"]);
    }

    private static byte[] Encode(HpackEncoder encoder, params (string Name, string Value)[] fields)
    {
        var output = new ArrayBufferWriter<byte>();
        encoder.Encode([.. fields.Select(f => new HpackHeaderField(f.Name, f.Value))], output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>A connection core with a recording role, its writer running into memory.</summary>
    private sealed class Harness : IHttp2ConnectionListener, IAsyncDisposable
    {
        private readonly MemoryStream _output = new();
        private readonly Http2FrameQueue _frames;
        private readonly Task _writer;
        private readonly Lock _lock = new();

        public Harness(Http2Role role, long maxHeaderListSize = long.MaxValue)
        {
            _frames = new Http2FrameQueue(_output, 100, _ => { });
            Streams = new Http2StreamTable<CoreTestStream>(role);
            Core = new Http2ConnectionCore(role, this, Streams, _lock, _frames, new HpackDecoder(maxHeaderListSize: maxHeaderListSize), Http2Constants.DefaultInitialWindowSize)
            {
                ForgetsClosedStreams = role == Http2Role.Client, // As each role sets it (Http2Connection, Http2ServerSession).
            };
            _writer = _frames.RunAsync(static _ => false);
        }

        public Http2ConnectionCore Core { get; }

        public Http2StreamTable<CoreTestStream> Streams { get; }

        public List<string> Events { get; } = [];

        public List<Http2StreamException> StreamErrors { get; } = [];

        public bool StopReading => false;

        /// <summary>Opens the next stream of ours and puts it in the table.</summary>
        public CoreTestStream Open()
        {
            var stream = new CoreTestStream(Streams.NextLocalStreamId(), openedByPeer: false);
            Streams.Add(stream);
            return stream;
        }

        /// <summary>Runs the reader loop over the frames <paramref name="write"/> produces, to their end.</summary>
        public async Task ReadAsync(Action<IBufferWriter<byte>> write)
        {
            var input = new ArrayBufferWriter<byte>();
            write(input);
            var (stop, _) = await Core.ReadFramesAsync(PipeReader.Create(new ReadOnlySequence<byte>(input.WrittenMemory)), Http2Constants.DefaultMaxFrameSize, CancellationToken.None);
            stop.ShouldBe(Http2ReadLoopStop.InputEnded);
        }

        /// <summary>Every frame the writer wrote so far.</summary>
        public async Task<List<(Http2FrameHeader Header, byte[] Payload)>> WrittenAsync()
        {
            await _frames.FlushAsync(CancellationToken.None).WaitAsync(Deadline);
            return WrittenFrames.Parse(_output.ToArray());
        }

        public void OnReading()
        {
        }

        public void OnFrameReceived(in Http2Frame frame)
        {
        }

        public void OnData(Http2Stream stream, in ReadOnlySequence<byte> data, bool endStream) =>
            Events.Add($"data on {((IHttp2Stream)stream).Id}: {data.Length} bytes{(endStream ? ", end" : "")}");

        public void OnFieldBlock(in Http2FrameHeader first, Http2Stream? stream, int promisedStreamId, List<HpackHeaderField> fields, HpackHeaderListTooLargeException? tooLarge) =>
            Events.Add($"field block {first.Type} on {first.StreamId}{(stream is null ? "" : " (open)")}, promised {promisedStreamId}, {(tooLarge is null ? $"{fields.Count} fields" : "too large")}");

        public Exception OnReset(Http2Stream stream, Http2ErrorCode code, bool closedByIt)
        {
            Events.Add($"reset {((IHttp2Stream)stream).Id} {code}{(closedByIt ? "" : " (already closed)")}");
            return new IOException($"reset {code}");
        }

        public void OnPeerSettings() => Events.Add($"peer settings, new streams start at {Streams.PeerInitialWindowSize}");

        public void OnGoAway(Http2GoAwayPayload goAway) => Events.Add($"goaway {goAway.ErrorCode}");

        public void OnStreamError(Http2StreamException error, Http2Stream? stream, bool inTable)
        {
            StreamErrors.Add(error);
            Events.Add($"stream error {error.StreamId} {error.ErrorCode}{(stream is null ? "" : inTable ? " (open)" : " (closed by it)")}");
        }

        public async ValueTask DisposeAsync()
        {
            _frames.Complete();
            await _writer.WaitAsync(Deadline);
            Core.Dispose();
            _frames.Dispose();
        }
    }
}

using System.Buffers.Binary;

namespace MockKit.Http2.Connection.Tests;

// GOAWAY (RFC 9113 section 6.8) and the resets sent in answer to the peer (section 5.4.2), as the
// core keeps them for both roles.
public sealed partial class Http2ConnectionCoreTests
{
    [Fact]
    public async Task Our_goaway_names_the_last_peer_stream_is_graceful_once_and_a_connection_errors_goaway_is_the_last_frame()
    {
        await using var peer = new Harness(Http2Role.Server);
        peer.Streams.OnPeerStreamOpened(5);
        peer.Core.GoingAway.ShouldBeFalse();

        peer.Core.QueueGoAway(Http2ErrorCode.NoError).ShouldBe(5);
        peer.Core.GoAwaySent.ShouldBeTrue();
        peer.Core.GoingAway.ShouldBeTrue();
        peer.Core.QueueGoAway(Http2ErrorCode.NoError).ShouldBe(-1); // At most one graceful GOAWAY.
        peer.Core.QueueGoAway(Http2ErrorCode.ProtocolError, "bad"u8.ToArray()).ShouldBe(5);
        peer.Core.QueueWindowUpdate(0, 100, provoked: false); // Behind the error's GOAWAY: never written.

        var written = await peer.WrittenAsync();
        written.Select(f => f.Header.Type).ShouldBe([Http2FrameType.GoAway, Http2FrameType.GoAway]);
        GoAwayOf(written[0].Payload).ShouldBe((5, Http2ErrorCode.NoError, ""));
        GoAwayOf(written[1].Payload).ShouldBe((5, Http2ErrorCode.ProtocolError, "bad"));
    }

    [Fact]
    public async Task A_clients_goaway_names_stream_0_since_it_processes_no_pushed_stream()
    {
        await using var peer = new Harness(Http2Role.Client);
        peer.Open();
        peer.Core.QueueGoAway(Http2ErrorCode.Cancel).ShouldBe(0);
        GoAwayOf((await peer.WrittenAsync()).ShouldHaveSingleItem().Payload).ShouldBe((0, Http2ErrorCode.Cancel, ""));
    }

    [Fact]
    public async Task Goaway_and_close_writes_the_goaway_then_half_closes_drains_and_closes_on_the_writer_loop()
    {
        await using var peer = new Harness(Http2Role.Server);
        peer.Streams.OnPeerStreamOpened(3);
        List<string> steps = [];
        var reads = 0;
        var closed = peer.Core.QueueGoAwayAndClose(
            Http2ErrorCode.FlowControlError,
            default,
            () => steps.Add("half-close"),
            _ => ValueTask.FromResult(++reads < 3), // The peer sends twice more, then closes.
            out var last,
            () =>
            {
                steps.Add("close");
                return Task.CompletedTask;
            });

        last.ShouldBe(3);
        await closed.ShouldNotBeNull().WaitAsync(Deadline);
        steps.ShouldBe(["half-close", "close"]);
        reads.ShouldBe(3);
        GoAwayOf((await peer.WrittenAsync()).ShouldHaveSingleItem().Payload).ShouldBe((3, Http2ErrorCode.FlowControlError, ""));
        peer.Core.QueueGoAwayAndClose(Http2ErrorCode.NoError, default, () => { }, _ => ValueTask.FromResult(false), out _).ShouldBeNull(); // The writer has ended.
    }

    [Fact]
    public async Task The_peers_goaway_is_recorded_before_the_role_hears_of_it_and_its_last_stream_id_only_goes_down()
    {
        await using var peer = new Harness(Http2Role.Client);
        peer.Core.PeerGoingAway.ShouldBeFalse();
        peer.Core.PeerGoAwayCode.ShouldBeNull();

        await peer.ReadAsync(w =>
        {
            Http2FrameWriter.WriteGoAway(w, 7, Http2ErrorCode.NoError);
            Http2FrameWriter.WriteGoAway(w, 9, Http2ErrorCode.EnhanceYourCalm); // Section 6.8: it may not raise the last stream id.
        });

        peer.Events.ShouldBe(["goaway NoError", "goaway EnhanceYourCalm"]);
        peer.Core.PeerGoingAway.ShouldBeTrue();
        peer.Core.GoingAway.ShouldBeTrue();
        peer.Core.GoAwaySent.ShouldBeFalse();
        peer.Core.PeerGoAwayCode.ShouldBe(Http2ErrorCode.EnhanceYourCalm);
        peer.Core.PeerGoAwayLastStreamId.ShouldBe(7);
    }

    [Fact]
    public async Task A_reset_in_answer_closes_the_stream_unless_the_peer_reset_it_first_and_is_remembered_by_a_server_only()
    {
        await using var server = new Harness(Http2Role.Server);
        var open = new CoreTestStream(1, openedByPeer: true);
        var resetByPeer = new CoreTestStream(3, openedByPeer: true);
        resetByPeer.State.OnReceive(Http2FrameType.RstStream, endStream: false);
        server.Streams.OnPeerStreamOpened(3);
        server.Streams.Add(open);

        server.Core.QueueResetReply(1, Http2ErrorCode.ProtocolError); // Found in the table.
        server.Core.QueueResetReply(3, Http2ErrorCode.StreamClosed, resetByPeer);

        open.State.State.ShouldBe(Http2StreamState.Closed);
        open.State.ResetByPeer.ShouldBeFalse();
        resetByPeer.State.ResetByPeer.ShouldBeTrue(); // Late frames on it stay a stream error (section 5.1).
        server.Core.ResetStreams.Of(1).ShouldBe(Http2ResetStreams.ResetBy.Us);
        (await server.WrittenAsync()).Select(f => (f.Header.Type, f.Header.StreamId)).ShouldBe([(Http2FrameType.RstStream, 1), (Http2FrameType.RstStream, 3)]);

        await using var client = new Harness(Http2Role.Client);
        var stream = client.Open();
        client.Core.QueueResetReply(stream.Id, Http2ErrorCode.Cancel);
        client.Streams.ContainsKey(stream.Id).ShouldBeFalse(); // The client forgets a closed stream at once.
        client.Core.ResetStreams.Of(stream.Id).ShouldBe(Http2ResetStreams.ResetBy.Nobody); // It ignores late frames anyway.
        (await client.WrittenAsync()).ShouldHaveSingleItem().Header.Type.ShouldBe(Http2FrameType.RstStream);
    }

    private static (int LastStreamId, Http2ErrorCode Code, string Debug) GoAwayOf(byte[] payload) =>
        (BinaryPrimitives.ReadInt32BigEndian(payload) & int.MaxValue,
         (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(4)),
         System.Text.Encoding.ASCII.GetString(payload, 8, payload.Length - 8));
}

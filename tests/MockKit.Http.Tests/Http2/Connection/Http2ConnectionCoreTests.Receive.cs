using System.Buffers.Binary;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;

namespace MockKit.Http2.Connection.Tests;

// The receive path both roles share: one lookup (idle, closed, late frames), the DATA path
// (windows, padding, content-length, empty-DATA flood), RST_STREAM and trailers.
public sealed partial class Http2ConnectionCoreTests
{
    [Fact]
    public async Task Data_is_charged_to_both_windows_and_its_padding_is_credited_back_at_once()
    {
        await using var peer = new Harness(Http2Role.Client);
        var stream = peer.Open();
        stream.HeadReceived = true; // The response's head came first (section 8.1).

        // 140 frames of 5 bytes + 1 + 250 bytes of padding: the padding alone passes half of each
        // window, so both WINDOW_UPDATEs are due without the application reading a byte.
        await peer.ReadAsync(w =>
        {
            for (var i = 0; i < 140; i++)
            {
                Http2FrameWriter.WriteData(w, stream.Id, "hello"u8, endStream: false, padLength: 250);
            }
        });

        peer.Events.Count.ShouldBe(140);
        peer.Events[0].ShouldBe("data on 1: 5 bytes");
        stream.ContentReceived.ShouldBe(700);
        var updates = (await peer.WrittenAsync()).Where(f => f.Header.Type == Http2FrameType.WindowUpdate).ToList();
        updates.Select(f => f.Header.StreamId).Order().ShouldBe([0, 1]);
        updates.ShouldAllBe(f => BinaryPrimitives.ReadInt32BigEndian(f.Payload) >= 32_767 && BinaryPrimitives.ReadInt32BigEndian(f.Payload) <= 140 * 251);
    }

    [Fact]
    public async Task Data_before_the_head_is_a_stream_error_before_the_stream_is_charged()
    {
        // Section 8.1: a message is its head, then DATA. A client's stream sees the response's head
        // after it opened the stream; a server's opens with the request's.
        await using var peer = new Harness(Http2Role.Client);
        var early = peer.Open();

        await peer.ReadAsync(w => Http2FrameWriter.WriteData(w, early.Id, "early"u8, endStream: false));

        peer.Events.ShouldBe(["stream error 1 ProtocolError (open)"]);
        peer.StreamErrors[0].Message.ShouldContain("Malformed response (RFC 9113 section 8.1): DATA before the response HEADERS.");
        early.ReceiveWindow!.Available.ShouldBe(Http2Constants.DefaultInitialWindowSize); // Refused before the stream's window was charged.
    }

    [Fact]
    public async Task A_content_length_mismatch_is_a_stream_error_before_the_role_sees_the_data()
    {
        await using var peer = new Harness(Http2Role.Client);
        var past = peer.Open();
        past.DeclaredContentLength = 5;
        var shortOne = peer.Open();
        shortOne.DeclaredContentLength = 5;
        past.HeadReceived = shortOne.HeadReceived = true; // Their heads came first (section 8.1).

        await peer.ReadAsync(w =>
        {
            Http2FrameWriter.WriteData(w, past.Id, "hello"u8, endStream: false);
            Http2FrameWriter.WriteData(w, past.Id, "!"u8, endStream: false);
            Http2FrameWriter.WriteData(w, shortOne.Id, "hell"u8, endStream: true);
        });

        peer.Events.ShouldBe([
            "data on 1: 5 bytes",
            "stream error 1 ProtocolError (open)",
            "stream error 3 ProtocolError (open)",
        ]);
        peer.StreamErrors[0].Message.ShouldContain("Malformed response (RFC 9113 section 8.1.1): DATA past its content-length of 5 bytes (6 received).");
        peer.StreamErrors[1].Message.ShouldContain("the stream ended after 4 of its content-length of 5 bytes");
    }

    [Fact]
    public async Task Data_on_an_idle_stream_is_a_connection_error_and_late_data_is_ignored_by_a_client()
    {
        await using var peer = new Harness(Http2Role.Client);
        var stream = peer.Open();
        peer.Streams.Remove(stream.Id);

        await peer.ReadAsync(w => Http2FrameWriter.WriteData(w, stream.Id, "late"u8, endStream: true));
        peer.Events.ShouldBeEmpty();

        var error = await Should.ThrowAsync<Http2ConnectionException>(() => peer.ReadAsync(w => Http2FrameWriter.WriteData(w, 3, "x"u8, endStream: false)));
        error.ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);
        error.Message.ShouldEndWith("DATA on idle stream 3.");
    }

    [Theory]
    [InlineData("us", "data", "")]
    [InlineData("peer", "data", "stream error 1 StreamClosed")]
    [InlineData("nobody", "data", "stream error 1 StreamClosed")]
    [InlineData("us", "headers", "")]
    [InlineData("peer", "headers", "stream error 1 StreamClosed")]
    [InlineData("nobody", "headers", "connection error StreamClosed")]
    public async Task A_server_treats_late_frames_by_who_reset_the_stream(string resetBy, string frame, string expected)
    {
        await using var peer = new Harness(Http2Role.Server);
        peer.Streams.OnPeerStreamOpened(1); // Opened and gone: closed.
        if (resetBy == "us")
        {
            peer.Core.ResetStreams.OnResetByUs(1);
        }
        else if (resetBy == "peer")
        {
            peer.Core.ResetStreams.OnResetByPeer(1);
        }

        var block = Encode(new HpackEncoder(), ("x-trailer", "1"));
        try
        {
            await peer.ReadAsync(w =>
            {
                if (frame == "data")
                {
                    Http2FrameWriter.WriteData(w, 1, "late"u8, endStream: false);
                }
                else
                {
                    Http2FrameWriter.WriteHeaders(w, 1, block, endStream: true, endHeaders: true);
                }
            });
        }
        catch (Http2ConnectionException e)
        {
            peer.Events.Add($"connection error {e.ErrorCode}");
        }

        peer.Events.ShouldBe(expected.Length == 0 ? Array.Empty<string>() : [expected]);
    }

    [Fact]
    public async Task A_reset_closes_the_stream_is_remembered_and_stops_its_sender_with_the_role_s_failure()
    {
        await using var peer = new Harness(Http2Role.Client);
        var stream = peer.Open();
        (await stream.SendWindow.WaitForCreditAsync(Http2Constants.DefaultInitialWindowSize)).ShouldBe(Http2Constants.DefaultInitialWindowSize);
        var blocked = stream.SendWindow.WaitForCreditAsync(1); // No credit left: it waits.

        await peer.ReadAsync(w => Http2FrameWriter.WriteRstStream(w, stream.Id, Http2ErrorCode.Cancel));

        peer.Events.ShouldBe(["reset 1 Cancel"]);
        stream.State.State.ShouldBe(Http2StreamState.Closed);
        peer.Streams.ContainsKey(stream.Id).ShouldBeFalse(); // A client's closed stream leaves the table.
        peer.Core.ResetStreams.Of(stream.Id).ShouldBe(Http2ResetStreams.ResetBy.Peer);
        (await Should.ThrowAsync<IOException>(async () => await blocked.AsTask().WaitAsync(Deadline))).Message.ShouldBe("reset Cancel");

        var idle = await Should.ThrowAsync<Http2ConnectionException>(() => peer.ReadAsync(w => Http2FrameWriter.WriteRstStream(w, 5, Http2ErrorCode.Cancel)));
        idle.Message.ShouldEndWith("RST_STREAM on idle stream 5.");
    }

    [Fact]
    public async Task Trailers_must_end_the_stream_and_complete_the_content_length()
    {
        await using var peer = new Harness(Http2Role.Server);
        var encoder = new HpackEncoder();
        var trailers = Encode(encoder, ("x-checksum", "1"));
        var streams = new CoreTestStream[3];
        for (var i = 0; i < streams.Length; i++)
        {
            var id = (2 * i) + 1;
            peer.Streams.OnPeerStreamOpened(id);
            streams[i] = new CoreTestStream(id, openedByPeer: false) { HeadReceived = true, DeclaredContentLength = 4 };
            peer.Streams.Add(streams[i]);
        }

        await peer.ReadAsync(w =>
        {
            Http2FrameWriter.WriteHeaders(w, 1, trailers, endStream: false, endHeaders: true); // No END_STREAM.
            Http2FrameWriter.WriteData(w, 3, "abc"u8, endStream: false);
            Http2FrameWriter.WriteHeaders(w, 3, trailers, endStream: true, endHeaders: true); // 3 of 4 bytes.
            Http2FrameWriter.WriteData(w, 5, "abcd"u8, endStream: false);
            Http2FrameWriter.WriteHeaders(w, 5, trailers, endStream: true, endHeaders: true);
        });

        peer.Events.ShouldBe([
            "stream error 1 ProtocolError (open)",
            "data on 3: 3 bytes",
            "stream error 3 ProtocolError (open)",
            "data on 5: 4 bytes",
            "field block Headers on 5 (open), promised 0, 1 fields",
        ]);
        peer.StreamErrors[0].Message.ShouldEndWith("Malformed request (RFC 9113 section 8.1): trailers without END_STREAM.");
        peer.StreamErrors[1].Message.ShouldContain("the stream ended after 3 of its content-length of 4 bytes");
    }

    [Fact]
    public async Task Empty_data_spends_the_flood_budget_and_data_earns_it_back()
    {
        await using var peer = new Harness(Http2Role.Client);
        peer.Core.EmptyDataGuard = new Http2FloodGuard("empty DATA", 2, window: null, TimeProvider.System);
        var stream = peer.Open();

        await peer.ReadAsync(w =>
        {
            Http2FrameWriter.WriteData(w, stream.Id, [], endStream: false);
            Http2FrameWriter.WriteData(w, stream.Id, [], endStream: false, padLength: 10); // Padding is not data.
            Http2FrameWriter.WriteData(w, stream.Id, "x"u8, endStream: false); // Earns one back.
            Http2FrameWriter.WriteData(w, stream.Id, [], endStream: false);
        });

        var error = await Should.ThrowAsync<Http2ConnectionException>(() => peer.ReadAsync(w => Http2FrameWriter.WriteData(w, stream.Id, [], endStream: false)));
        error.ErrorCode.ShouldBe(Http2ErrorCode.EnhanceYourCalm);
    }
}

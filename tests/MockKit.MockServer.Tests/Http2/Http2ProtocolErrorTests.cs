using System.Buffers.Binary;
using MockKit.Http2;
using MockKit.MockServer.Tests.Http2.Support;

namespace MockKit.MockServer.Tests.Http2;

/// <summary>
/// Hostile and malformed input (RFC 9113 sections 5.4, 8.1.1, 10.5): stream errors reset only the
/// stream; connection errors end the connection with the right GOAWAY code; the server keeps
/// serving other connections afterwards.
/// </summary>
public sealed class Http2ProtocolErrorTests
{
    private static MockWebServer NewServer() => new() { Protocols = [Protocol.H2PriorKnowledge] };

    [Fact]
    public async Task A_bad_preface_gets_goaway_protocol_error_and_is_recorded()
    {
        await using var server = NewServer();
        await using var peer = await Http2TestPeer.ConnectAsync(server);
        await peer.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());

        await peer.VerifyGoAwayAsync(0, Http2ErrorCode.ProtocolError);
        (await peer.IsClosedByPeerAsync()).ShouldBeTrue();
        server.TakeRequest().RequestLine.ShouldBe("GET / HTTP/1.1");
        await AnotherConnectionStillWorksAsync(server);
    }

    [Fact]
    public async Task An_oversized_frame_is_a_frame_size_error()
    {
        await using var server = NewServer();
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendRawFrameAsync(Http2FrameType.Data, Http2FrameFlags.None, 1, new byte[16_385]);
        await peer.VerifyGoAwayAsync(0, Http2ErrorCode.FrameSizeError);
        await AnotherConnectionStillWorksAsync(server);
    }

    [Fact]
    public async Task Headers_on_a_closed_stream_is_a_stream_closed_connection_error()
    {
        await using var server = NewServer();
        server.Enqueue(new MockResponse("one"));
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendRequestAsync(1);
        await peer.ReadResponseAsync(1);
        await peer.SendRequestAsync(1);
        await peer.VerifyGoAwayAsync(1, Http2ErrorCode.StreamClosed);
        await AnotherConnectionStillWorksAsync(server);
    }

    [Fact]
    public async Task Connection_window_overflow_is_a_flow_control_error()
    {
        await using var server = NewServer();
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendFrameAsync(w => Http2FrameWriter.WriteWindowUpdate(w, 0, int.MaxValue));
        await peer.VerifyGoAwayAsync(0, Http2ErrorCode.FlowControlError);
    }

    [Fact]
    public async Task Stream_window_overflow_resets_only_the_stream()
    {
        await using var server = NewServer();
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.NoResponse });
        server.Enqueue(new MockResponse("still here"));
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendRequestAsync(1);
        server.TakeRequest();

        // Recording happens before dispatch, and a reset stream never takes a response: wait
        // until stream 1 holds its NoResponse, or the reset could leave it for stream 3.
        using (var dispatched = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while (server.PendingResponseCount != 1)
            {
                await Task.Delay(5, dispatched.Token);
            }
        }

        await peer.SendFrameAsync(w => Http2FrameWriter.WriteWindowUpdate(w, 1, int.MaxValue));
        await peer.VerifyResetAsync(1, Http2ErrorCode.FlowControlError);
        await peer.SendRequestAsync(3);
        (await peer.ReadResponseAsync(3)).BodyText.ShouldBe("still here");
    }

    [Fact]
    public async Task An_undecodable_field_block_is_a_compression_error()
    {
        await using var server = NewServer();
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendFrameAsync(w => Http2FrameWriter.WriteHeaders(w, 1, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], endStream: true, endHeaders: true));
        await peer.VerifyGoAwayAsync(0, Http2ErrorCode.CompressionError);
        await AnotherConnectionStillWorksAsync(server);
    }

    [Fact]
    public async Task An_hpack_bomb_is_enhance_your_calm()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], MaxRequestHeadBytes = 16 * 1024 };
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        // One 4 KiB field inserted into the dynamic table, then referenced thousands of times by
        // one-byte indexes: a tiny block that decodes to megabytes.
        var insert = peer.Encode([("x-bomb", new string('a', 4000))]);
        var block = new byte[insert.Length + 20_000];
        insert.CopyTo(block, 0);
        block.AsSpan(insert.Length).Fill(0x80 | 62); // Indexed field 62: the newest dynamic entry.
        List<(string, string)> pseudo = [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "x")];
        var start = peer.Encode(pseudo);
        await peer.SendFrameAsync(w => Http2FrameWriter.WriteHeaderBlock(w, 1, [.. start, .. block], endStream: true, maxFrameSize: 16_384));
        await peer.VerifyGoAwayAsync(0, Http2ErrorCode.EnhanceYourCalm);
        await AnotherConnectionStillWorksAsync(server);
    }

    [Fact]
    public async Task An_hpack_bomb_on_a_stream_the_server_reset_still_ends_the_connection()
    {
        // Late field blocks on a stream we reset are decoded (the HPACK context must stay in sync,
        // RFC 9113 section 4.3) and then dropped; a bomb must not hide behind that drop.
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], MaxRequestHeadBytes = 16 * 1024 };
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendHeadersAsync(1, [(":method", "GET"), (":scheme", "http"), (":authority", "x")], endStream: false); // No :path: malformed.
        await peer.VerifyResetAsync(1, Http2ErrorCode.ProtocolError);

        var insert = peer.Encode([("x-bomb", new string('a', 4000))]);
        var block = new byte[insert.Length + 20_000];
        insert.CopyTo(block, 0);
        block.AsSpan(insert.Length).Fill(0x80 | 62); // Indexed field 62: the newest dynamic entry.
        await peer.SendFrameAsync(w => Http2FrameWriter.WriteHeaderBlock(w, 1, block, endStream: true, maxFrameSize: 16_384));
        await peer.VerifyGoAwayAsync(1, Http2ErrorCode.EnhanceYourCalm);
        await AnotherConnectionStillWorksAsync(server);
    }

    [Theory]
    [InlineData("PING")]
    [InlineData("SETTINGS")]
    [InlineData("RST_STREAM")]
    public async Task A_control_frame_flood_is_enhance_your_calm(string frameType)
    {
        var type = frameType switch
        {
            "PING" => Http2FrameType.Ping,
            "SETTINGS" => Http2FrameType.Settings,
            _ => Http2FrameType.RstStream,
        };
        // The flood limits count per window of time: freeze the clock so a slow machine can
        // never spread the flood over two windows and let it through.
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], TimeProvider = new ObservableTimeProvider() };
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        var flood = new MemoryStream();
        using (var writer = new MockKit.Buffers.PooledBufferWriter())
        {
            for (var i = 0; i < 1_200; i++)
            {
                switch (type)
                {
                    case Http2FrameType.Ping:
                        Http2FrameWriter.WritePing(writer, (ulong)i);
                        break;
                    case Http2FrameType.Settings:
                        Http2FrameWriter.WriteSettings(writer, new Http2Settings());
                        break;
                    default:
                        // "Rapid reset" (CVE-2023-44487): open a stream, cancel it at once, repeat.
                        Http2FrameWriter.WriteHeaders(writer, (2 * i) + 1, peer.Encode([(":method", "GET"), (":scheme", "http"), (":path", "/")]), endStream: true, endHeaders: true);
                        Http2FrameWriter.WriteRstStream(writer, (2 * i) + 1, Http2ErrorCode.Cancel);
                        break;
                }
            }

            flood.Write(writer.WrittenSpan);
        }

        await peer.SendAsync(flood.ToArray());
        await peer.VerifyGoAwayAsync(type == Http2FrameType.RstStream ? null : 0, Http2ErrorCode.EnhanceYourCalm, skipStreamFrames: true);
        await AnotherConnectionStillWorksAsync(server);
    }

    [Fact]
    public async Task A_continuation_flood_is_enhance_your_calm()
    {
        await using var server = NewServer();
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        var flood = new MemoryStream();
        using (var writer = new MockKit.Buffers.PooledBufferWriter())
        {
            Http2FrameWriter.WriteHeaders(writer, 1, peer.Encode([(":method", "GET")]), endStream: true, endHeaders: false);
            for (var i = 0; i < 1_100; i++)
            {
                Http2FrameWriter.WriteContinuation(writer, 1, [], endHeaders: false);
            }

            flood.Write(writer.WrittenSpan);
        }

        await peer.SendAsync(flood.ToArray());
        await peer.VerifyGoAwayAsync(0, Http2ErrorCode.EnhanceYourCalm);
        await AnotherConnectionStillWorksAsync(server);
    }

    [Fact]
    public async Task A_push_promise_from_the_client_is_a_protocol_error()
    {
        await using var server = NewServer();
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, 2);
        await peer.SendRawFrameAsync(Http2FrameType.PushPromise, Http2FrameFlags.EndHeaders, 1, payload);
        await peer.VerifyGoAwayAsync(0, Http2ErrorCode.ProtocolError);
    }

    public static TheoryData<string, (string, string)[]> MalformedRequests => new()
    {
        { "no :path", [(":method", "GET"), (":scheme", "http"), (":authority", "x")] },
        { "duplicate :method", [(":method", "GET"), (":method", "GET"), (":scheme", "http"), (":path", "/")] },
        { "uppercase field name", [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("X-Upper", "1")] },
        { "connection-specific field", [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("connection", "keep-alive")] },
        { "pseudo-header after a regular field", [(":method", "GET"), (":scheme", "http"), ("a", "b"), (":path", "/")] },
        { "unknown pseudo-header", [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":bogus", "1")] },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task Malformed_requests_are_stream_errors_and_recorded(string why, (string, string)[] fields)
    {
        await using var server = NewServer();
        server.Enqueue(new MockResponse("fine"));
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendHeadersAsync(1, fields, endStream: true);
        await peer.VerifyResetAsync(1, Http2ErrorCode.ProtocolError);
        server.TakeRequest().Failure.ShouldBeOfType<System.Net.ProtocolViolationException>(why).Message.ShouldContain("Malformed");

        await peer.SendRequestAsync(3);
        (await peer.ReadResponseAsync(3)).BodyText.ShouldBe("fine");
    }

    [Fact]
    public async Task A_content_length_mismatch_is_a_stream_error_and_recorded()
    {
        await using var server = NewServer();
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendRequestAsync(1, "/cl", "POST", endStream: false, ("content-length", "10"));
        await peer.SendDataAsync(1, "short"u8.ToArray(), endStream: true);
        await peer.VerifyResetAsync(1, Http2ErrorCode.ProtocolError);
        var request = server.TakeRequest();
        request.RequestLine.ShouldBe("POST /cl HTTP/2");
        request.Failure!.Message.ShouldContain("the stream ended after 5 of its content-length of 10 bytes");
    }

    [Fact]
    public async Task A_content_length_on_headers_that_end_the_stream_is_a_stream_error_and_recorded()
    {
        await using var server = NewServer();
        server.Enqueue(new MockResponse("fine"));
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendRequestAsync(1, "/cl", "POST", endStream: true, ("content-length", "10"));
        await peer.VerifyResetAsync(1, Http2ErrorCode.ProtocolError);
        var request = server.TakeRequest();
        request.RequestLine.ShouldBe("POST /cl HTTP/2");
        request.Failure.ShouldBeOfType<System.Net.ProtocolViolationException>().Message
            .ShouldContain("the stream ended after 0 of its content-length of 10 bytes");

        // The connection and the queued response are untouched: the next stream takes it.
        await peer.SendRequestAsync(3, "/ok", "POST", endStream: true, ("content-length", "0"));
        (await peer.ReadResponseAsync(3)).BodyText.ShouldBe("fine");
    }

    [Fact]
    public async Task A_client_reset_mid_request_is_recorded_with_a_failure()
    {
        await using var server = NewServer();
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendRequestAsync(1, "/upload", "POST", endStream: false);
        await peer.SendDataAsync(1, "part"u8.ToArray(), endStream: false);
        await peer.SendFrameAsync(w => Http2FrameWriter.WriteRstStream(w, 1, Http2ErrorCode.Cancel));
        var request = server.TakeRequest();
        request.BodyText.ShouldBe("part");
        request.Failure.ShouldBeOfType<IOException>().Message.ShouldContain("Cancel");
    }

    private static async Task AnotherConnectionStillWorksAsync(MockWebServer server)
    {
        while (server.TakeRequest(TimeSpan.Zero) is not null)
        {
            // Drop what the broken connection recorded.
        }

        server.Enqueue(new MockResponse("healthy"));
        using var client = HttpClientHttp2Tests.Client(tls: false);
        (await client.GetStringAsync(server.Url("/"))).ShouldBe("healthy");
    }
}

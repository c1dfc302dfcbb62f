using MockKit.Http2;
using MockKit.MockServer.Tests.Http2.Support;

namespace MockKit.MockServer.Tests.Http2;

/// <summary>Response pacing and flow control on HTTP/2, at the frame level.</summary>
public sealed class Http2ResponseTests
{
    [Fact]
    public async Task Delays_and_throttle_run_on_the_servers_clock()
    {
        var time = new ObservableTimeProvider();
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], TimeProvider = time };
        server.Enqueue(new MockResponse("abcdef")
        {
            HeadersDelay = TimeSpan.FromSeconds(30),
            BodyDelay = TimeSpan.FromSeconds(10),
            Throttle = new Throttle(2, TimeSpan.FromSeconds(1)),
        });
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendRequestAsync(1);

        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromSeconds(30));
        await peer.ExpectFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1);
        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromSeconds(10));
        (await peer.ExpectFrameAsync(Http2FrameType.Data, Http2FrameFlags.None, 1)).Payload.ShouldBe("ab"u8.ToArray());
        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        (await peer.ExpectFrameAsync(Http2FrameType.Data, Http2FrameFlags.None, 1)).Payload.ShouldBe("cd"u8.ToArray());
        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        (await peer.ExpectFrameAsync(Http2FrameType.Data, Http2FrameFlags.None, 1)).Payload.ShouldBe("ef"u8.ToArray());
        await peer.ExpectFrameAsync(Http2FrameType.Data, Http2FrameFlags.EndStream, 1);
    }

    [Fact]
    public async Task Body_trigger_counts_data_bytes_and_fires_after_the_throttle_sent_them()
    {
        // The decorators' order: OnResponseBody counts DATA payload bytes above the throttle, and
        // fires once the throttled frames are out.
        var time = new ObservableTimeProvider();
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], TimeProvider = time };
        server.Enqueue(new MockResponse("abcdef")
        {
            Throttle = new Throttle(3, TimeSpan.FromSeconds(1)),
            OnResponseBody = new SocketEffect.CloseStream(Http2ErrorCode.InternalError),
            OnResponseBodyAfterBytes = 4,
        });
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendRequestAsync(1);

        await peer.ExpectFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1);
        (await peer.ExpectFrameAsync(Http2FrameType.Data, Http2FrameFlags.None, 1)).Payload.ShouldBe("abc"u8.ToArray());
        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        (await peer.ExpectFrameAsync(Http2FrameType.Data, Http2FrameFlags.None, 1)).Payload.ShouldBe("d"u8.ToArray());
        await peer.VerifyResetAsync(1, Http2ErrorCode.InternalError);
    }

    [Fact]
    public async Task Data_frames_respect_the_clients_stream_window()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Enqueue(new MockResponse("0123456789"));
        await using var peer = await Http2TestPeer.HandshakeAsync(server, new Http2Settings { InitialWindowSize = 4 });
        await peer.SendRequestAsync(1);

        await peer.ExpectFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1);
        (await peer.ExpectFrameAsync(Http2FrameType.Data, Http2FrameFlags.None, 1)).Payload.ShouldBe("0123"u8.ToArray());
        await peer.SendFrameAsync(w => Http2FrameWriter.WriteWindowUpdate(w, 1, 4));
        (await peer.ExpectFrameAsync(Http2FrameType.Data, Http2FrameFlags.None, 1)).Payload.ShouldBe("4567"u8.ToArray());
        await peer.SendFrameAsync(w => Http2FrameWriter.WriteWindowUpdate(w, 1, 100));
        (await peer.ExpectFrameAsync(Http2FrameType.Data, Http2FrameFlags.EndStream, 1)).Payload.ShouldBe("89"u8.ToArray());
    }

    [Fact]
    public async Task Request_bodies_are_credited_back_with_window_updates()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Enqueue(new MockResponse("thanks"));
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendRequestAsync(1, "/up", "POST", endStream: false);
        var chunk = new byte[16_384];
        for (var i = 0; i < 3; i++)
        {
            await peer.SendDataAsync(1, chunk, endStream: false);
        }

        // Half the 65535-byte window consumed: both the stream and the connection get credit back.
        var update = await peer.ExpectFrameAsync(Http2FrameType.WindowUpdate);
        update.Payload.Length.ShouldBe(4);
        await peer.SendDataAsync(1, chunk, endStream: true);
        (await peer.ReadResponseAsync(1)).BodyText.ShouldBe("thanks");
        server.TakeRequest().BodySize.ShouldBe(4 * 16_384);
    }

    [Fact]
    public async Task DisconnectDuringRequestBody_closes_after_half_the_declared_body()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectDuringRequestBody });
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendRequestAsync(1, "/half", "POST", endStream: false, ("content-length", "10"));
        await peer.SendDataAsync(1, "01234"u8.ToArray(), endStream: false);

        (await peer.IsClosedByPeerAsync()).ShouldBeTrue();
        var request = server.TakeRequest();
        request.BodyText.ShouldBe("01234");
        request.Failure.ShouldBeOfType<SocketPolicyException>();
    }

    [Fact]
    public async Task Head_and_204_responses_end_with_the_headers()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Enqueue(new MockResponse("not sent to HEAD"));
        server.Enqueue(new MockResponse(204));
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendRequestAsync(1, "/", "HEAD");
        var head = await peer.ReadResponseAsync(1);
        head.Body.ShouldBeEmpty();
        head["content-length"].ShouldBe("16");
        await peer.SendRequestAsync(3);
        (await peer.ReadResponseAsync(3)).Status.ShouldBe("204");
    }

    [Fact]
    public async Task ExpectContinue_sends_a_100_headers_frame_before_the_body_is_read()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Enqueue(new MockResponse("continued") { SocketPolicy = SocketPolicy.ExpectContinue });
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendRequestAsync(1, "/e", "POST", endStream: false, ("expect", "100-continue"));

        var interim = await peer.ExpectFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1);
        peer.DecodeHeaders(interim)[0].Value.ShouldBe("100");
        await peer.SendDataAsync(1, "body"u8.ToArray(), endStream: true);
        (await peer.ReadResponseAsync(1)).BodyText.ShouldBe("continued");
        server.TakeRequest().BodyText.ShouldBe("body");
    }

    [Fact]
    public async Task Request_trailers_are_recorded_over_tls()
    {
        var localhost = MockKit.Tls.HandshakeCertificates.Localhost();
        await using var server = new MockWebServer();
        server.UseHttps(localhost);
        server.Enqueue(new MockResponse("trailers seen"));
        await using var peer = await Http2TestPeer.HandshakeAsync(server, tls: localhost);

        await peer.SendRequestAsync(1, "/t", "POST", endStream: false);
        await peer.SendDataAsync(1, "payload"u8.ToArray(), endStream: false);
        await peer.SendHeadersAsync(1, [("checksum", "abc")], endStream: true);

        (await peer.ReadResponseAsync(1)).BodyText.ShouldBe("trailers seen");
        var request = server.TakeRequest();
        request.Protocol.ShouldBe(Protocol.Http2);
        request.BodyText.ShouldBe("payload");
        request.Trailers["checksum"].ShouldBe("abc");
    }

    [Fact]
    public async Task Scripted_fields_that_make_an_http2_message_malformed_are_dropped_so_clients_accept_the_response()
    {
        // RFC 9113 section 8.2.2: te other than "trailers" (like the connection-specific fields) makes
        // a message malformed, and our client (like any conforming one) would reject the response.
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Enqueue(new MockResponse("kept") { Headers = { { "TE", "gzip" }, { "Keep-Alive", "timeout=5" }, { "X-Kept", "yes" } } });
        server.Enqueue(new MockResponse("trailers") { Headers = { { "te", "trailers" } } });
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendRequestAsync(1, "/dropped");
        var response = await peer.ReadResponseAsync(1);
        response["te"].ShouldBeNull();
        response["keep-alive"].ShouldBeNull();
        response["x-kept"].ShouldBe("yes");
        response.BodyText.ShouldBe("kept");

        await peer.SendRequestAsync(3, "/allowed");
        (await peer.ReadResponseAsync(3))["te"].ShouldBe("trailers");
    }
}

using MockKit.Http2;
using MockKit.MockServer.Tests.Http2.Support;

namespace MockKit.MockServer.Tests.Http2;

/// <summary>Each socket policy on HTTP/2, checked frame by frame with <see cref="Http2TestPeer"/>.</summary>
public sealed class Http2PolicyTests
{
    private static MockWebServer NewServer() => new() { Protocols = [Protocol.H2PriorKnowledge] };

    [Fact]
    public async Task A_plain_exchange_at_the_frame_level()
    {
        await using var server = NewServer();
        server.Enqueue(new MockResponse("hello") { Headers = { { "X-Mixed-Case", "v" }, { "Transfer-Encoding", "chunked" } } });
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendRequestAsync(1, "/p");
        var response = await peer.ReadResponseAsync(1);

        response.Status.ShouldBe("200");
        response.BodyText.ShouldBe("hello");
        response["x-mixed-case"].ShouldBe("v");
        response["transfer-encoding"].ShouldBeNull();
        response["content-length"].ShouldBe("5");
        var request = server.TakeRequest();
        request.Url.ShouldBe(new Uri("http://localhost/p"));
        request.Failure.ShouldBeNull();
    }

    [Fact]
    public async Task ResetStreamAtStart_resets_instead_of_responding_and_records_the_request()
    {
        await using var server = NewServer();
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.ResetStreamAtStart(Http2ErrorCode.Cancel) });
        server.Enqueue(new MockResponse("next"));
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendRequestAsync(1, "/reset");
        await peer.VerifyResetAsync(1, Http2ErrorCode.Cancel);
        var recorded = server.TakeRequest();
        recorded.RequestLine.ShouldBe("GET /reset HTTP/2");
        recorded.Failure.ShouldBeOfType<SocketPolicyException>();

        await peer.SendRequestAsync(3, "/next");
        (await peer.ReadResponseAsync(3)).BodyText.ShouldBe("next");
        server.TakeRequest().SequenceNumber.ShouldBe(1);
    }

    [Fact]
    public async Task NoResponse_stalls_only_that_stream()
    {
        await using var server = NewServer();
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.NoResponse });
        server.Enqueue(new MockResponse("other streams still work"));
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendRequestAsync(1, "/stalled");
        server.TakeRequest().Path.ShouldBe("/stalled");
        await peer.SendRequestAsync(3, "/served");
        (await peer.ReadResponseAsync(3)).BodyText.ShouldBe("other streams still work");
    }

    [Fact]
    public async Task DisconnectAfterRequest_records_then_closes_the_socket()
    {
        await using var server = NewServer();
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAfterRequest });
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendRequestAsync(1, "/bye", "POST", endStream: false);
        await peer.SendDataAsync(1, "body"u8.ToArray(), endStream: true);

        (await peer.IsClosedByPeerAsync()).ShouldBeTrue();
        server.TakeRequest().BodyText.ShouldBe("body");
    }

    [Fact]
    public async Task DisconnectDuringResponseBody_closes_after_n_data_bytes()
    {
        await using var server = NewServer();
        server.Enqueue(new MockResponse(new string('x', 100)) { SocketPolicy = SocketPolicy.DisconnectDuringResponseBody(10) });
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendRequestAsync(1);
        await peer.ExpectFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1);
        var data = await peer.ExpectFrameAsync(Http2FrameType.Data, Http2FrameFlags.None, 1);
        data.Payload.Length.ShouldBe(10);
        (await peer.IsClosedByPeerAsync()).ShouldBeTrue();
    }

    [Fact]
    public async Task DisconnectAtEnd_closes_after_the_whole_response()
    {
        await using var server = NewServer();
        server.Enqueue(new MockResponse("complete") { SocketPolicy = SocketPolicy.DisconnectAtEnd });
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendRequestAsync(1);
        (await peer.ReadResponseAsync(1)).BodyText.ShouldBe("complete");
        (await peer.IsClosedByPeerAsync()).ShouldBeTrue();
    }

    [Fact]
    public async Task DoNotReadRequestBody_responds_then_resets_the_stream()
    {
        await using var server = NewServer();
        server.Enqueue(new MockResponse("early") { SocketPolicy = SocketPolicy.DoNotReadRequestBody(Http2ErrorCode.NoError) });
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendRequestAsync(1, "/upload", "POST", endStream: false);
        (await peer.ReadResponseAsync(1)).BodyText.ShouldBe("early");
        await peer.VerifyResetAsync(1, Http2ErrorCode.NoError);
        var request = server.TakeRequest();
        request.Method.ShouldBe("POST");
        request.BodySize.ShouldBe(0);
    }

    [Fact]
    public async Task ShutdownConnection_at_end_sends_goaway_and_refuses_new_streams()
    {
        await using var server = NewServer();
        server.Enqueue(new MockResponse("last") { OnResponseEnd = new SocketEffect.ShutdownConnection() });
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendRequestAsync(1);
        (await peer.ReadResponseAsync(1)).BodyText.ShouldBe("last");
        await peer.VerifyGoAwayAsync(1, Http2ErrorCode.NoError);
        (await peer.IsClosedByPeerAsync()).ShouldBeTrue();
    }

    [Fact]
    public async Task CloseStream_on_response_body_resets_mid_body()
    {
        await using var server = NewServer();
        server.Enqueue(new MockResponse(new string('y', 40)) { OnResponseBody = new SocketEffect.CloseStream(Http2ErrorCode.InternalError), OnResponseBodyAfterBytes = 20 });
        server.Enqueue(new MockResponse("after"));
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendRequestAsync(1);
        await peer.ExpectFrameAsync(Http2FrameType.Headers, streamId: 1);
        (await peer.ExpectFrameAsync(Http2FrameType.Data, streamId: 1)).Payload.Length.ShouldBe(20);
        await peer.VerifyResetAsync(1, Http2ErrorCode.InternalError);
        await peer.SendRequestAsync(3);
        (await peer.ReadResponseAsync(3)).BodyText.ShouldBe("after");
    }

    [Fact]
    public async Task ShutdownServerAfterResponse_answers_then_stops_the_server()
    {
        var server = NewServer();
        await using (server)
        {
            server.Enqueue(new MockResponse("goodbye") { SocketPolicy = SocketPolicy.ShutdownServerAfterResponse });
            await using var peer = await Http2TestPeer.HandshakeAsync(server);
            await peer.SendRequestAsync(1);
            (await peer.ReadResponseAsync(1)).BodyText.ShouldBe("goodbye");
            (await peer.IsClosedByPeerAsync()).ShouldBeTrue();
            server.IsRunning.ShouldBeFalse();
        }
    }

    [Fact]
    public async Task Settings_on_a_response_are_sent_before_its_headers()
    {
        await using var server = NewServer();
        server.Enqueue(new MockResponse("s") { Settings = new Http2Settings { MaxConcurrentStreams = 1, InitialWindowSize = 1000 } });
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendRequestAsync(1);
        var settings = await peer.ExpectFrameAsync(Http2FrameType.Settings, Http2FrameFlags.None, 0);
        settings.Payload.Length.ShouldBe(12);
        (await peer.ReadResponseAsync(1)).BodyText.ShouldBe("s");
    }

    [Fact]
    public async Task Streams_beyond_max_concurrent_streams_are_refused()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], Http2MaxConcurrentStreams = 1 };
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.NoResponse });
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendRequestAsync(1, "/held");
        server.TakeRequest().Path.ShouldBe("/held");
        await peer.SendRequestAsync(3, "/refused");
        await peer.VerifyResetAsync(3, Http2ErrorCode.RefusedStream);
        server.TakeRequest().Failure!.Message.ShouldContain("SETTINGS_MAX_CONCURRENT_STREAMS");
    }

    [Fact]
    public async Task Push_promises_are_sent_and_recorded_when_push_is_enabled()
    {
        await using var server = NewServer();
        server.Enqueue(new MockResponse("page")
        {
            PushPromises = { new PushPromise("GET", "/style.css", new MockHeaders { { "Accept", "text/css" } }, new MockResponse("body{}")) },
        });
        await using var peer = await Http2TestPeer.HandshakeAsync(server, new Http2Settings { EnablePush = true });

        await peer.SendRequestAsync(1, "/page");
        var promise = await peer.ExpectFrameAsync(Http2FrameType.PushPromise, streamId: 1);
        var promisedId = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(promise.Payload);
        promisedId.ShouldBe(2);
        peer.DecodeHeaders(promise).ShouldContain(f => f.Name == ":path" && f.Value == "/style.css");
        (await peer.ReadResponseAsync(2)).BodyText.ShouldBe("body{}");
        (await peer.ReadResponseAsync(1)).BodyText.ShouldBe("page");

        var page = server.TakeRequest();
        var pushed = server.TakeRequest();
        (page.SequenceNumber, pushed.SequenceNumber).ShouldBe((0, 1));
        pushed.RequestLine.ShouldBe("GET /style.css HTTP/2");
        pushed.Headers["accept"].ShouldBe("text/css");
    }

    [Fact]
    public async Task Push_promises_are_not_sent_when_the_client_disabled_push()
    {
        await using var server = NewServer();
        server.Enqueue(new MockResponse("page")
        {
            PushPromises = { new PushPromise("GET", "/style.css", new MockHeaders(), new MockResponse("body{}")) },
        });
        await using var peer = await Http2TestPeer.HandshakeAsync(server, new Http2Settings { EnablePush = false });

        await peer.SendRequestAsync(1, "/page");
        (await peer.ReadResponseAsync(1)).BodyText.ShouldBe("page"); // ReadResponseAsync fails on a PUSH_PROMISE.
        server.TakeRequest().Path.ShouldBe("/page");
        server.TakeRequest().Failure!.Message.ShouldContain("SETTINGS_ENABLE_PUSH = 0");
    }

    [Fact]
    public async Task Server_shutdown_sends_goaway_then_closes()
    {
        var server = NewServer();
        server.Enqueue(new MockResponse("before shutdown"));
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendRequestAsync(1);
        (await peer.ReadResponseAsync(1)).BodyText.ShouldBe("before shutdown");

        await server.ShutdownAsync();

        await peer.VerifyGoAwayAsync(1, Http2ErrorCode.NoError);
        (await peer.IsClosedByPeerAsync()).ShouldBeTrue();
    }

    [Fact]
    public async Task After_goaway_streams_in_flight_finish_and_new_ones_are_refused()
    {
        await using var server = NewServer();
        // Streams take queued responses in the order their HEADERS arrive: stream 1 the first.
        server.Enqueue(new MockResponse("in flight, still answered"));
        server.Enqueue(new MockResponse("first answered") { OnResponseEnd = new SocketEffect.ShutdownConnection() });
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendRequestAsync(1, "/upload", "POST", endStream: false); // Waits for its body.
        await peer.SendRequestAsync(3, "/quick");
        (await peer.ReadResponseAsync(3)).BodyText.ShouldBe("first answered");
        await peer.VerifyGoAwayAsync(3, Http2ErrorCode.NoError);

        await peer.SendRequestAsync(5, "/too-late");
        await peer.VerifyResetAsync(5, Http2ErrorCode.RefusedStream);
        await peer.SendDataAsync(1, "done"u8.ToArray(), endStream: true);
        (await peer.ReadResponseAsync(1)).BodyText.ShouldBe("in flight, still answered");
        (await peer.IsClosedByPeerAsync()).ShouldBeTrue();
    }
}

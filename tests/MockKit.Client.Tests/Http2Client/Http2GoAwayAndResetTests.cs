using System.Buffers.Binary;
using MockKit.Http2;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>GOAWAY, RST_STREAM and cancellation: which streams complete, which are retried, what surfaces.</summary>
public sealed class Http2GoAwayAndResetTests
{
    [Fact]
    public async Task After_goaway_the_stream_completes_and_the_next_call_uses_a_new_connection()
    {
        var (server, handler, client) = await H2Harness.StartAsync(tls: true);
        await using var _ = server;
        using var __ = client;
        server.Enqueue(new MockResponse("last one") { OnResponseEnd = new SocketEffect.ShutdownConnection() });
        server.Enqueue(new MockResponse("fresh"));

        using var first = await client.GetAsync(H2Harness.Url(server, "/1"));
        (await first.Content.ReadAsStringAsync()).ShouldBe("last one");

        // The GOAWAY follows the response's last frame; once the reader has seen it, no new stream goes there.
        await Support.Eventually.WaitUntilAsync(() => handler.Pool.Connections.All(c => c.NoNewExchanges || c.Id != first.GetExchange().ConnectionId), "the GOAWAY was processed");
        using var second = await client.GetAsync(H2Harness.Url(server, "/2"));
        (await second.Content.ReadAsStringAsync()).ShouldBe("fresh");

        second.GetExchange().ConnectionId.ShouldNotBe(first.GetExchange().ConnectionId);
        second.GetExchange().SequenceNumber.ShouldBe(0);
        (server.TakeRequest().ConnectionIndex, server.TakeRequest().ConnectionIndex).ShouldBe((0, 1));
        await Support.Eventually.WaitUntilAsync(() => handler.Pool.ConnectionCount == 1, "the GOAWAY connection left the pool");
    }

    [Fact]
    public async Task Streams_above_the_goaway_last_stream_id_are_retried_on_a_new_connection()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        var firstCall = client.GetStringAsync(peer.Url("/first"));
        var connection = await peer.AcceptAsync();
        await connection.ExpectAsync(Http2FrameType.Headers, streamId: 1);
        var secondCall = client.GetStringAsync(peer.Url("/second"));
        await connection.ExpectAsync(Http2FrameType.Headers, streamId: 3);

        // Section 6.8: stream 3 is above the last stream id, so it was not processed.
        await connection.SendAsync(w => Http2FrameWriter.WriteGoAway(w, 1, Http2ErrorCode.NoError));
        await connection.SendHeadersAsync(1, endStream: false, (":status", "200"));
        await connection.SendAsync(w => Http2FrameWriter.WriteData(w, 1, "one"u8, endStream: true));
        (await firstCall.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe("one");

        var retried = await peer.AcceptAsync();
        var headers = retried.Decode(await retried.ExpectAsync(Http2FrameType.Headers, streamId: 1));
        headers.ShouldContain(new Http2.Hpack.HpackHeaderField(":path", "/second"));
        await retried.SendHeadersAsync(1, endStream: false, (":status", "200"));
        await retried.SendAsync(w => Http2FrameWriter.WriteData(w, 1, "two"u8, endStream: true));
        (await secondCall.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe("two");
    }

    [Fact]
    public async Task A_server_that_refuses_the_connection_with_goaway_before_its_settings_is_quoted_in_the_failure()
    {
        // Kestrel's answer to a TLS version below 1.2 (RFC 9113 section 9.2.1): GOAWAY(INADEQUATE_SECURITY)
        // instead of SETTINGS, then the close. Without the GOAWAY in the message the caller only
        // learns that the server closed the connection.
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge], RetryOnConnectionFailure = false };
        using var client = new HttpClient(handler);
        var call = client.GetAsync(peer.Url("/"));
        var connection = await peer.AcceptBeforeSettingsAsync();
        await connection.SendAsync(w => Http2FrameWriter.WriteGoAway(w, 0, Http2ErrorCode.InadequateSecurity, "TLS 1.1 is below the minimum"u8));
        await connection.CloseAfterClientAsync();

        var failure = await Support.Catch.ExceptionAsync<HttpRequestException>(call);
        failure.ToString().ShouldContain("GOAWAY(InadequateSecurity, last stream 0, debug data \"TLS 1.1 is below the minimum\")");
        failure.HttpRequestError.ShouldBe(HttpRequestError.ConnectionError);
    }

    [Fact]
    public async Task Refused_stream_is_retried()
    {
        var (server, _, client) = await H2Harness.StartAsync(tls: false);
        await using var _s = server;
        using var _c = client;
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.ResetStreamAtStart(Http2ErrorCode.RefusedStream) });
        server.Enqueue(new MockResponse("second try"));

        using var response = await client.GetAsync(H2Harness.Url(server, "/"));
        (await response.Content.ReadAsStringAsync()).ShouldBe("second try");
        response.GetExchange().SequenceNumber.ShouldBe(1);
        server.TakeRequest().SequenceNumber.ShouldBe(0);
        server.TakeRequest().SequenceNumber.ShouldBe(1);
    }

    [Fact]
    public async Task Other_resets_surface_with_their_error_code_and_the_connection_carries_on()
    {
        var (server, handler, client) = await H2Harness.StartAsync(tls: true);
        await using var _s = server;
        using var _c = client;
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.ResetStreamAtStart(Http2ErrorCode.InternalError) });
        server.Enqueue(new MockResponse("fine"));

        var e = await Should.ThrowAsync<Http2StreamResetException>(() => client.GetAsync(H2Harness.Url(server, "/")));
        e.ErrorCode.ShouldBe(Http2ErrorCode.InternalError);
        using var response = await client.GetAsync(H2Harness.Url(server, "/"));
        response.GetExchange().SequenceNumber.ShouldBe(1);
        handler.Pool.ConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task Cancelling_one_call_resets_only_its_stream()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        using var cts = new CancellationTokenSource();
        var canceled = client.GetAsync(peer.Url("/slow"), cts.Token);
        var connection = await peer.AcceptAsync();
        await connection.ExpectAsync(Http2FrameType.Headers, streamId: 1);
        var other = client.GetStringAsync(peer.Url("/other"));
        await connection.ExpectAsync(Http2FrameType.Headers, streamId: 3);

        await cts.CancelAsync();
        await Should.ThrowAsync<TaskCanceledException>(() => canceled.WaitAsync(TimeSpan.FromSeconds(10)));
        var reset = await connection.ExpectAsync(Http2FrameType.RstStream, streamId: 1);
        ((Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(reset.Payload)).ShouldBe(Http2ErrorCode.Cancel);

        await connection.SendHeadersAsync(3, endStream: false, (":status", "200"));
        await connection.SendAsync(w => Http2FrameWriter.WriteData(w, 3, "still here"u8, endStream: true));
        (await other.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe("still here");
        var snapshot = handler.Pool.Connections.ShouldHaveSingleItem();
        snapshot.NoNewExchanges.ShouldBeFalse();
        connection.Skipped.ShouldNotContain(f => f.Header.Type == Http2FrameType.GoAway);
    }
}

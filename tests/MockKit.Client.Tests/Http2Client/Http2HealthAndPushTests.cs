using System.Buffers.Binary;
using MockKit.Client.Connections;
using MockKit.Client.Tests.Support;
using MockKit.Http2;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>PING health checks after a long idle, refused push, idle eviction and events.</summary>
public sealed class Http2HealthAndPushTests
{
    [Fact]
    public async Task After_a_long_idle_a_ping_proves_the_connection_alive_or_dead()
    {
        var time = new ObservableTimeProvider();
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge], TimeProvider = time };
        using var client = new HttpClient(handler);

        var first = client.GetAsync(peer.Url("/1"));
        var connection = await peer.AcceptAsync();
        await connection.ExpectAsync(Http2FrameType.Headers, streamId: 1);
        await connection.SendHeadersAsync(1, endStream: true, (":status", "200"));
        using var firstResponse = await first.WaitAsync(TimeSpan.FromSeconds(10));

        // Idle beyond the threshold: the next call PINGs first; an answer keeps the connection.
        time.Advance(Http2Connection.HealthCheckIdleThreshold + TimeSpan.FromSeconds(1));
        var second = client.GetAsync(peer.Url("/2"));
        var ping = await connection.ExpectAsync(Http2FrameType.Ping);
        await connection.SendAsync(w => Http2FrameWriter.WritePing(w, BinaryPrimitives.ReadUInt64BigEndian(ping.Payload), ack: true));
        await connection.ExpectAsync(Http2FrameType.Headers, streamId: 3);
        await connection.SendHeadersAsync(3, endStream: true, (":status", "200"));
        using var secondResponse = await second.WaitAsync(TimeSpan.FromSeconds(10));
        secondResponse.GetExchange().ConnectionId.ShouldBe(firstResponse.GetExchange().ConnectionId);
        secondResponse.GetExchange().SequenceNumber.ShouldBe(1);

        // Idle again, and this time the PING goes unanswered: the call moves to a new connection.
        time.Advance(Http2Connection.HealthCheckIdleThreshold + TimeSpan.FromSeconds(1));
        var timersBefore = time.PendingTimerCount;
        var third = client.GetAsync(peer.Url("/3"));
        await connection.ExpectAsync(Http2FrameType.Ping);
        await time.WaitForTimerAsync(timersBefore + 1); // The PING deadline is armed.
        time.Advance(Http2Connection.PingTimeout + TimeSpan.FromMilliseconds(1));
        var fresh = await peer.AcceptAsync();
        await fresh.ExpectAsync(Http2FrameType.Headers, streamId: 1);
        await fresh.SendHeadersAsync(1, endStream: true, (":status", "200"));
        using var thirdResponse = await third.WaitAsync(TimeSpan.FromSeconds(10));
        thirdResponse.GetExchange().ConnectionId.ShouldNotBe(firstResponse.GetExchange().ConnectionId);
        thirdResponse.GetExchange().SequenceNumber.ShouldBe(0);
        await Eventually.WaitUntilAsync(() => handler.Pool.ConnectionCount == 1, "the dead connection left the pool");
    }

    [Fact]
    public async Task Push_is_disabled_and_a_push_promise_is_a_connection_protocol_error()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        var call = client.GetAsync(peer.Url("/"));
        var connection = await peer.AcceptAsync();
        var settings = connection.ClientSettings!.Payload;
        Enumerable.Range(0, settings.Length / 6)
            .Select(i => (BinaryPrimitives.ReadUInt16BigEndian(settings.AsSpan(i * 6)), BinaryPrimitives.ReadUInt32BigEndian(settings.AsSpan(i * 6 + 2))))
            .ShouldContain(((ushort)Http2SettingId.EnablePush, 0u));
        await connection.ExpectAsync(Http2FrameType.Settings); // The client's ACK of our SETTINGS.
        await connection.ExpectAsync(Http2FrameType.Headers, streamId: 1);

        var block = connection.EncodeBlock((":method", "GET"), (":scheme", "http"), (":authority", "x"), (":path", "/pushed"));
        await connection.SendAsync(w => Http2FrameWriter.WritePushPromise(w, 1, 2, block, endHeaders: true));

        var goAway = await connection.ExpectAsync(Http2FrameType.GoAway);
        ((Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(goAway.Payload.AsSpan(4))).ShouldBe(Http2ErrorCode.ProtocolError);
        await Should.ThrowAsync<HttpRequestException>(() => call.WaitAsync(TimeSpan.FromSeconds(10)));
        await Eventually.WaitUntilAsync(() => handler.Pool.ConnectionCount == 0, "the broken connection left the pool");
    }

    [Fact]
    public async Task Idle_h2_connections_are_evicted_like_http1_ones()
    {
        var time = new ObservableTimeProvider();
        var pool = new ConnectionPool(keepAlive: TimeSpan.FromMinutes(1), timeProvider: time);
        var (server, _, client) = await H2Harness.StartAsync(tls: false);
        await using var _s = server;
        using var _c = client;
        using var handler2 = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge], Pool = pool, TimeProvider = time };
        using var client2 = new HttpClient(handler2);
        server.Enqueue(new MockResponse("x"));
        (await client2.GetStringAsync(H2Harness.Url(server, "/"))).ShouldBe("x");
        pool.IdleConnectionCount.ShouldBe(1);

        pool.CleanupOnce(time.GetUtcNow() + TimeSpan.FromMinutes(2));
        pool.ConnectionCount.ShouldBe(0);
    }

    [Fact]
    public async Task Events_are_the_same_phases_as_on_http1()
    {
        var (server, _, _) = await H2Harness.StartAsync(tls: true);
        await using var _s = server;
        var names = new List<IReadOnlyList<string>>();
        foreach (var protocols in new[] { new[] { Protocol.Http2 }, new[] { Protocol.Http11 } })
        {
            var listener = new RecordingEventListener();
            using var handler = new InstrumentedHandler { Protocols = protocols, EventListener = listener, Certificates = MockKit.Tls.HandshakeCertificates.Localhost() };
            using var client = new HttpClient(handler);
            server.Enqueue(new MockResponse("events"));
            using var response = await client.PostAsync(H2Harness.Url(server, "/"), new StringContent("up"));
            (await response.Content.ReadAsStringAsync()).ShouldBe("events");
            names.Add([.. listener.Events.Select(e => e.Name)]);
        }

        names[0].ShouldBe(names[1]);
        names[0].ShouldContain("ResponseBodyEnd");
        names[0][^1].ShouldBe("CallEnd");
    }
}

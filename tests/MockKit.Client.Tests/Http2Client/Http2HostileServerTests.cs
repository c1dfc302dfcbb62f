using System.Buffers.Binary;
using MockKit.Client.Connections;
using MockKit.Http2;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>
/// A hostile HTTP/2 server cannot make the client do unbounded work: the response header list is
/// limited (announced in SETTINGS_MAX_HEADER_LIST_SIZE, enforced on decode), informational
/// responses are capped per exchange, and floods of cheap frames end the connection with GOAWAY
/// ENHANCE_YOUR_CALM. None of these guards looks at a clock.
/// </summary>
public sealed class Http2HostileServerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_client_preface_announces_its_header_list_limit()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        var call = client.GetAsync(peer.Url("/"));
        var connection = await peer.AcceptAsync();

        var settings = Settings(connection.ClientSettings!.Payload);
        settings.ShouldContainKeyAndValue(Http2SettingId.MaxHeaderListSize, (uint)Http2Connection.MaxResponseHeaderListSize);
        await connection.ExpectAsync(Http2FrameType.Headers, 1);
        await connection.SendHeadersAsync(1, endStream: true, (":status", "204"));
        using var response = await call.WaitAsync(Deadline);
    }

    [Fact]
    public async Task A_response_header_list_over_the_limit_fails_its_call_and_resets_only_its_stream()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        var call = client.GetAsync(peer.Url("/huge"));
        var connection = await peer.AcceptAsync();
        await connection.ExpectAsync(Http2FrameType.Headers, 1);

        // 80 KiB of fields in HEADERS + CONTINUATION frames.
        var fields = new List<(string, string)> { (":status", "200") };
        for (var i = 0; i < 20; i++)
        {
            fields.Add(($"x-big-{i}", new string('v', 4096)));
        }

        await connection.SendHeadersAsync(1, endStream: true, [.. fields]);

        var failure = await Should.ThrowAsync<HttpRequestException>(() => call.WaitAsync(Deadline));
        failure.ToString().ShouldContain("header list");
        failure.ToString().ShouldContain(Http2Connection.MaxResponseHeaderListSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await connection.ExpectAsync(Http2FrameType.RstStream, 1);

        // The HPACK context survived: the connection serves the next call.
        var next = client.GetAsync(peer.Url("/next"));
        await connection.ExpectAsync(Http2FrameType.Headers, 3);
        await connection.SendHeadersAsync(3, endStream: true, (":status", "204"), ("x-small", "ok"));
        using var response = await next.WaitAsync(Deadline);
        response.Headers.GetValues("x-small").ShouldBe(["ok"]);
        handler.Pool.ConnectionCount.ShouldBe(1);
    }

    [Theory]
    [InlineData(InstrumentedHandler.MaxInformationalResponses, true)]
    [InlineData(InstrumentedHandler.MaxInformationalResponses + 1, false)]
    public async Task Informational_responses_are_capped_per_exchange(int count, bool succeeds)
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        var call = client.GetAsync(peer.Url("/"));
        var connection = await peer.AcceptAsync();
        await connection.ExpectAsync(Http2FrameType.Headers, 1);
        for (var i = 0; i < count; i++)
        {
            await connection.SendHeadersAsync(1, endStream: false, (":status", "103"), ("link", "</a.css>; rel=preload"));
        }

        await connection.SendHeadersAsync(1, endStream: true, (":status", "204"));

        if (succeeds)
        {
            using var response = await call.WaitAsync(Deadline);
            ((int)response.StatusCode).ShouldBe(204);
        }
        else
        {
            var failure = await Should.ThrowAsync<HttpRequestException>(() => call.WaitAsync(Deadline));
            failure.ToString().ShouldContain("informational");
            var reset = await connection.ExpectAsync(Http2FrameType.RstStream, 1);
            ((Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(reset.Payload)).ShouldBe(Http2ErrorCode.EnhanceYourCalm);
        }
    }

    public enum Flood
    {
        Ping,
        Settings,
        ResetClosedStream,
        EmptyData,
        WindowUpdate,
    }

    [Theory]
    [InlineData(Flood.Ping)]
    [InlineData(Flood.Settings)]
    [InlineData(Flood.ResetClosedStream)]
    [InlineData(Flood.EmptyData)]
    [InlineData(Flood.WindowUpdate)]
    public async Task A_flood_of_cheap_frames_ends_the_connection_with_enhance_your_calm(Flood flood)
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge], ReadTimeout = Timeout.InfiniteTimeSpan };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };

        // One complete exchange first (stream 1), then stream 3 stays open for the empty-DATA flood.
        var first = client.GetStringAsync(peer.Url("/first"));
        var connection = await peer.AcceptAsync();
        await connection.ExpectAsync(Http2FrameType.Headers, 1);
        await connection.SendHeadersAsync(1, endStream: true, (":status", "200"));
        (await first.WaitAsync(Deadline)).ShouldBe(string.Empty);
        var open = client.GetAsync(peer.Url("/open"), HttpCompletionOption.ResponseHeadersRead);
        await connection.ExpectAsync(Http2FrameType.Headers, 3);
        await connection.SendHeadersAsync(3, endStream: false, (":status", "200"));
        using var openResponse = await open.WaitAsync(Deadline);

        const int Frames = 20_000;
        await connection.SendAsync(w =>
        {
            for (var i = 0; i < Frames; i++)
            {
                switch (flood)
                {
                    case Flood.Ping:
                        Http2FrameWriter.WritePing(w, (ulong)i);
                        break;
                    case Flood.Settings:
                        Http2FrameWriter.WriteSettings(w, []);
                        break;
                    case Flood.ResetClosedStream:
                        Http2FrameWriter.WriteRstStream(w, 1, Http2ErrorCode.Cancel);
                        break;
                    case Flood.EmptyData:
                        Http2FrameWriter.WriteData(w, 3, [], endStream: false);
                        break;
                    case Flood.WindowUpdate:
                        Http2FrameWriter.WriteWindowUpdate(w, 0, 1);
                        break;
                }
            }
        });

        var goAway = await connection.ExpectAsync(Http2FrameType.GoAway);
        ((Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(goAway.Payload.AsSpan(4))).ShouldBe(Http2ErrorCode.EnhanceYourCalm);
        await Support.Eventually.WaitUntilAsync(() => handler.Pool.Connections.All(c => c.NoNewExchanges), "the connection is no longer handed out", Deadline);
    }

    [Fact]
    public async Task Many_exchanges_with_the_usual_control_frames_never_trip_the_flood_guard()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        Http2ServerPeer.Connection? connection = null;
        for (var i = 0; i < 300; i++)
        {
            var streamId = (2 * i) + 1;
            var call = client.GetStringAsync(peer.Url("/"));
            connection ??= await peer.AcceptAsync();
            await connection.ExpectAsync(Http2FrameType.Headers, streamId);

            // Per exchange: a PING, a SETTINGS, window updates, an informational response and an
            // RST_STREAM(NO_ERROR) after the end, which a busy but well-behaved server may all send.
            await connection.SendAsync(w =>
            {
                Http2FrameWriter.WritePing(w, (ulong)i);
                Http2FrameWriter.WriteSettings(w, []);
                Http2FrameWriter.WriteWindowUpdate(w, 0, 1);
                Http2FrameWriter.WriteWindowUpdate(w, streamId, 1);
            });
            await connection.SendHeadersAsync(streamId, endStream: false, (":status", "100"));
            await connection.SendHeadersAsync(streamId, endStream: false, (":status", "200"));
            await connection.SendAsync(w =>
            {
                Http2FrameWriter.WriteData(w, streamId, "ok"u8, endStream: true);
                Http2FrameWriter.WriteRstStream(w, streamId, Http2ErrorCode.NoError);
            });
            (await call.WaitAsync(Deadline)).ShouldBe("ok");
        }

        connection!.Skipped.ShouldNotContain(f => f.Header.Type == Http2FrameType.GoAway);
        handler.Pool.Connections.ShouldHaveSingleItem().NoNewExchanges.ShouldBeFalse();
    }

    private static Dictionary<Http2SettingId, uint> Settings(byte[] payload)
    {
        var result = new Dictionary<Http2SettingId, uint>();
        for (var i = 0; i + 6 <= payload.Length; i += 6)
        {
            result[(Http2SettingId)BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(i))] = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(i + 2));
        }

        return result;
    }
}

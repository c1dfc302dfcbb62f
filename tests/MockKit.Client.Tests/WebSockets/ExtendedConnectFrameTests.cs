using System.Buffers.Binary;
using System.Net;
using System.Net.WebSockets;
using MockKit.Client.Tests.Http2Client;
using MockKit.Http2;

namespace MockKit.Client.Tests.WebSockets;

/// <summary>
/// RFC 8441 at the frame level, against a scripted HTTP/2 server: the client sends an extended
/// CONNECT only after SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, with the pseudo-headers of section 4 and
/// the stream left open; the stream then carries DATA both ways under flow control; a server
/// without the setting fails the call clearly (no downgrade), and illegal uses of the setting are
/// connection errors (section 3).
/// </summary>
public sealed class ExtendedConnectFrameTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static readonly Http2Setting ConnectProtocol = new(Http2SettingId.EnableConnectProtocol, 1);

    private static HttpRequestMessage ExtendedConnect(Uri url) => new(HttpMethod.Connect, url)
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Headers = { Protocol = "websocket" },
    };

    [Fact]
    public async Task A_server_without_the_setting_fails_the_websocket_clearly_and_keeps_the_connection()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        var connect = socket.ConnectAsync(new Uri($"ws://127.0.0.1:{peer.Port}/chat"), new HttpMessageInvoker(handler, disposeHandler: false), CancellationToken.None);
        var connection = await peer.AcceptAsync(); // SETTINGS without SETTINGS_ENABLE_CONNECT_PROTOCOL.

        var failure = await Should.ThrowAsync<WebSocketException>(() => connect.WaitAsync(Deadline));
        var cause = failure.InnerException.ShouldBeOfType<HttpRequestException>();
        cause.HttpRequestError.ShouldBe(HttpRequestError.ExtendedConnectNotSupported);
        cause.Message.ShouldContain("SETTINGS_ENABLE_CONNECT_PROTOCOL");

        // Nothing was sent for it (the next request is stream 1), and the connection serves other requests.
        using var client = new HttpClient(handler, disposeHandler: false);
        var get = client.GetAsync(peer.Url("/plain"));
        var headers = await connection.ExpectAsync(Http2FrameType.Headers);
        headers.Header.StreamId.ShouldBe(1);
        connection.Decode(headers).ShouldContain(f => f.Name == ":method" && f.Value == "GET");
        await connection.SendHeadersAsync(1, endStream: true, (":status", "204"));
        using var response = await get.WaitAsync(Deadline);
        handler.Pool.ConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task The_extended_connect_carries_the_rfc_8441_pseudo_headers_and_duplex_data()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        var send = invoker.SendAsync(ExtendedConnect(peer.Url("/chat?room=1")), CancellationToken.None);
        var connection = await peer.AcceptAsync(ConnectProtocol);

        var headers = await connection.ExpectAsync(Http2FrameType.Headers, 1);
        headers.Header.HasFlag(Http2FrameFlags.EndStream).ShouldBeFalse(); // The stream stays open for DATA.
        var fields = connection.Decode(headers).Select(f => (f.Name, f.Value)).ToList();
        fields.Take(5).ShouldBe([(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "http"), (":authority", $"127.0.0.1:{peer.Port}"), (":path", "/chat?room=1")]);

        await connection.SendHeadersAsync(1, endStream: false, (":status", "200"));
        using var response = await send.WaitAsync(Deadline);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        handler.Pool.Connections.Single().ActiveStreams.ShouldBe(1);
        var stream = await response.Content.ReadAsStreamAsync();
        stream.CanRead.ShouldBeTrue();
        stream.CanWrite.ShouldBeTrue();

        await connection.SendAsync(w => Http2FrameWriter.WriteData(w, 1, "from server"u8, endStream: false));
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Deadline);
        System.Text.Encoding.ASCII.GetString(buffer, 0, read).ShouldBe("from server");

        await stream.WriteAsync("from client"u8.ToArray()).AsTask().WaitAsync(Deadline);
        var data = await connection.ExpectAsync(Http2FrameType.Data, 1);
        data.Payload.ShouldBe("from client"u8.ToArray());
        data.Header.HasFlag(Http2FrameFlags.EndStream).ShouldBeFalse();

        // Disposing while the server's side is still open abandons the stream and frees the slot.
        await stream.DisposeAsync();
        var reset = await connection.ExpectAsync(Http2FrameType.RstStream, 1);
        ((Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(reset.Payload)).ShouldBe(Http2ErrorCode.Cancel);
        handler.Pool.Connections.Single().ActiveStreams.ShouldBe(0);
        handler.Pool.ConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task Writes_on_the_duplex_stream_wait_for_flow_control_credit()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        var send = invoker.SendAsync(ExtendedConnect(peer.Url("/chat")), CancellationToken.None);
        var connection = await peer.AcceptAsync(ConnectProtocol, new Http2Setting(Http2SettingId.InitialWindowSize, 4));
        await connection.ExpectAsync(Http2FrameType.Headers, 1);
        await connection.SendHeadersAsync(1, endStream: false, (":status", "200"));
        using var response = await send.WaitAsync(Deadline);
        var stream = await response.Content.ReadAsStreamAsync();

        var write = stream.WriteAsync("0123456789"u8.ToArray()).AsTask();
        (await connection.ExpectAsync(Http2FrameType.Data, 1)).Payload.ShouldBe("0123"u8.ToArray());
        write.IsCompleted.ShouldBeFalse(); // Six bytes wait for the stream window.

        await connection.SendAsync(w => Http2FrameWriter.WriteWindowUpdate(w, 1, 6));
        (await connection.ExpectAsync(Http2FrameType.Data, 1)).Payload.ShouldBe("456789"u8.ToArray());
        await write.WaitAsync(Deadline);
        await stream.DisposeAsync();
    }

    [Fact]
    public async Task A_setting_value_other_than_0_or_1_is_a_connection_error()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        var get = client.GetAsync(peer.Url("/"));
        var connection = await peer.AcceptAsync();
        await connection.ExpectAsync(Http2FrameType.Headers, 1);

        await connection.SendAsync(w => Http2FrameWriter.WriteSettings(w, [new Http2Setting(Http2SettingId.EnableConnectProtocol, 2)]));

        var goAway = await connection.ExpectAsync(Http2FrameType.GoAway);
        ((Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(goAway.Payload.AsSpan(4))).ShouldBe(Http2ErrorCode.ProtocolError);
        await Should.ThrowAsync<HttpRequestException>(() => get.WaitAsync(Deadline));
    }

    [Fact]
    public async Task Withdrawing_the_setting_after_1_is_a_connection_error()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        var get = client.GetAsync(peer.Url("/"));
        var connection = await peer.AcceptAsync(ConnectProtocol);
        await connection.ExpectAsync(Http2FrameType.Headers, 1);

        await connection.SendAsync(w => Http2FrameWriter.WriteSettings(w, [new Http2Setting(Http2SettingId.EnableConnectProtocol, 0)]));

        var goAway = await connection.ExpectAsync(Http2FrameType.GoAway);
        ((Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(goAway.Payload.AsSpan(4))).ShouldBe(Http2ErrorCode.ProtocolError);
        await Should.ThrowAsync<HttpRequestException>(() => get.WaitAsync(Deadline));
    }

    [Fact]
    public async Task After_the_server_ended_its_side_disposing_ends_ours_with_end_stream()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        var send = invoker.SendAsync(ExtendedConnect(peer.Url("/chat")), CancellationToken.None);
        var connection = await peer.AcceptAsync(ConnectProtocol);
        await connection.ExpectAsync(Http2FrameType.Headers, 1);
        await connection.SendHeadersAsync(1, endStream: false, (":status", "200"));
        using var response = await send.WaitAsync(Deadline);
        var stream = await response.Content.ReadAsStreamAsync();

        await connection.SendAsync(w => Http2FrameWriter.WriteData(w, 1, "last"u8, endStream: true));
        using var reader = new StreamReader(stream, leaveOpen: true);
        (await reader.ReadToEndAsync().WaitAsync(Deadline)).ShouldBe("last");
        handler.Pool.Connections.Single().ActiveStreams.ShouldBe(1); // Still ours to write on until disposed.
        await stream.WriteAsync("still writable"u8.ToArray()).AsTask().WaitAsync(Deadline);
        (await connection.ExpectAsync(Http2FrameType.Data, 1)).Payload.ShouldBe("still writable"u8.ToArray());

        await stream.DisposeAsync();

        var end = await connection.ExpectAsync(Http2FrameType.Data, 1);
        end.Header.HasFlag(Http2FrameFlags.EndStream).ShouldBeTrue();
        end.Payload.ShouldBeEmpty();
        connection.Skipped.ShouldNotContain(f => f.Header.Type == Http2FrameType.RstStream);
        handler.Pool.Connections.Single().ActiveStreams.ShouldBe(0);
        handler.Pool.Connections.Single().CompletedExchanges.ShouldBe(1);
    }

    [Fact]
    public async Task A_refused_extended_connect_is_an_ordinary_response_and_ends_our_side()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        var send = invoker.SendAsync(ExtendedConnect(peer.Url("/chat")), CancellationToken.None);
        var connection = await peer.AcceptAsync(ConnectProtocol);
        await connection.ExpectAsync(Http2FrameType.Headers, 1);

        await connection.SendHeadersAsync(1, endStream: false, (":status", "403"));
        using (var response = await send.WaitAsync(Deadline))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            response.Content.ReadAsStream().CanWrite.ShouldBeFalse(); // Not a tunnel: an ordinary body.
            var end = await connection.ExpectAsync(Http2FrameType.Data, 1); // Our side ended at the head.
            end.Header.HasFlag(Http2FrameFlags.EndStream).ShouldBeTrue();
            await connection.SendAsync(w => Http2FrameWriter.WriteData(w, 1, "no"u8, endStream: true));
            (await response.Content.ReadAsStringAsync().WaitAsync(Deadline)).ShouldBe("no");
        }

        handler.Pool.Connections.Single().ActiveStreams.ShouldBe(0);
        handler.Pool.Connections.Single().CompletedExchanges.ShouldBe(1);
        connection.Skipped.ShouldNotContain(f => f.Header.Type == Http2FrameType.RstStream);
    }

    [Fact]
    public async Task A_refused_websocket_reports_the_status_and_frees_its_stream()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        var connect = socket.ConnectAsync(new Uri($"ws://127.0.0.1:{peer.Port}/chat"), new HttpMessageInvoker(handler, disposeHandler: false), CancellationToken.None);
        var connection = await peer.AcceptAsync(ConnectProtocol);
        await connection.ExpectAsync(Http2FrameType.Headers, 1);

        await connection.SendHeadersAsync(1, endStream: true, (":status", "403"));

        await Should.ThrowAsync<WebSocketException>(() => connect.WaitAsync(Deadline));
        socket.HttpStatusCode.ShouldBe(HttpStatusCode.Forbidden);
        await Support.Eventually.WaitUntilAsync(() => handler.Pool.Connections.Single().ActiveStreams == 0, "the stream is released");
        handler.Pool.ConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task An_extended_connect_with_request_content_is_refused_before_anything_is_sent()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        var request = ExtendedConnect(peer.Url("/chat"));
        request.Content = new StringContent("early");
        var send = invoker.SendAsync(request, CancellationToken.None);
        var connection = await peer.AcceptAsync(ConnectProtocol);

        var failure = await Should.ThrowAsync<HttpRequestException>(() => send.WaitAsync(Deadline));

        failure.Message.ShouldContain("cannot have request content");
        using var client = new HttpClient(handler, disposeHandler: false);
        var get = client.GetAsync(peer.Url("/plain"));
        (await connection.ExpectAsync(Http2FrameType.Headers)).Header.StreamId.ShouldBe(1); // Nothing was sent for the refused one.
        await connection.SendHeadersAsync(1, endStream: true, (":status", "204"));
        using var response = await get.WaitAsync(Deadline);
    }
}

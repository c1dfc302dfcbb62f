using System.Buffers.Binary;
using MockKit.Http2;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>
/// RFC 9113 section 8.2 on the client: a malformed response (a field the section forbids, or a
/// pseudo-header field out of place, section 8.3) is a stream error PROTOCOL_ERROR (section 8.1.1).
/// Only that call fails; the stream is reset and the connection serves the next call.
/// </summary>
public sealed class Http2MalformedResponseTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public static TheoryData<string, (string, string)[]> MalformedHeads => new()
    {
        { "uppercase field name 'X-Upper'", [(":status", "200"), ("X-Upper", "v")] },
        { "connection-specific field 'connection'", [(":status", "200"), ("connection", "close")] },
        { "connection-specific field 'transfer-encoding'", [(":status", "200"), ("transfer-encoding", "chunked")] },
        { "te: gzip", [(":status", "200"), ("te", "gzip")] },
        { "pseudo-header field :path in a response", [(":status", "200"), (":path", "/")] },
        { "pseudo-header field :status after a regular field", [("x-a", "1"), (":status", "200")] },
        { "duplicate :status", [(":status", "200"), (":status", "204")] },
        { "invalid value for 'x-space'", [(":status", "200"), ("x-space", " leading")] },
        { "invalid value for 'x-crlf'", [(":status", "200"), ("x-crlf", "a\r\nb")] },
        { "uppercase field name 'X-Early'", [(":status", "103"), ("X-Early", "1")] },
    };

    [Theory]
    [MemberData(nameof(MalformedHeads))]
    public async Task A_malformed_response_head_fails_its_call_and_resets_only_its_stream(string problem, (string, string)[] fields)
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        var call = client.GetAsync(peer.Url("/malformed"));
        var connection = await peer.AcceptAsync();
        await connection.ExpectAsync(Http2FrameType.Headers, 1);

        await connection.SendHeadersAsync(1, endStream: false, fields);

        var failure = await Should.ThrowAsync<HttpRequestException>(() => call.WaitAsync(Deadline));
        failure.ToString().ShouldContain("Malformed response");
        failure.ToString().ShouldContain(problem);
        var reset = await connection.ExpectAsync(Http2FrameType.RstStream, 1);
        ((Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(reset.Payload)).ShouldBe(Http2ErrorCode.ProtocolError);
        await AssertConnectionStillServesAsync(client, peer, connection);
        handler.Pool.ConnectionCount.ShouldBe(1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Data_before_the_response_head_fails_its_call_and_resets_only_its_stream(bool afterInterimResponse)
    {
        // RFC 9113 section 8.1: the final head comes before any DATA; an interim (1xx) head is not it.
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        var call = client.GetAsync(peer.Url("/early-data"));
        var connection = await peer.AcceptAsync();
        await connection.ExpectAsync(Http2FrameType.Headers, 1);
        if (afterInterimResponse)
        {
            await connection.SendHeadersAsync(1, endStream: false, (":status", "103"), ("link", "</style.css>; rel=preload"));
        }

        await connection.SendAsync(w => Http2FrameWriter.WriteData(w, 1, "early"u8, endStream: false));

        var failure = await Should.ThrowAsync<HttpRequestException>(() => call.WaitAsync(Deadline));
        failure.ToString().ShouldContain("DATA before the response HEADERS");
        var reset = await connection.ExpectAsync(Http2FrameType.RstStream, 1);
        ((Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(reset.Payload)).ShouldBe(Http2ErrorCode.ProtocolError);
        await AssertConnectionStillServesAsync(client, peer, connection);
        handler.Pool.ConnectionCount.ShouldBe(1);
    }

    [Theory]
    [InlineData("te", "gzip", "te: gzip")]
    [InlineData(":status", "abc", "without a valid :status")]
    public async Task A_malformed_response_that_ends_its_stream_fails_its_call_instead_of_leaving_it_waiting(string name, string value, string problem)
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge], ReadTimeout = Timeout.InfiniteTimeSpan };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var call = client.GetAsync(peer.Url("/ended"));
        var connection = await peer.AcceptAsync();
        await connection.ExpectAsync(Http2FrameType.Headers, 1);

        await connection.SendHeadersAsync(1, endStream: true, name == ":status" ? [(name, value)] : [(":status", "200"), (name, value)]);

        var failure = await Should.ThrowAsync<HttpRequestException>(() => call.WaitAsync(Deadline));
        failure.ToString().ShouldContain(problem);
        await AssertConnectionStillServesAsync(client, peer, connection);
    }

    [Fact]
    public async Task Trailers_with_a_pseudo_header_field_fail_the_call_without_a_reset_of_the_closed_stream()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        var call = client.GetStringAsync(peer.Url("/trailers"));
        var connection = await peer.AcceptAsync();
        await connection.ExpectAsync(Http2FrameType.Headers, 1);

        await connection.SendHeadersAsync(1, endStream: false, (":status", "200"));
        await connection.SendAsync(w => Http2FrameWriter.WriteData(w, 1, "body"u8, endStream: false));
        await connection.SendHeadersAsync(1, endStream: true, (":status", "200"), ("x-trailer", "t"));

        var failure = await Should.ThrowAsync<HttpRequestException>(() => call.WaitAsync(Deadline));
        failure.ToString().ShouldContain("pseudo-header field :status in trailers");
        await AssertConnectionStillServesAsync(client, peer, connection);
        connection.Skipped.ShouldNotContain(f => f.Header.Type == Http2FrameType.RstStream); // Section 5.1: END_STREAM closed it.
    }

    [Fact]
    public async Task A_well_formed_response_with_te_trailers_and_interim_responses_is_accepted()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        var call = client.GetAsync(peer.Url("/fine"));
        var connection = await peer.AcceptAsync();
        await connection.ExpectAsync(Http2FrameType.Headers, 1);

        await connection.SendHeadersAsync(1, endStream: false, (":status", "103"), ("link", "</a.css>; rel=preload"));
        await connection.SendHeadersAsync(1, endStream: false, (":status", "200"), ("te", "trailers"), ("x-inner", "a b"));
        await connection.SendAsync(w => Http2FrameWriter.WriteData(w, 1, "ok"u8, endStream: false));
        await connection.SendHeadersAsync(1, endStream: true, ("x-trailer", "t"));

        using var response = await call.WaitAsync(Deadline);
        (await response.Content.ReadAsStringAsync()).ShouldBe("ok");
        response.Headers.GetValues("x-inner").ShouldBe(["a b"]);
    }

    private static async Task AssertConnectionStillServesAsync(HttpClient client, Http2ServerPeer peer, Http2ServerPeer.Connection connection)
    {
        var next = client.GetAsync(peer.Url("/next"));
        await connection.ExpectAsync(Http2FrameType.Headers, 3);
        await connection.SendHeadersAsync(3, endStream: true, (":status", "204"));
        using var response = await next.WaitAsync(Deadline);
        ((int)response.StatusCode).ShouldBe(204);
    }
}

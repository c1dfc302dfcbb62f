using System.Buffers;
using MockKit.Http1;
using MockKit.MockServer.Http2;

namespace MockKit.MockServer;

/// <summary>
/// A response whose framing is broken on purpose, set on <see cref="MockResponse.Malformed"/>: the
/// server writes the response with this fault in place of its correct head or body framing, so a
/// test can check how the client under test reports a server that does not speak the protocol.
/// Instances are immutable and compare by value.
/// </summary>
/// <remarks>
/// <para>The request is read, recorded and dispatched as usual; only the writing changes.
/// <see cref="MockResponse.HeadersDelay"/> and <see cref="MockResponse.InformationalResponses"/> still
/// apply; the head and body then go out in one write, so <see cref="MockResponse.Throttle"/>,
/// <see cref="MockResponse.BodyDelay"/>, <see cref="MockResponse.OnResponseBody"/>,
/// <see cref="MockResponse.ChunkSize"/> and <see cref="MockResponse.Trailers"/> do not. Only the
/// bytes of <see cref="MockResponse.Body"/> are used (a streamed body, a forwarded one, is not relayed).
/// A <see cref="MockResponse.WebSocketHandler"/> or <see cref="MockResponse.DuplexHandler"/> response
/// is written without the fault.</para>
/// <para>HTTP/1.1: after the bytes the server closes the connection (a client cannot know where
/// the next response would start). HTTP/2: the fault is this stream's frames, after which the server
/// considers its side of the stream ended; a fault the client must treat as a connection error ends
/// the connection (the client sends GOAWAY), otherwise the client resets only the stream
/// (RFC 9113 section 8.1.1: a malformed response is a stream error of type PROTOCOL_ERROR) and other
/// streams go on.</para>
/// </remarks>
public abstract partial record MalformedResponse
{
    private protected MalformedResponse(string name)
    {
        Name = name;
    }

    /// <summary>The fault's name as used in logs, e.g. <c>BadChunkSize</c>.</summary>
    public string Name { get; }

    /// <summary>
    /// A chunk size that is not hexadecimal. HTTP/1.1: the head says <c>Transfer-Encoding: chunked</c>
    /// and the first chunk-size line reads <c>zz</c> (RFC 9112 section 7.1: <c>chunk-size = 1*HEXDIG</c>),
    /// followed by the body, the chunk's CRLF and the last chunk. HTTP/2 has no chunked coding; its
    /// nearest length field is a DATA frame's Pad Length: the body (at most 254 bytes of it) goes in
    /// one padded DATA frame whose Pad Length, 255, is not smaller than the frame payload, which
    /// section 6.1 makes a connection error of type PROTOCOL_ERROR.
    /// </summary>
    public static MalformedResponse BadChunkSize { get; } = new BadChunkSizeFault();

    /// <summary>
    /// A chunk shorter than its size. HTTP/1.1: the head says <c>Transfer-Encoding: chunked</c>, the
    /// first chunk-size line declares the whole body (16 bytes for an empty body) but only the first
    /// half of it follows, then the connection closes: the client's body ends early. HTTP/2's
    /// length-prefixed unit is the frame: the HEADERS say <c>content-length</c> of the whole body, a
    /// DATA frame header (END_STREAM) declares the whole body (16 bytes for an empty body; at most the
    /// client's SETTINGS_MAX_FRAME_SIZE) but only the first half of it follows, then the connection
    /// closes in the middle of the frame (every stream on it ends).
    /// </summary>
    public static MalformedResponse TruncatedChunk { get; } = new TruncatedChunkFault();

    /// <summary>
    /// A header line without a colon. HTTP/1.1: after the scripted fields the head carries the line
    /// <c>X-Malformed header line without a colon</c> (RFC 9112 section 5: <c>field-line = field-name ":"
    /// OWS field-value OWS</c>), then the body framed by <c>Content-Length</c> as usual. HTTP/2 field
    /// blocks have no lines to break; the nearest fault is a field the client must refuse: a
    /// pseudo-header field after the regular fields (<c>:malformed</c>, section 8.3: pseudo-header fields
    /// must come first and only the defined ones may be sent), which makes the response malformed.
    /// </summary>
    public static MalformedResponse HeaderWithoutColon { get; } = new HeaderWithoutColonFault();

    /// <summary>
    /// More body than declared. HTTP/1.1: <c>Content-Length</c> declares the body, and 16 more bytes
    /// (<c>past-the-length!</c>) follow it in the same write; then the connection closes. A client reads
    /// exactly the declared length (RFC 9112 section 6.3) and must not reuse the connection, so the call
    /// itself succeeds: the fault shows as a connection not reused. HTTP/2: <c>content-length</c>
    /// declares the body and DATA with END_STREAM carries those 16 more bytes, which section 8.1.1
    /// makes malformed (InstrumentedHandler resets the stream with PROTOCOL_ERROR; SocketsHttpHandler
    /// does not compare the two and hands over every byte).
    /// </summary>
    public static MalformedResponse DataPastContentLength { get; } = new DataPastContentLengthFault();

    /// <summary>
    /// Raw bytes in place of the head. HTTP/1.1: <paramref name="head"/> is written instead of the
    /// status line and fields (include the blank line that ends a head, or not), followed by the body
    /// bytes with no framing added. HTTP/2: <paramref name="head"/> is the HEADERS frame's field block,
    /// sent as given (not HPACK-encoded, END_HEADERS set), followed by the body in DATA with END_STREAM.
    /// </summary>
    /// <param name="head">The bytes to send.</param>
    /// <returns>The fault.</returns>
    public static MalformedResponse RawHead(ReadOnlyMemory<byte> head) => new RawHeadFault(head);

    /// <summary>
    /// Raw bytes in place of the framed body. HTTP/1.1: the head goes out as usual (with
    /// <c>Content-Length</c> of <see cref="MockResponse.Body"/> unless <see cref="MockResponse.Headers"/>
    /// set <c>Content-Length</c> or <c>Transfer-Encoding</c>), then <paramref name="body"/> as given
    /// (e.g. hand-made chunks under a scripted <c>Transfer-Encoding: chunked</c>). HTTP/2: the HEADERS
    /// go out as usual, then <paramref name="body"/> is written on the connection as given: whole frames
    /// the test composed (9-byte frame headers included), not counted against flow control.
    /// </summary>
    /// <param name="body">The bytes to send.</param>
    /// <returns>The fault.</returns>
    public static MalformedResponse RawBody(ReadOnlyMemory<byte> body) => new RawBodyFault(body);

    /// <summary>Writes the whole HTTP/1.1 response with this fault.</summary>
    /// <param name="output">Where the bytes go.</param>
    /// <param name="response">The scripted response.</param>
    /// <param name="body">The body bytes to send (empty for a response to HEAD).</param>
    internal abstract void WriteHttp1(IBufferWriter<byte> output, MockResponse response, ReadOnlySpan<byte> body);

    /// <summary>The DATA payload bytes <see cref="WriteHttp2"/> sends for a body of that length (flow-control credit to take first).</summary>
    internal abstract int Http2DataLength(int bodyLength);

    /// <summary>True when the server closes the HTTP/2 connection after the fault (its frames leave the connection unreadable).</summary>
    internal virtual bool Http2EndsConnection => false;

    /// <summary>Writes the stream's frames with this fault (writer loop; the credit of <see cref="Http2DataLength"/> is taken).</summary>
    internal abstract void WriteHttp2(IBufferWriter<byte> output, Http2FaultFrames frames);

    /// <inheritdoc />
    public sealed override string ToString() => Name;

    /// <summary>The status line and the scripted fields, minus framing fields, plus the fault's framing field.</summary>
    private static void WriteHead(IBufferWriter<byte> output, MockResponse response, string framingName, string framingValue)
    {
        Http1Writer.WriteStatusLine(output, Protocol.Http11, response.Code, response.EffectiveReason);
        foreach (var (name, value) in response.Headers)
        {
            if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && !name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                Http1Writer.WriteField(output, name, value);
            }
        }

        Http1Writer.WriteField(output, framingName, framingValue);
    }
}

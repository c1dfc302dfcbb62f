using System.Buffers;
using System.Globalization;
using MockKit.Http1;
using MockKit.Http2;
using MockKit.MockServer.Http2;

namespace MockKit.MockServer;

/// <summary>The named faults, each writing itself for both protocols (the writers hold no switch over them).</summary>
public abstract partial record MalformedResponse
{
    // What an empty body's truncated chunk declares, and what goes past a Content-Length.
    private const int EmptyBodyDeclared = 16;
    private static ReadOnlySpan<byte> PastTheLength => "past-the-length!"u8;

    private sealed record BadChunkSizeFault() : MalformedResponse(nameof(BadChunkSize))
    {
        // Section 6.1: a Pad Length octet of 255 is not smaller than a payload of at most 255 octets.
        private const int MaxData = 254;

        internal override void WriteHttp1(IBufferWriter<byte> output, MockResponse response, ReadOnlySpan<byte> body)
        {
            WriteHead(output, response, "Transfer-Encoding", "chunked");
            output.Write("\r\nzz\r\n"u8);
            output.Write(body);
            output.Write("\r\n0\r\n\r\n"u8);
        }

        internal override int Http2DataLength(int bodyLength) => 1 + Math.Min(bodyLength, MaxData);

        internal override void WriteHttp2(IBufferWriter<byte> output, Http2FaultFrames frames)
        {
            frames.WriteHeaders(output, frames.Fields);
            var data = frames.Body[..Math.Min(frames.Body.Length, MaxData)];
            var payload = new byte[1 + data.Length];
            payload[0] = byte.MaxValue;
            data.CopyTo(payload.AsSpan(1));
            Http2FrameWriter.WriteFrame(output, Http2FrameType.Data, Http2FrameFlags.Padded | Http2FrameFlags.EndStream, frames.StreamId, payload);
        }
    }

    private sealed record TruncatedChunkFault() : MalformedResponse(nameof(TruncatedChunk))
    {
        internal override void WriteHttp1(IBufferWriter<byte> output, MockResponse response, ReadOnlySpan<byte> body)
        {
            WriteHead(output, response, "Transfer-Encoding", "chunked");
            output.Write("\r\n"u8);
            Http1Writer.WriteChunkHeader(output, Declared(body.Length));
            output.Write(body[..(body.Length / 2)]);
        }

        internal override int Http2DataLength(int bodyLength) => bodyLength / 2;

        internal override bool Http2EndsConnection => true;

        internal override void WriteHttp2(IBufferWriter<byte> output, Http2FaultFrames frames)
        {
            // The frame header declares the whole body; half of it follows, then the connection closes.
            var declared = Math.Min(Declared(frames.Body.Length), frames.MaxFrameSize);
            frames.WriteHeaders(output, frames.WithContentLength(declared));
            var sent = frames.Body[..(Math.Min(frames.Body.Length, declared) / 2)];
            var span = output.GetSpan(Http2Constants.FrameHeaderSize);
            new Http2FrameHeader(declared, Http2FrameType.Data, Http2FrameFlags.EndStream, frames.StreamId).WriteTo(span);
            output.Advance(Http2Constants.FrameHeaderSize);
            output.Write(sent);
        }

        private static int Declared(int bodyLength) => bodyLength > 0 ? bodyLength : EmptyBodyDeclared;
    }

    private sealed record HeaderWithoutColonFault() : MalformedResponse(nameof(HeaderWithoutColon))
    {
        internal override void WriteHttp1(IBufferWriter<byte> output, MockResponse response, ReadOnlySpan<byte> body)
        {
            WriteHead(output, response, "Content-Length", body.Length.ToString(CultureInfo.InvariantCulture));
            output.Write("X-Malformed header line without a colon\r\n\r\n"u8);
            output.Write(body);
        }

        internal override int Http2DataLength(int bodyLength) => bodyLength;

        internal override void WriteHttp2(IBufferWriter<byte> output, Http2FaultFrames frames)
        {
            var fields = frames.WithContentLength(frames.Body.Length);
            fields.Add(new(":malformed", "pseudo-header field after the regular fields"));
            frames.WriteHeaders(output, fields);
            frames.WriteData(output, frames.Body);
        }
    }

    private sealed record DataPastContentLengthFault() : MalformedResponse(nameof(DataPastContentLength))
    {
        internal override void WriteHttp1(IBufferWriter<byte> output, MockResponse response, ReadOnlySpan<byte> body)
        {
            WriteHead(output, response, "Content-Length", body.Length.ToString(CultureInfo.InvariantCulture));
            output.Write("\r\n"u8);
            output.Write(body);
            output.Write(PastTheLength);
        }

        internal override int Http2DataLength(int bodyLength) => bodyLength + PastTheLength.Length;

        internal override void WriteHttp2(IBufferWriter<byte> output, Http2FaultFrames frames)
        {
            frames.WriteHeaders(output, frames.WithContentLength(frames.Body.Length));
            var data = new byte[frames.Body.Length + PastTheLength.Length];
            frames.Body.CopyTo(data);
            PastTheLength.CopyTo(data.AsSpan(frames.Body.Length));
            frames.WriteData(output, data);
        }
    }

    private sealed record RawHeadFault(ReadOnlyMemory<byte> Head) : MalformedResponse(nameof(RawHead))
    {
        internal override void WriteHttp1(IBufferWriter<byte> output, MockResponse response, ReadOnlySpan<byte> body)
        {
            output.Write(Head.Span);
            output.Write(body);
        }

        internal override int Http2DataLength(int bodyLength) => bodyLength;

        internal override void WriteHttp2(IBufferWriter<byte> output, Http2FaultFrames frames)
        {
            frames.WriteRawHeaders(output, Head.Span);
            frames.WriteData(output, frames.Body);
        }
    }

    private sealed record RawBodyFault(ReadOnlyMemory<byte> Body) : MalformedResponse(nameof(RawBody))
    {
        internal override void WriteHttp1(IBufferWriter<byte> output, MockResponse response, ReadOnlySpan<byte> body)
        {
            Http1Writer.WriteStatusLine(output, Protocol.Http11, response.Code, response.EffectiveReason);
            foreach (var (name, value) in response.Headers)
            {
                Http1Writer.WriteField(output, name, value);
            }

            if (!response.Headers.Contains("Content-Length") && !response.Headers.Contains("Transfer-Encoding"))
            {
                Http1Writer.WriteField(output, "Content-Length", body.Length.ToString(CultureInfo.InvariantCulture));
            }

            output.Write("\r\n"u8);
            output.Write(Body.Span);
        }

        internal override int Http2DataLength(int bodyLength) => 0;

        internal override void WriteHttp2(IBufferWriter<byte> output, Http2FaultFrames frames)
        {
            frames.WriteHeaders(output, frames.Fields);
            output.Write(Body.Span);
        }
    }
}

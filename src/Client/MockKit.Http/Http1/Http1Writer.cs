using System.Buffers;
using System.Globalization;
using System.Text;

namespace MockKit.Http1;

/// <summary>
/// Writes HTTP/1 message heads and chunk framing (RFC 9112) into a buffer writer. It writes
/// what it is given: validation of names and values is the caller's decision, because the
/// mock server must be able to send deliberately malformed messages to a client under test.
/// </summary>
public static class Http1Writer
{
    /// <summary>Writes <c>method SP target SP version CRLF</c>.</summary>
    public static void WriteRequestLine(IBufferWriter<byte> writer, string method, string target, Protocol version)
    {
        WriteLatin1(writer, method);
        WriteLatin1(writer, " ");
        WriteLatin1(writer, target);
        writer.Write(version == Protocol.Http10 ? " HTTP/1.0\r\n"u8 : " HTTP/1.1\r\n"u8);
    }

    /// <summary>Writes <c>version SP code SP reason CRLF</c>.</summary>
    public static void WriteStatusLine(IBufferWriter<byte> writer, Protocol version, int statusCode, string reason)
    {
        writer.Write(version == Protocol.Http10 ? "HTTP/1.0 "u8 : "HTTP/1.1 "u8);
        WriteLatin1(writer, statusCode.ToString(CultureInfo.InvariantCulture));
        WriteLatin1(writer, " ");
        WriteLatin1(writer, reason);
        writer.Write("\r\n"u8);
    }

    /// <summary>Writes one <c>name: value CRLF</c> field line.</summary>
    public static void WriteField(IBufferWriter<byte> writer, string name, string value)
    {
        WriteLatin1(writer, name);
        writer.Write(": "u8);
        WriteLatin1(writer, value);
        writer.Write("\r\n"u8);
    }

    /// <summary>Writes every field and the empty line that ends the section.</summary>
    public static void WriteFields(IBufferWriter<byte> writer, IEnumerable<KeyValuePair<string, string>> fields)
    {
        foreach (var (name, value) in fields)
        {
            WriteField(writer, name, value);
        }

        writer.Write("\r\n"u8);
    }

    /// <summary>Writes a chunk-size line: the size in hex and CRLF.</summary>
    public static void WriteChunkHeader(IBufferWriter<byte> writer, long size)
    {
        var span = writer.GetSpan(18);
        size.TryFormat(span, out var written, "x", CultureInfo.InvariantCulture);
        span[written++] = (byte)'\r';
        span[written++] = (byte)'\n';
        writer.Advance(written);
    }

    /// <summary>Writes the last chunk, the trailer fields and the final CRLF.</summary>
    public static void WriteLastChunk(IBufferWriter<byte> writer, IEnumerable<KeyValuePair<string, string>> trailers)
    {
        writer.Write("0\r\n"u8);
        WriteFields(writer, trailers);
    }

    private static void WriteLatin1(IBufferWriter<byte> writer, string text)
    {
        var span = writer.GetSpan(text.Length);
        var written = Encoding.Latin1.GetBytes(text, span);
        writer.Advance(written);
    }
}

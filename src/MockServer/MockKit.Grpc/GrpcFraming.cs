using System.Buffers.Binary;
using System.IO.Compression;
using Google.Protobuf;

namespace MockKit.Grpc;

/// <summary>
/// gRPC's Length-Prefixed-Message (PROTOCOL-HTTP2, "Requests"): a Compressed-Flag byte (0 or 1),
/// a four-byte big-endian Message-Length, then the message bytes.
/// </summary>
internal static class GrpcFraming
{
    /// <summary>The prefix before each message: flag + length.</summary>
    public const int PrefixLength = 5;

    /// <summary>One uncompressed message, framed.</summary>
    public static ReadOnlyMemory<byte> Frame(IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var size = message.CalculateSize();
        var framed = new byte[PrefixLength + size];
        framed[0] = 0; // Compressed-Flag: identity (the response carries no grpc-encoding).
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)size);
        message.WriteTo(framed.AsSpan(PrefixLength));
        return framed;
    }

    /// <summary>
    /// Splits <paramref name="body"/> into its messages' payloads, decompressing flagged ones with
    /// <paramref name="encoding"/> (null: identity, gzip supported).
    /// </summary>
    /// <exception cref="InvalidOperationException">The body is cut mid-message, or a flagged message cannot be decoded.</exception>
    public static List<byte[]> Split(ReadOnlySpan<byte> body, string? encoding, string source)
    {
        var messages = new List<byte[]>();
        var offset = 0;
        while (offset < body.Length)
        {
            if (body.Length - offset < PrefixLength)
            {
                throw new InvalidOperationException(
                    $"{source} is truncated: {body.Length - offset} bytes after message {messages.Count} are too few for a gRPC message prefix (5 bytes: flag and length).");
            }

            var flag = body[offset];
            var length = BinaryPrimitives.ReadUInt32BigEndian(body[(offset + 1)..]);
            var available = body.Length - offset - PrefixLength;
            if (length > (uint)available)
            {
                throw new InvalidOperationException(
                    $"{source} is truncated: message {messages.Count} declares {length} bytes but only {available} follow.");
            }

            var payload = body.Slice(offset + PrefixLength, (int)length);
            messages.Add(flag switch
            {
                0 => payload.ToArray(),
                1 => Decompress(payload, encoding, messages.Count, source),
                _ => throw new InvalidOperationException($"{source}: message {messages.Count} has Compressed-Flag {flag}; gRPC allows only 0 or 1."),
            });
            offset += PrefixLength + (int)length;
        }

        return messages;
    }

    /// <summary>Parses one payload as <typeparamref name="T"/>, naming the type and position when it does not parse.</summary>
    public static T Parse<T>(MessageParser<T> parser, byte[] payload, int index, string source)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidOperationException(
                $"{source}: message {index} ({payload.Length} bytes) does not parse as {typeof(T).FullName}: {e.Message}", e);
        }
    }

    private static byte[] Decompress(ReadOnlySpan<byte> payload, string? encoding, int index, string source)
    {
        // PROTOCOL-HTTP2: a set Compressed-Flag means "compressed with the Message-Encoding in grpc-encoding".
        if (encoding is null || encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"{source}: message {index} is flagged compressed, but the request names no grpc-encoding (identity).");
        }

        if (!encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"{source}: message {index} is compressed with grpc-encoding '{encoding}'; only gzip (and identity) can be decoded.");
        }

        try
        {
            using var compressed = new MemoryStream(payload.ToArray(), writable: false);
            using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
            using var plain = new MemoryStream();
            gzip.CopyTo(plain);
            return plain.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidOperationException($"{source}: message {index} is not valid gzip: {e.Message}", e);
        }
    }
}

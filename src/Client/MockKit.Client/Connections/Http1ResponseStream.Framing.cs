using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using MockKit.Http1;

namespace MockKit.Client.Connections;

// Reading the body off the connection's buffer by framing: fixed length (straight into the
// caller's memory when nothing is buffered), chunked through the shared ChunkedBodyDecoder,
// or until the server closes.
internal sealed partial class Http1ResponseStream
{
    private bool BodyComplete() => _kind switch
    {
        Http1BodyKind.None => true,
        Http1BodyKind.ContentLength => _remaining == 0,
        Http1BodyKind.Chunked => Chunked.IsCompleted && _pendingChunkBytes == 0,
        _ => false,
    };

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer)
    {
        switch (_kind)
        {
            case Http1BodyKind.None:
                return 0;

            case Http1BodyKind.ContentLength:
                if (_remaining == 0)
                {
                    return 0;
                }

                var limit = (int)Math.Min(buffer.Length, _remaining);
                var read = Connection.Buffered.Length > 0
                    ? CopyBuffered(buffer.Span[..limit])
                    : await Connection.ReadTransportAsync(buffer[..limit], _exchange).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException(string.Create(CultureInfo.InvariantCulture, $"The response ended after {_bytesRead} of {_bytesRead + _remaining} bytes."));
                }

                _remaining -= read;
                return read;

            case Http1BodyKind.Chunked:
                return await ReadChunkedAsync(buffer).ConfigureAwait(false);

            default:
                return Connection.Buffered.Length > 0
                    ? CopyBuffered(buffer.Span)
                    : await Connection.ReadTransportAsync(buffer, _exchange).ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadChunkedAsync(Memory<byte> buffer)
    {
        while (true)
        {
            if (_pendingChunkBytes > 0)
            {
                var read = CopyBuffered(buffer.Span[..Math.Min(buffer.Length, _pendingChunkBytes)]);
                _pendingChunkBytes -= read;
                return read;
            }

            switch (DecodeBuffered())
            {
                case ChunkedReadResult.Data:
                    continue;
                case ChunkedReadResult.Completed:
                    return 0;
                default:
                    if (await Connection.FillAsync(_exchange).ConfigureAwait(false) == 0)
                    {
                        throw new IOException("The response ended in the middle of its chunked body.");
                    }

                    break;
            }
        }
    }

    // Runs the shared decoder over what is buffered. Chunk data stays in the connection's
    // buffer: everything before it is consumed, and _pendingChunkBytes says how much follows.
    private ChunkedReadResult DecodeBuffered()
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Connection.Buffered));
        var result = Chunked.Read(ref reader, out var data);
        if (result == ChunkedReadResult.Data)
        {
            Connection.Consume((int)(reader.Consumed - data.Length));
            _pendingChunkBytes = (int)data.Length;
            return result;
        }

        Connection.Consume((int)reader.Consumed);
        if (result == ChunkedReadResult.Completed)
        {
            foreach (var (name, value) in Chunked.Trailers)
            {
                _response.TrailingHeaders.TryAddWithoutValidation(name, value);
            }
        }

        return result;
    }

    private int CopyBuffered(Span<byte> destination)
    {
        var buffered = Connection.Buffered.Span;
        var count = Math.Min(buffered.Length, destination.Length);
        buffered[..count].CopyTo(destination);
        Connection.Consume(count);
        return count;
    }
}

using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using MockKit.MockServer;

namespace MockKit.Grpc;

/// <summary>Adapts a typed gRPC handler to the server's duplex streams (request body in, response body out, trailers at the end).</summary>
internal static class GrpcDuplex
{
    public static Func<Stream, Stream, CancellationToken, Task<MockHeaders?>> Create<TRequest, TResponse>(
        Func<IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, CancellationToken, Task<Status>> handler)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>
    {
        var parser = new MessageParser<TRequest>(() => new TRequest());
        return async (requestBody, responseBody, ct) =>
        {
            var reader = new GrpcMessageReader<TRequest>(requestBody, parser);
            var writer = new GrpcMessageWriter<TResponse>(responseBody, ct);
            var trailers = new MockHeaders();
            try
            {
                var status = await handler(reader, writer, ct).ConfigureAwait(false);
                GrpcResponse.AddStatus(trailers, status.StatusCode, status.Detail);
            }
            catch (RpcException e)
            {
                // The handler's way to end with an error and trailing metadata, as in a real service.
                foreach (var entry in e.Trailers)
                {
                    trailers.Add(entry.Key, entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value);
                }

                GrpcResponse.AddStatus(trailers, e.StatusCode, e.Status.Detail);
            }

            return trailers;
        };
    }
}

/// <summary>Request messages read off the live request body, one length-prefixed message at a time.</summary>
internal sealed class GrpcMessageReader<T>(Stream body, MessageParser<T> parser) : IAsyncStreamReader<T>
    where T : IMessage<T>
{
    private readonly byte[] _prefix = new byte[GrpcFraming.PrefixLength];
    private int _index;
    private T? _current;

    public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true yet.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        var read = await body.ReadAtLeastAsync(_prefix, _prefix.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return false; // The client half-closed between messages: the request stream's end.
        }

        if (read < _prefix.Length)
        {
            throw new InvalidOperationException($"The gRPC request stream is truncated: it ended {read} bytes into the prefix of message {_index}.");
        }

        var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(_prefix.AsSpan(1));
        if (length > int.MaxValue - GrpcFraming.PrefixLength)
        {
            throw new InvalidOperationException($"The gRPC request message {_index} declares {length.ToString(CultureInfo.InvariantCulture)} bytes.");
        }

        var framed = new byte[GrpcFraming.PrefixLength + (int)length];
        _prefix.CopyTo(framed, 0);
        var payload = await body.ReadAtLeastAsync(framed.AsMemory(GrpcFraming.PrefixLength), (int)length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (payload < length)
        {
            throw new InvalidOperationException($"The gRPC request stream is truncated: message {_index} declares {length} bytes but the stream ended after {payload}.");
        }

        // A compressed message names its coding only in grpc-encoding, which a duplex handler cannot
        // see: gzip is the one coding gRPC clients use by default.
        var source = "The gRPC request stream";
        var message = GrpcFraming.Split(framed, encoding: "gzip", source)[0];
        _current = GrpcFraming.Parse(parser, message, _index, source);
        _index++;
        return true;
    }
}

/// <summary>Response messages written to the live response body, each framed and flushed.</summary>
internal sealed class GrpcMessageWriter<T>(Stream body, CancellationToken exchangeToken) : IServerStreamWriter<T>
    where T : IMessage<T>
{
    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(exchangeToken, cancellationToken);
        await body.WriteAsync(GrpcFraming.Frame(message), linked.Token).ConfigureAwait(false);
        await body.FlushAsync(linked.Token).ConfigureAwait(false);
    }
}

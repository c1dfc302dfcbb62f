using System.Buffers;
using MockKit.Http1;
using MockKit.MockServer.Recording;
using MockKit.MockServer.Streaming;

namespace MockKit.MockServer.Http1;

/// <summary>What reading a request body produced.</summary>
/// <param name="Recorder">The bytes kept and counted.</param>
/// <param name="ChunkSizes">The first chunk sizes of a chunked body (at most <see cref="Http1ServerSession.MaxRecordedChunkSizes"/>).</param>
/// <param name="Truncated">The client closed the connection before the body ended.</param>
/// <param name="TriggerFired">The OnRequestBody effect whose threshold was reached (reading stopped there).</param>
/// <param name="ParseError">Malformed chunk framing.</param>
/// <param name="Trailers">Trailer fields of a chunked body.</param>
/// <param name="ChunkCount">How many chunks a chunked body had, sizes kept or not.</param>
internal sealed record RequestBodyRead(
    BodyRecorder Recorder,
    IReadOnlyList<int>? ChunkSizes,
    bool Truncated,
    SocketEffect? TriggerFired,
    Http1ParseException? ParseError = null,
    List<KeyValuePair<string, string>>? Trailers = null,
    long ChunkCount = 0);

/// <summary>Request body reading.</summary>
internal sealed partial class Http1ServerSession
{
    /// <summary>
    /// How many chunk sizes of a chunked request body are recorded (the first ones); later chunks
    /// are only counted, so a client streaming tiny chunks cannot grow the recording without bound.
    /// </summary>
    internal const int MaxRecordedChunkSizes = 1024;

    /// <summary>Reads the body into the record and, when streaming, into <paramref name="pipe"/> as it arrives.</summary>
    private async Task<RequestBodyRead> ReadBodyAsync(Http1BodyFraming framing, SocketEffect? trigger, RequestBodyPipe? pipe = null)
    {
        var recorder = new BodyRecorder(_server.BodyLimit, framing.Kind == Http1BodyKind.ContentLength ? framing.Length : -1);
        return framing.Kind switch
        {
            Http1BodyKind.ContentLength => await ReadFixedBodyAsync(recorder, framing.Length, trigger, pipe).ConfigureAwait(false),
            Http1BodyKind.Chunked => await ReadChunkedBodyAsync(recorder, trigger, pipe).ConfigureAwait(false),
            _ => new RequestBodyRead(recorder, null, false, null),
        };
    }

    private async Task<RequestBodyRead> ReadFixedBodyAsync(BodyRecorder recorder, long length, SocketEffect? trigger, RequestBodyPipe? pipe)
    {
        // OnRequestBody fires after half the declared body: read exactly that much, then stop.
        var stopAt = trigger is null ? length : length / 2;
        while (recorder.Size < stopAt)
        {
            var result = await _input.ReadAsync(ShutdownToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var take = Math.Min(buffer.Length, stopAt - recorder.Size);
            recorder.Append(buffer.Slice(0, take));
            pipe?.TryWrite(buffer.Slice(0, take));
            _input.AdvanceTo(buffer.GetPosition(take));
            if (pipe is not null)
            {
                // Waits while the consumer is behind: TCP pushes back on the client meanwhile.
                await pipe.FlushAsync(ShutdownToken).ConfigureAwait(false);
            }

            if (recorder.Size < stopAt && result.IsCompleted)
            {
                return new RequestBodyRead(recorder, null, true, null);
            }
        }

        return new RequestBodyRead(recorder, null, false, trigger);
    }

    private async Task<RequestBodyRead> ReadChunkedBodyAsync(BodyRecorder recorder, SocketEffect? trigger, RequestBodyPipe? pipe)
    {
        var decoder = new ChunkedBodyDecoder(_server.RequestLimits, MaxRecordedChunkSizes);
        while (true)
        {
            var result = await _input.ReadAsync(ShutdownToken).ConfigureAwait(false);
            var reader = new SequenceReader<byte>(result.Buffer);
            try
            {
                while (true)
                {
                    var status = decoder.Read(ref reader, out var data);
                    if (status == ChunkedReadResult.Data)
                    {
                        recorder.Append(data);
                        pipe?.TryWrite(data);

                        // For a chunked body, "half" is unknowable: the trigger fires after the first chunk.
                        if (trigger is not null && decoder.ChunkCount == 1 && recorder.Size == decoder.ChunkSizes[0])
                        {
                            _input.AdvanceTo(reader.Position);
                            return new RequestBodyRead(recorder, decoder.ChunkSizes, false, trigger, ChunkCount: decoder.ChunkCount);
                        }

                        continue;
                    }

                    if (status == ChunkedReadResult.Completed)
                    {
                        _input.AdvanceTo(reader.Position);
                        return new RequestBodyRead(recorder, decoder.ChunkSizes, false, trigger, Trailers: decoder.Trailers, ChunkCount: decoder.ChunkCount);
                    }

                    break;
                }
            }
            catch (Http1ParseException e)
            {
                _input.AdvanceTo(reader.Position);
                return new RequestBodyRead(recorder, decoder.ChunkSizes, false, null, e, ChunkCount: decoder.ChunkCount);
            }

            _input.AdvanceTo(reader.Position, result.Buffer.End);
            if (pipe is not null)
            {
                await pipe.FlushAsync(ShutdownToken).ConfigureAwait(false);
            }

            if (result.IsCompleted)
            {
                return new RequestBodyRead(recorder, decoder.ChunkSizes, true, null, ChunkCount: decoder.ChunkCount);
            }
        }
    }
}

using System.Buffers;
using MockKit.Buffers;
using MockKit.Http1;
using MockKit.MockServer.Policies;
using MockKit.MockServer.Streaming;

namespace MockKit.MockServer.Http1;

/// <summary>
/// A response with a <see cref="MockResponse.DuplexHandler"/>: the head goes out first, then the
/// handler reads the request body as it arrives (through the <see cref="RequestBodyPipe"/> of the
/// exchange's body flow, TCP pushing back on the client while the handler is behind) while it writes
/// a chunked response body. The pipeline (ServerExchange.BodyFlow.cs) records the request when its
/// body ended, and applied OnResponseStart before this writer runs.
/// </summary>
internal sealed partial class Http1ServerSession
{
    /// <summary>Head, then the handler writing a chunked body while it reads <paramref name="requestBody"/>, then the last chunk.</summary>
    /// <returns>True when the response was sent to its end.</returns>
    private async Task<bool> WriteDuplexResponseAsync(Http1RequestHead head, int sequence, MockResponse response, Stream requestBody)
    {
        var triggers = response.Effective;
        var ct = ShutdownToken;
        _connection.State = "duplex: writing the response";
        // A scripted "Transfer-Encoding: chunked" is a promise of chunk framing, kept here (not a
        // licence to write the handler's bytes unframed); a scripted Content-Length or another coding
        // leaves the body as the handler writes it.
        var scriptedChunked = ScriptsChunked(response);
        var fixedLength = !scriptedChunked && (response.Headers.Contains("Content-Length") || response.Headers.Contains("Transfer-Encoding"));
        using (var buffer = new PooledBufferWriter(256))
        {
            Http1Writer.WriteStatusLine(buffer, Protocol.Http11, response.Code, response.EffectiveReason);
            foreach (var (name, value) in response.Headers)
            {
                Http1Writer.WriteField(buffer, name, value);
            }

            if (!fixedLength && !scriptedChunked)
            {
                // RFC 9112 section 7.1: the length is unknown until the handler returns.
                Http1Writer.WriteField(buffer, "Transfer-Encoding", "chunked");
            }

            buffer.Write("\r\n"u8);
            await WriteRawAsync(buffer.WrittenMemory).ConfigureAwait(false);
        }

        Stream sink = _connection.Transport;
        ChunkedEncodingStream? chunked = null;
        if (!fixedLength)
        {
            sink = chunked = new ChunkedEncodingStream(sink, int.MaxValue);
        }

        ResponseBodyTriggerStream? trigger = null;
        if (triggers.OnResponseBody is { } bodyEffect)
        {
            sink = trigger = new ResponseBodyTriggerStream(sink, triggers.OnResponseBodyAfterBytes, bodyEffect, _connection, ct);
        }

        MockHeaders? decided;
        try
        {
            // WaitAsync: a handler that ignores its token must not hold the connection past shutdown.
            decided = await response.RunDuplexAsync(requestBody, sink, ct).WaitAsync(ct).ConfigureAwait(false);
            if (trigger is not null)
            {
                await trigger.CompleteAsync(ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not (ExchangeTerminatedException or OperationCanceledException) && !ct.IsCancellationRequested)
        {
            _server.Log($"[conn {_connection.Index} #{sequence}] duplex handler failed, response cut short: {e}");
            return false;
        }

        if (chunked is not null)
        {
            await chunked.CompleteAsync(response.TrailersWith(decided), ct).ConfigureAwait(false);
        }

        await _connection.Transport.FlushAsync(ct).ConfigureAwait(false);
        _server.OnResponseSent(_connection, sequence, response.Code, head.Version);
        return triggers.OnResponseEnd is not { } endEffect || !await endEffect.ApplyAsync(_connection, ct).ConfigureAwait(false);
    }
}

using System.Buffers;
using MockKit.Buffers;
using MockKit.Http1;
using MockKit.MockServer.Exchanges;

namespace MockKit.MockServer.Http1;

/// <summary>
/// A CONNECT tunnel's framing on HTTP/1.1 (the sequence is the pipeline's, DuplexResponseWriter): a
/// duplex handler's 2xx to CONNECT turns the connection into the tunnel, as a proxy's does (RFC 9110
/// section 9.3.6). The connection is never used for HTTP again, as after a WebSocket's 101.
/// </summary>
internal sealed partial class Http1ServerSession
{
    async ValueTask<(Stream Input, Stream Output)?> IResponseFraming.OpenConnectionTunnelAsync(MockResponse response, CancellationToken cancellationToken)
    {
        // RFC 9110 section 9.3.6: "A server MUST NOT send any Transfer-Encoding or Content-Length header
        // fields in a 2xx (Successful) response to CONNECT". A scripted one is dropped (and logged), not
        // refused: the script asked for a tunnel, and the fields could only mislead the client about it.
        using (var head = new PooledBufferWriter(256))
        {
            Http1Writer.WriteStatusLine(head, Protocol.Http11, response.Code, response.EffectiveReason);
            foreach (var (name, value) in response.Headers.Fields)
            {
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                {
                    _server.Log(_connection.Index, _sequence, $"{name} not sent: a 2xx to CONNECT opens a tunnel, which has no framing (RFC 9110 section 9.3.6)");
                    continue;
                }

                Http1Writer.WriteField(head, name, value);
            }

            head.Write("\r\n"u8);
            await _connection.Transport.WriteAsync(head.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }

        _connection.State = "CONNECT tunnel";

        // Bytes the client sent right after its CONNECT may already sit in the pipe: read through it.
        // Writes go straight to the socket, unbuffered, so each is on the wire when it completes (a
        // client waits for each reply), as the HTTP/2 tunnel's flushed DATA are.
        return (_input.AsStream(leaveOpen: true), _connection.Transport);
    }

    // The server's side of the tunnel ends with a FIN; the client's may still arrive, and is never read as HTTP.
    async ValueTask IResponseFraming.EndConnectionTunnelAsync(CancellationToken cancellationToken)
    {
        await _connection.Transport.FlushAsync(cancellationToken).ConfigureAwait(false);
        _connection.ShutdownSocket(input: false, output: true);
    }
}

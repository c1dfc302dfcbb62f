using System.Net.Sockets;
using System.Security.Authentication;
using MockKit.MockServer.Dispatching;
using MockKit.MockServer.Exchanges;
using MockKit.MockServer.Recording;

namespace MockKit.MockServer.Connections;

/// <summary>Protocol selection for a new connection: TLS or not, then ALPN or prior knowledge.</summary>
internal sealed partial class ServerConnection
{
    // RFC 8446 section 5.1: a TLS record starts with its content type; 22 is handshake.
    private const byte TlsHandshakeRecordType = 0x16;

    // A fatal handshake_failure alert (RFC 8446 section 6): record type 21, legacy version
    // 3.3, length 2, level fatal (2), description handshake_failure (40).
    private static readonly byte[] HandshakeFailureAlert = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28];

    private static ReadOnlySpan<byte> ConnectPrefix => "CONNECT "u8;

    /// <summary>Decides the protocol for this connection, doing the TLS handshake when the server is HTTPS.</summary>
    /// <returns>The protocol, or null when the connection ended during negotiation.</returns>
    private async Task<Protocol?> NegotiateAsync()
    {
        if (Server.Tls is not { } tls)
        {
            return Server.DefaultCleartextProtocol;
        }

        State = "waiting for the first byte";
        var first = new byte[ConnectPrefix.Length];
        var received = await _socket.ReceiveAsync(first, SocketFlags.Peek, ShutdownToken).ConfigureAwait(false);
        if (received == 0)
        {
            return null;
        }

        if (first[0] != TlsHandshakeRecordType)
        {
            // A proxy client opens with a plaintext CONNECT (possibly answered with a 407 first);
            // the script may also say outright that a tunnel is coming. Either way, serve HTTP/1
            // in plaintext until a response upgrades the socket with UpgradeToSslAtEnd.
            if (first.AsSpan(0, received).SequenceEqual(ConnectPrefix[..received])
                || Server.Dispatcher.Peek()?.Effective.UpgradeToSslAtEnd == true)
            {
                Log("plaintext start on the TLS port: serving as a proxy until UpgradeToSslAtEnd");
                return Protocol.Http11;
            }

            Log("plaintext on the TLS port: the client did not start a TLS handshake");
            await RejectPlaintextAsync().ConfigureAwait(false);
            return null;
        }

        if (ServerExchange.ClaimBeforeRequest(Server, static r => r.Effective.FailHandshake) is { } claim)
        {
            await FailHandshakeAsync(claim).ConfigureAwait(false);
            return null;
        }

        try
        {
            var handshake = await tls.AuthenticateAsync(this, Transport).ConfigureAwait(false);
            Log($"TLS: {handshake}");
            return handshake.ApplicationProtocol == "h2" ? Protocol.Http2 : Protocol.Http11;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            Log($"TLS handshake failed: {e.Message}");
            return null;
        }
    }

    private async Task FailHandshakeAsync(ResponseClaim claim)
    {
        var failure = new SocketPolicyException("Handshake", null, $"{nameof(SocketPolicy.FailHandshake)}: the TLS handshake was aborted.");
        await ServerExchange.ConsumeBeforeRequestAsync(this, claim, failure).ConfigureAwait(false);
        await Transport.WriteAsync(HandshakeFailureAlert, ShutdownToken).ConfigureAwait(false);
        await Transport.FlushAsync(ShutdownToken).ConfigureAwait(false);
    }

    /// <summary>Answers an HTTP request that reached the TLS port with a plain 400, as nginx does, and records it.</summary>
    private async Task RejectPlaintextAsync()
    {
        var buffer = new byte[512];
        var read = await Transport.ReadAsync(buffer, ShutdownToken).ConfigureAwait(false);
        var line = RecordedRequestFactory.FirstLine(new System.Buffers.ReadOnlySequence<byte>(buffer, 0, read));
        var failure = new System.Net.ProtocolViolationException("A plaintext HTTP request was sent to the TLS port.");
        RecordRejected(RecordedRequestFactory.Malformed(line, NextSequenceNumber(), Index, Protocol.Http11, null, failure));
        var body = "A plaintext HTTP request was sent to the TLS port.\n"u8.ToArray();
        var head = System.Text.Encoding.ASCII.GetBytes(
            $"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        await Transport.WriteAsync(head, ShutdownToken).ConfigureAwait(false);
        await Transport.WriteAsync(body, ShutdownToken).ConfigureAwait(false);
        await Transport.FlushAsync(ShutdownToken).ConfigureAwait(false);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MockKit.Client.Connections;

/// <summary>
/// Makes one connection on one route, protocol-neutral until the transport is ready: TCP connect,
/// the CONNECT tunnel when the route requires one (an https origin, or an http upgrade, behind a
/// proxy; <see cref="ProxyTunnel"/>), then TLS with SNI, ALPN, the configured trust and hostname
/// verification — all under the connect timeout. Only then is the protocol chosen (ALPN's
/// <c>h2</c>, or cleartext prior knowledge, or HTTP/1.1) and the one connection made: an
/// <see cref="Http2Connection"/> exchanges SETTINGS before it is returned. Failures become
/// <see cref="HttpRequestException"/>s naming the route and the phase.
/// </summary>
internal static class RouteConnector
{
    public static async Task<PooledConnection> ConnectAsync(
        ConnectionPool pool,
        Address address,
        Route route,
        ProtocolPolicy policy,
        ConnectionSettings settings,
        ExchangeSettings exchangeSettings,
        long callId,
        CancellationToken callToken)
    {
        var listener = exchangeSettings.Listener;
        var timeProvider = exchangeSettings.TimeProvider;
        listener.OnConnectStart(callId, route);
        var socket = new Socket(route.SocketAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? transport = null;
        PooledConnection? connection = null;
        using var connectTimeout = new CancellationTokenSource(settings.ConnectTimeout, timeProvider);
        using var callRegistration = callToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), connectTimeout);
        var phase = "connecting";
        // One number for the socket, whichever protocol ends up on it: the pool's connections are
        // numbered 0, 1, 2… as the server numbers the sockets it accepts.
        var id = pool.NextConnectionId();
        try
        {
            await socket.ConnectAsync(route.SocketAddress, connectTimeout.Token).ConfigureAwait(false);
            transport = new NetworkStream(socket, ownsSocket: true);
            var connectRequests = 0;
            if (route.RequiresTunnel)
            {
                phase = "opening a CONNECT tunnel";
                connectRequests = await ProxyTunnel.OpenAsync(transport, route, settings.Proxy?.Credentials, connectTimeout.Token).ConfigureAwait(false);
            }

            TlsHandshake? handshake = null;
            if (route.IsHttps)
            {
                phase = "in the TLS handshake";
                listener.OnSecureConnectStart(callId, route);
                var tls = new SslStream(transport, leaveInnerStreamOpen: false);
                transport = tls;
                var sni = IPAddress.TryParse(route.Host.Trim('[', ']'), out _) ? null : route.Host;
                await tls.AuthenticateAsClientAsync(TlsOptions(route.Host, settings, policy), connectTimeout.Token).ConfigureAwait(false);
                handshake = TlsHandshake.FromStream(tls, sni);
                listener.OnSecureConnectEnd(callId, route, handshake);
            }

            // The protocol is chosen once the transport is ready, and the connection made once for it.
            if (ChooseHttp2(route, policy, handshake))
            {
                // The handshake goes into the phase so a peer that drops the connection after
                // agreeing on h2 (for instance because its own TLS layer saw another protocol)
                // is reported with what this side agreed.
                phase = handshake is null ? "starting HTTP/2" : $"starting HTTP/2 after TLS {handshake}";
                var http2 = new Http2Connection(id, address, route, socket, transport, handshake, pool, timeProvider);
                connection = http2;
                await http2.StartAsync(connectTimeout.Token).ConfigureAwait(false);
            }
            else
            {
                connection = new Http1Connection(id, address, route, socket, transport, handshake, connectRequests, timeProvider.GetTimestamp(), timeProvider);
            }

            listener.OnConnectEnd(callId, route, connection.Protocol);
            return connection;
        }
        catch (Exception e)
        {
            if (connection is not null)
            {
                connection.Close();
            }
            else if (transport is not null)
            {
                await transport.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            var mapped = Map(e, route, phase, settings.ConnectTimeout, connectTimeout.IsCancellationRequested, callToken);
            listener.OnConnectFailed(callId, route, mapped);
            throw mapped;
        }
    }

    /// <summary>
    /// HTTP/2 when TLS negotiated <c>h2</c> by ALPN (RFC 9113 section 3.2), or on cleartext when the
    /// policy says prior knowledge (section 3.3: the preface goes out at once); otherwise HTTP/1.1,
    /// if the request allows it.
    /// </summary>
    private static bool ChooseHttp2(Route route, ProtocolPolicy policy, TlsHandshake? handshake)
    {
        if (handshake is not null)
        {
            if (handshake.ApplicationProtocol == "h2" && policy.Http2)
            {
                return true;
            }

            if (!policy.Http11)
            {
                throw new HttpRequestException(
                    HttpRequestError.VersionNegotiationError,
                    $"{route} did not negotiate h2 with ALPN (it chose '{handshake.ApplicationProtocol ?? "nothing"}'), and the request may not use HTTP/1.1.");
            }

            return false;
        }

        if (!policy.PriorKnowledge)
        {
            return false;
        }

        if (route.Proxy is not null)
        {
            // An HTTP proxy takes absolute-form HTTP/1.1 for http URLs; it cannot relay an h2c preface.
            throw new HttpRequestException(
                HttpRequestError.VersionNegotiationError,
                $"Cleartext HTTP/2 with prior knowledge cannot go through the HTTP proxy {route.Proxy} to {route.Origin}.");
        }

        return true;
    }

    private static Exception Map(Exception e, Route route, string phase, TimeSpan connectTimeout, bool timedOut, CancellationToken callToken)
    {
        if (callToken.IsCancellationRequested)
        {
            return new TaskCanceledException($"The call was canceled while {phase} to {route}.", e, callToken);
        }

        if (timedOut && e is OperationCanceledException)
        {
            return new HttpRequestException(
                HttpRequestError.ConnectionError,
                $"Connecting to {route} timed out after {connectTimeout.TotalSeconds:0.###} s ({phase}).",
                new TimeoutException($"connect timeout ({connectTimeout})", e));
        }

        return e switch
        {
            HttpRequestException => e,
            AuthenticationException => new HttpRequestException(HttpRequestError.SecureConnectionError, $"The TLS handshake with {route} failed: {e.Message}", e),
            _ => new HttpRequestException(HttpRequestError.ConnectionError, $"Failed to connect to {route} ({phase}): {e.Message}", e),
        };
    }

    private static SslClientAuthenticationOptions TlsOptions(string host, ConnectionSettings settings, ProtocolPolicy policy)
    {
        var options = settings.Certificates?.ClientOptions(host) ?? new SslClientAuthenticationOptions
        {
            TargetHost = host,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        // RFC 9113 section 3.2: "h2" in ALPN selects HTTP/2 over TLS; preference order h2 first.
        options.ApplicationProtocols = [];
        if (policy.Http2)
        {
            options.ApplicationProtocols.Add(SslApplicationProtocol.Http2);
        }

        if (policy.Http11)
        {
            options.ApplicationProtocols.Add(SslApplicationProtocol.Http11);
        }
        if (settings.HostnameVerifier is { } verifier)
        {
            // Chain validation stays as configured; only the name check is replaced.
            var inner = options.RemoteCertificateValidationCallback;
            options.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
            {
                errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
                var chainOk = inner is not null ? inner(sender, certificate, chain, errors) : errors == SslPolicyErrors.None;
                return chainOk && certificate is not null
                    && verifier(host, certificate as X509Certificate2 ?? new X509Certificate2(certificate));
            };
        }

        Debug.Assert(options.TargetHost is not null, "ClientOptions sets the target host.");
        return options;
    }
}

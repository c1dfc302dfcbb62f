using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MockKit.Client.Connections;

/// <summary>
/// Makes one connection on one route: TCP connect (under the connect timeout), the CONNECT
/// tunnel when the route requires one (an https origin, or an http upgrade, behind a proxy),
/// then TLS with SNI, ALPN, the configured trust and hostname verification. The tunnel's CONNECT is connection setup, not an exchange
/// of the call. When ALPN picks <c>h2</c> (or the policy says cleartext prior knowledge) the
/// transport moves to an <see cref="Http2Connection"/>, which exchanges SETTINGS before the
/// connection is returned (under the connect timeout). Failures become <see cref="HttpRequestException"/>s naming the route.
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
        Http1Connection? connection = null;
        Http2Connection? http2 = null;
        using var connectTimeout = new CancellationTokenSource(settings.ConnectTimeout, timeProvider);
        using var callRegistration = callToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), connectTimeout);
        var phase = "connecting";
        // One number for the socket, whichever protocol ends up on it (an HTTP/2 connection takes
        // over the HTTP/1 one after ALPN): the pool's connections are numbered 0, 1, 2… as the
        // server numbers the sockets it accepts.
        var id = pool.NextConnectionId();
        try
        {
            await socket.ConnectAsync(route.SocketAddress, connectTimeout.Token).ConfigureAwait(false);
            connection = new Http1Connection(id, address, route, socket, new NetworkStream(socket, ownsSocket: true), null, 0, timeProvider.GetTimestamp(), timeProvider);
            if (route.RequiresTunnel)
            {
                phase = "opening a CONNECT tunnel";
                var setup = new Exchange(pool, connection, exchangeSettings, callId, 0, reused: false, owner: null, callToken);
                int? refused;
                try
                {
                    refused = await connection.EstablishTunnelAsync(setup, settings.Proxy?.Credentials).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    throw setup.MapFailure(e, phase, CancellationToken.None);
                }
                finally
                {
                    setup.DisposeSetup();
                }

                if (refused is { } status)
                {
                    throw new HttpRequestException(
                        HttpRequestError.ProxyTunnelError,
                        $"The proxy {route.Proxy} refused the tunnel to {route.Origin} with status {status}.",
                        statusCode: (HttpStatusCode)status);
                }
            }

            if (route.IsHttps)
            {
                phase = "in the TLS handshake";
                listener.OnSecureConnectStart(callId, route);
                var tls = new SslStream(connection.Transport, leaveInnerStreamOpen: false);
                var sni = IPAddress.TryParse(route.Host.Trim('[', ']'), out _) ? null : route.Host;
                await tls.AuthenticateAsClientAsync(TlsOptions(route.Host, settings, policy), connectTimeout.Token).ConfigureAwait(false);
                var handshake = TlsHandshake.FromStream(tls, sni);
                connection.UseTls(tls, handshake);
                listener.OnSecureConnectEnd(callId, route, handshake);
                if (handshake.ApplicationProtocol == "h2" && policy.Http2)
                {
                    // The handshake goes into the phase so a peer that drops the connection after
                    // agreeing on h2 (for instance because its own TLS layer saw another protocol)
                    // is reported with what this side agreed.
                    phase = $"starting HTTP/2 after TLS {handshake}";
                    http2 = new Http2Connection(id, address, route, socket, tls, handshake, pool, timeProvider);
                }
                else if (!policy.Http11)
                {
                    throw new HttpRequestException(
                        HttpRequestError.VersionNegotiationError,
                        $"{route} did not negotiate h2 with ALPN (it chose '{handshake.ApplicationProtocol ?? "nothing"}'), and the request may not use HTTP/1.1.");
                }
            }
            else if (policy.PriorKnowledge)
            {
                if (route.Proxy is not null)
                {
                    // An HTTP proxy takes absolute-form HTTP/1.1 for http URLs; it cannot relay an h2c preface.
                    throw new HttpRequestException(
                        HttpRequestError.VersionNegotiationError,
                        $"Cleartext HTTP/2 with prior knowledge cannot go through the HTTP proxy {route.Proxy} to {route.Origin}.");
                }

                // RFC 9113 section 3.3: cleartext HTTP/2 with prior knowledge starts with the preface at once.
                phase = "starting HTTP/2";
                http2 = new Http2Connection(id, address, route, socket, connection.Transport, null, pool, timeProvider);
            }

            if (http2 is not null)
            {
                await http2.StartAsync(connectTimeout.Token).ConfigureAwait(false);
                listener.OnConnectEnd(callId, route, http2.Protocol);
                return http2;
            }

            listener.OnConnectEnd(callId, route, Protocol.Http11);
            return connection;
        }
        catch (Exception e)
        {
            if (http2 is not null)
            {
                http2.Close();
            }
            else if (connection is not null)
            {
                connection.Close();
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

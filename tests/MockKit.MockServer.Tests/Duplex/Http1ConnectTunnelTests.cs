using System.Net.Sockets;
using System.Text;
using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Duplex;

/// <summary>
/// On HTTP/1.1 a duplex handler's 2xx to CONNECT turns the connection into the tunnel (RFC 9110 section
/// 9.3.6): the head carries no Content-Length or Transfer-Encoding, the handler reads the client's raw
/// bytes after the head and writes raw bytes back, and the connection never carries HTTP again. A non-2xx
/// duplex response to CONNECT stays an ordinary response.
/// </summary>
public sealed class Http1ConnectTunnelTests
{
    private const string Connect = "CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n";

    [Fact]
    public async Task Raw_client_talks_through_the_tunnel_interactively_then_half_closes()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { DuplexHandler = EchoUpperAsync });
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync(Connect);
        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldBe("HTTP/1.1 200 OK\r\n\r\n");

        // Interactive: each reply comes before the next message is sent.
        await raw.SendAsync("hello");
        (await raw.ReadExactlyAsync("ECHO:HELLO".Length)).ShouldBe("ECHO:HELLO");
        await raw.SendAsync("again");
        (await raw.ReadExactlyAsync("ECHO:AGAIN".Length)).ShouldBe("ECHO:AGAIN");

        // The client's FIN ends the handler's read; the server's side then ends too.
        raw.Socket.Shutdown(SocketShutdown.Send);
        (await raw.ReadToEndAsync()).ShouldBe(string.Empty);
        server.TakeRequest().Method.ShouldBe("CONNECT");
    }

    [Fact]
    public async Task Curl_proxytunnel_reads_a_response_spoken_inside_the_tunnel()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { DuplexHandler = AnswerInsideTheTunnelAsync });

        var result = await ExternalProcess.CurlAsync("-p", "-x", $"http://127.0.0.1:{server.Port}", "http://target.test/inside");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.ShouldBe("tunnelled");
        var connect = server.TakeRequest();
        connect.Method.ShouldBe("CONNECT");
    }

    [Fact]
    public async Task Scripted_framing_fields_are_dropped_and_on_response_body_counts_tunnel_bytes()
    {
        // RFC 9110 section 9.3.6: no Content-Length or Transfer-Encoding in a 2xx to CONNECT, even when
        // scripted. OnResponseBody counts the handler's raw bytes: the cut lands inside its first reply.
        await using var server = new MockWebServer();
        var response = new MockResponse
        {
            DuplexHandler = EchoUpperAsync,
            OnResponseBody = new SocketEffect.CloseSocket(),
            OnResponseBodyAfterBytes = 4,
        };
        response.Headers.Add("Content-Length", "5");
        response.Headers.Add("Transfer-Encoding", "chunked");
        response.Headers.Add("X-Tunnel", "yes");
        server.Enqueue(response);
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync(Connect);
        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldBe("HTTP/1.1 200 OK\r\nX-Tunnel: yes\r\n\r\n");
        await raw.SendAsync("hello");

        (await raw.ReadToEndAsync()).ShouldBe("ECHO");
    }

    [Fact]
    public async Task On_response_end_acts_after_the_tunnel_ended()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { DuplexHandler = EchoUpperAsync, SocketPolicy = SocketPolicy.ShutdownServerAfterResponse });
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync(Connect);
        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldBe("HTTP/1.1 200 OK\r\n\r\n");
        await raw.SendAsync("bye");
        (await raw.ReadExactlyAsync("ECHO:BYE".Length)).ShouldBe("ECHO:BYE");
        server.IsRunning.ShouldBeTrue(); // The tunnel is still open: the response has not ended.
        raw.Socket.Shutdown(SocketShutdown.Send);
        (await raw.ReadToEndAsync()).ShouldBe(string.Empty);

        // The policy stops the server on its own once the tunnel ended (bounded wait).
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (server.IsRunning)
        {
            await Task.Delay(10, deadline.Token);
        }
    }

    [Fact]
    public async Task Handler_that_throws_closes_the_connection()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse
        {
            DuplexHandler = async (request, response, ct) =>
            {
                var buffer = new byte[16];
                _ = await request.ReadAsync(buffer, ct);
                throw new InvalidOperationException("The tunnel's handler failed.");
            },
        });
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync(Connect);
        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldBe("HTTP/1.1 200 OK\r\n\r\n");
        await raw.SendAsync("x");

        (await raw.IsClosedByPeerAsync()).ShouldBeTrue();
    }

    [Fact]
    public async Task Proxy_auth_refusal_is_an_ordinary_response()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse
        {
            Code = 407,
            DuplexHandler = async (request, response, ct) => await response.WriteAsync("auth needed"u8.ToArray(), ct),
        });

        server.Enqueue(new MockResponse("next"));
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync(Connect);

        (await raw.ReadUntilAsync("0\r\n\r\n")).ShouldBe("HTTP/1.1 407 Proxy Authentication Required\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nauth needed\r\n0\r\n\r\n");

        // Not a tunnel: the connection carries the next request as HTTP.
        await raw.SendAsync("GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
        (await raw.ReadResponseAsync()).ShouldEndWith("\r\n\r\nnext");
    }

    private static async Task EchoUpperAsync(Stream request, Stream response, CancellationToken ct)
    {
        var buffer = new byte[256];
        int read;
        while ((read = await request.ReadAsync(buffer, ct)) > 0)
        {
            var reply = Encoding.ASCII.GetBytes("ECHO:" + Encoding.ASCII.GetString(buffer, 0, read).ToUpperInvariant());
            await response.WriteAsync(reply, ct);
        }
    }

    // A tiny HTTP/1.1 origin inside the tunnel: reads the request head curl sends through it, answers, closes.
    private static async Task AnswerInsideTheTunnelAsync(Stream request, Stream response, CancellationToken ct)
    {
        var head = new StringBuilder();
        var buffer = new byte[1024];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await request.ReadAsync(buffer, ct);
            if (read == 0)
            {
                return;
            }

            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        head.ToString().ShouldStartWith("GET /inside HTTP/1.1\r\n");
        await response.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntunnelled"u8.ToArray(), ct);
    }
}

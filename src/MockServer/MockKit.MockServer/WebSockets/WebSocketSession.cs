using System.Net.WebSockets;
using MockKit.MockServer.Policies;

namespace MockKit.MockServer.WebSockets;

/// <summary>
/// Runs a <see cref="MockResponse.WebSocketHandler"/> once the handshake is done, the same for both
/// protocols: the runtime's RFC 6455 implementation (<see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/>)
/// over the upgraded stream (HTTP/1.1: the connection; HTTP/2: one stream's DATA).
/// </summary>
/// <remarks>
/// Keep-alive pings are off: a mock server sends only what the test scripts, and a timer would make
/// traffic depend on the wall clock. Never throws: a failing handler is logged and becomes the
/// request's failure; a policy that ended the exchange or a server shutdown is only logged.
/// </remarks>
internal static class WebSocketSession
{
    /// <param name="stream">The upgraded stream; disposed at the end.</param>
    /// <param name="subprotocol">The negotiated subprotocol, or null.</param>
    /// <param name="handler">The test's handler.</param>
    /// <param name="request">The recorded request, whose failure a throwing handler sets.</param>
    /// <param name="log">Traffic log.</param>
    /// <param name="shutdownToken">Server shutdown: given to the handler, and ends the wait for it.</param>
    /// <returns>True when the handler returned and the server's close went out: the WebSocket ended whole.</returns>
    public static async Task<bool> RunAsync(Stream stream, string? subprotocol, Func<WebSocket, CancellationToken, Task> handler,
        RecordedRequest? request, Action<string> log, CancellationToken shutdownToken)
    {
        using var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions
        {
            IsServer = true,
            SubProtocol = subprotocol,
            KeepAliveInterval = TimeSpan.Zero,
        });
        try
        {
            // WaitAsync: a handler that ignores its token must not hold the connection past shutdown.
            await handler(socket, shutdownToken).WaitAsync(shutdownToken).ConfigureAwait(false);
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                // The handler is done with an open WebSocket: end it properly (RFC 6455 section 7.1.2).
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, shutdownToken).ConfigureAwait(false);
            }

            log($"WebSocket ended ({socket.State}{(socket.CloseStatus is { } status ? $", close status {(int)status}" : string.Empty)})");
            return true;
        }
        catch (Exception e) when (shutdownToken.IsCancellationRequested)
        {
            log($"WebSocket closed by server shutdown ({e.GetType().Name})");
        }
        catch (Exception e) when (EndedByPolicy(e))
        {
            log($"WebSocket cut by policy: {e.Message}");
        }
        catch (Exception e)
        {
            if (request is not null)
            {
                request.Failure ??= e;
            }

            log($"WebSocket handler failed: {e}");
        }
        finally
        {
            socket.Abort();
        }

        return false;
    }

    private static bool EndedByPolicy(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is ExchangeTerminatedException)
            {
                return true;
            }
        }

        return false;
    }
}

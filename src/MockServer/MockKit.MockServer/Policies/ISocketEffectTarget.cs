namespace MockKit.MockServer.Policies;

/// <summary>
/// The exchange a <see cref="SocketEffect"/> acts on: an HTTP/1 connection or an HTTP/2
/// stream. Each protocol says what "close the stream" or "shut the connection down" means
/// for it, so effects stay one small class each and the codecs need no switch over them.
/// </summary>
internal interface ISocketEffectTarget
{
    /// <summary>Closes the socket (HTTP/2: every stream on it ends).</summary>
    ValueTask CloseSocketAsync();

    /// <summary>Half-closes the socket in the given directions, leaving it open otherwise.</summary>
    void ShutdownSocket(bool input, bool output);

    /// <summary>HTTP/2: GOAWAY(NO_ERROR). HTTP/1: close the socket.</summary>
    ValueTask ShutdownConnectionAsync();

    /// <summary>HTTP/2: RST_STREAM(<paramref name="code"/>). HTTP/1: close the socket.</summary>
    ValueTask CloseStreamAsync(Http2ErrorCode code);

    /// <summary>Waits, doing nothing, until the server shuts down.</summary>
    Task StallAsync(CancellationToken cancellationToken);

    /// <summary>Starts shutting the server down (without waiting for it: the caller is one of the connections it waits for).</summary>
    void ShutdownServer();
}

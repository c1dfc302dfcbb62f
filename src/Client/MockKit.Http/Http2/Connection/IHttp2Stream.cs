namespace MockKit.Http2.Connection;

/// <summary>What the shared connection needs of one stream of either role: its id, state and send window.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "An HTTP/2 stream (RFC 9113 section 5), not a System.IO.Stream.")]
public interface IHttp2Stream
{
    /// <summary>The stream identifier (section 5.1.1).</summary>
    int Id { get; }

    /// <summary>The section 5.1 state machine, guarded by the connection's stream lock; null until the stream is opened.</summary>
    Http2StreamStateMachine? State { get; }

    /// <summary>The stream's send window (WINDOW_UPDATE credits it); null until the stream is opened.</summary>
    Http2OutboundWindow? SendWindow { get; }

    /// <summary>
    /// True once a frame with END_STREAM was queued on this stream (the writer applies it to
    /// <see cref="State"/> when it writes it). Set by the core's send path; read by the exchange.
    /// </summary>
    bool EndStreamQueued { get; set; }
}

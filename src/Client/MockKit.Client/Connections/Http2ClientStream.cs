using MockKit.Http2;
using MockKit.Http2.Connection;
using MockKit.Http2.Hpack;

namespace MockKit.Client.Connections;

/// <summary>
/// One request stream of an <see cref="Http2Connection"/>: its state machine (RFC 9113 section
/// 5.1), both flow-control windows, the response head, trailers and body.
/// </summary>
/// <remarks>
/// The stream id is assigned by the connection's writer loop when the HEADERS frame is written,
/// so ids increase in wire order (section 5.1.1). <see cref="State"/> is guarded by the
/// connection's <c>_lock</c>; the windows and the buffer have their own locks; tasks are completed
/// outside every lock.
/// </remarks>
internal sealed class Http2ClientStream(Exchange exchange) : Http2Stream, IHttp2Stream
{
    private bool _responseStarted;

    public Exchange Exchange { get; } = exchange;

    /// <summary>0 until the writer opened the stream.</summary>
    public int Id { get; set; }

    /// <summary>Guarded by the connection's <c>_lock</c>; null until opened.</summary>
    public Http2StreamStateMachine? State { get; set; }

    public Http2OutboundWindow? SendWindow { get; set; }

    /// <summary>True once a frame with END_STREAM was queued (set by the connection core's send path).</summary>
    public bool EndStreamQueued { get; set; }

    public Http2ReceiveBuffer Body { get; } = new();

    /// <summary>Completed by the writer loop once the HEADERS frame is in the output (or failed when it could not be opened).</summary>
    public TaskCompletionSource Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The final (non-1xx) response fields.</summary>
    public TaskCompletionSource<List<HpackHeaderField>> Head { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Interim (1xx) responses received so far (reader loop only); capped by <see cref="InstrumentedHandler.MaxInformationalResponses"/>.</summary>
    public int InformationalResponses { get; set; }

    /// <summary>
    /// False for a request whose response content-length does not describe its DATA (HEAD, CONNECT;
    /// RFC 9110 sections 8.6 and 9.3.6).
    /// </summary>
    public bool ContentLengthApplies { get; init; } = true;

    /// <summary>Set by the reader loop before the body ends.</summary>
    public List<HpackHeaderField>? Trailers { get; set; }

    /// <summary>True once any frame of the response arrived (a failure is then never retried). Written by the reader loop, read by the exchange.</summary>
    public bool ResponseStarted
    {
        get => Volatile.Read(ref _responseStarted);
        set => Volatile.Write(ref _responseStarted, value);
    }

    /// <summary>Fails everything still pending on the stream. Call outside locks.</summary>
    /// <returns>Received bytes dropped unread (to return to the connection window).</returns>
    public int Fail(Exception failure)
    {
        Opened.TrySetException(failure);
        Head.TrySetException(failure);

        // Either may have no awaiter left (a call canceled while its stream was being opened stopped
        // awaiting Opened; one canceled later, Head): mark them observed so no UnobservedTaskException is raised.
        _ = Opened.Task.Exception;
        _ = Head.Task.Exception;
        SendWindow?.Abort(failure);
        return Body.Fail(failure);
    }
}

namespace MockKit.MockServer.Tests.Http2.Support;

/// <summary>Where a stream's exchange is when the client resets the stream.</summary>
public enum PendingExchange
{
    /// <summary>In a dispatcher that waits for a signal and ignores cancellation: the exchange is certainly still running.</summary>
    DeafDispatcher,

    /// <summary>Dispatched; the response waits on a <c>HeadersDelay</c> of a frozen clock (the reset cancels it).</summary>
    HeadersDelay,

    /// <summary>A streamed forward whose upstream has the request and has not answered (the reset cancels it).</summary>
    StreamedForward,

    /// <summary>The reset cancelled the dispatch and the exchange ended: the stream left the stream table.</summary>
    Ended,
}

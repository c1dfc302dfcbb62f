namespace MockKit.MockServer.Http2;

/// <summary>
/// How a stream's exchange starts: the stream is its own thread-pool work item, so starting one
/// allocates nothing per stream (Task.Factory.StartNew made a Task per stream), and the exchange runs
/// in the ExecutionContext the reader loop had when it queued it, as StartNew ran it.
/// </summary>
internal sealed partial class Http2ServerStream : IThreadPoolWorkItem
{
    // Runs the exchange in the ExecutionContext the reader had when it queued it (QueueExchange).
    private static readonly ContextCallback s_runExchange = static state => ((Http2ServerStream)state!).RunExchange();

    private ExecutionContext? _exchangeContext; // Set by QueueExchange, taken by Execute.
    private bool _exchangeIsTooLarge;

    /// <summary>
    /// Queues this stream's exchange to the thread pool with the stream itself as the work item
    /// (nothing allocated per stream); once per stream, from the reader loop.
    /// </summary>
    /// <param name="tooLarge">Answer 431 (the header list was over the limit) instead of running the pipeline.</param>
    public void QueueExchange(bool tooLarge)
    {
        _exchangeIsTooLarge = tooLarge;

        // The exchange flows the reader's ExecutionContext as Task.Factory.StartNew did (capturing
        // allocates nothing: it is the current context object).
        _exchangeContext = ExecutionContext.Capture();
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        var context = _exchangeContext;
        _exchangeContext = null;
        if (context is null)
        {
            RunExchange(); // The reader ran with ExecutionContext flow suppressed.
        }
        else
        {
            ExecutionContext.Run(context, s_runExchange, this);
        }
    }

    private void RunExchange() => _session.RunQueuedExchange(this, _exchangeIsTooLarge);
}

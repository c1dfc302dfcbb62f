namespace MockKit.MockServer.Dispatching;

/// <summary>The dispatcher behind <see cref="Dispatcher.From"/>.</summary>
internal sealed class FuncDispatcher(Func<RecordedRequest, MockResponse> dispatch) : Dispatcher
{
    public override ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(dispatch(request) ?? throw new InvalidOperationException("The dispatch function returned null."));

    // The default claim only peeks, and this sealed type's Peek is the base's (null): no user code.
    internal override bool ClaimRunsUserCode => false;
}

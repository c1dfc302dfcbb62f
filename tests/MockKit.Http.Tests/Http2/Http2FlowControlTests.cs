using MockKit.Http2.Hpack.Tests;

namespace MockKit.Http2.Tests;

public class Http2FlowControlTests
{
    [Fact]
    public void Inbound_window_charges_data_and_rejects_overflow_per_scope()
    {
        var stream = new Http2InboundWindow(3, 100);
        stream.OnDataReceived(60);
        stream.OnDataReceived(40);
        stream.Available.ShouldBe(0);
        var streamError = Should.Throw<Http2StreamException>(() => stream.OnDataReceived(1));
        streamError.ErrorCode.ShouldBe(Http2ErrorCode.FlowControlError);
        streamError.StreamId.ShouldBe(3);

        var connection = new Http2InboundWindow(0, 10);
        Should.Throw<Http2ConnectionException>(() => connection.OnDataReceived(11)).ErrorCode.ShouldBe(Http2ErrorCode.FlowControlError);
    }

    [Fact]
    public void Inbound_window_returns_credit_for_consumed_bytes_once_half_the_window_is_owed()
    {
        var window = new Http2InboundWindow(1, 1000);
        window.OnDataReceived(900);
        window.OnDataConsumed(200).ShouldBe(0);
        window.OnDataConsumed(299).ShouldBe(0);
        window.OnDataConsumed(1).ShouldBe(500);
        window.Available.ShouldBe(600);
        window.OnDataReceived(400);
        window.Available.ShouldBe(200);
        window.OnDataConsumed(400).ShouldBe(0);
        window.OnDataConsumed(100).ShouldBe(500);
        window.Available.ShouldBe(700);
    }

    [Fact]
    public async Task Windows_sharing_a_lock_account_alike_and_may_be_called_with_it_held()
    {
        // A role's stream lock (the server's session lock) guards both windows of a stream; the role
        // calls the receive window with it held, so the windows must re-enter it.
        var shared = new Lock();
        var inbound = new Http2InboundWindow(1, 1000, shared);
        var outbound = new Http2OutboundWindow(1, 0, shared);
        ValueTask<int> waiting = outbound.WaitForCreditAsync(10);
        lock (shared)
        {
            inbound.OnDataReceived(900);
            inbound.OnDataConsumed(499).ShouldBe(0);
            inbound.OnDataConsumed(1).ShouldBe(500);
            inbound.Available.ShouldBe(600);
            outbound.WaiterCount.ShouldBe(1);
        }

        outbound.OnWindowUpdate(15); // Not under the lock: it completes the waiter.
        (await waiting).ShouldBe(10);
        outbound.Available.ShouldBe(5);
        Should.Throw<ArgumentNullException>(() => new Http2InboundWindow(1, 10, null!));
        Should.Throw<ArgumentNullException>(() => new Http2OutboundWindow(1, 10, null!));
    }

    [Fact]
    public async Task Outbound_credit_is_granted_at_once_when_available_and_capped_at_the_window()
    {
        var window = new Http2OutboundWindow(1, 100);
        (await window.WaitForCreditAsync(30)).ShouldBe(30);
        (await window.WaitForCreditAsync(500)).ShouldBe(70);
        window.Available.ShouldBe(0);
        window.Return(20);
        (await window.WaitForCreditAsync(50)).ShouldBe(20);
    }

    [Fact]
    public async Task Waiters_are_released_in_order_by_WINDOW_UPDATE()
    {
        var window = new Http2OutboundWindow(1, 0);
        ValueTask<int> first = window.WaitForCreditAsync(10);
        ValueTask<int> second = window.WaitForCreditAsync(10);
        first.IsCompleted.ShouldBeFalse();
        window.WaiterCount.ShouldBe(2);

        window.OnWindowUpdate(15);
        (await first).ShouldBe(10);
        (await second).ShouldBe(5);
        window.Available.ShouldBe(0);
    }

    [Fact]
    public async Task Cancellation_releases_a_waiter_without_consuming_credit()
    {
        var window = new Http2OutboundWindow(1, 0);
        using var cts = new CancellationTokenSource();
        ValueTask<int> canceled = window.WaitForCreditAsync(10, cts.Token);
        ValueTask<int> next = window.WaitForCreditAsync(10);
        await cts.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(async () => await canceled);
        window.WaiterCount.ShouldBe(1);

        window.OnWindowUpdate(4);
        (await next).ShouldBe(4);
    }

    [Fact]
    public async Task Already_canceled_token_fails_fast()
    {
        var window = new Http2OutboundWindow(1, 0);
        await Should.ThrowAsync<OperationCanceledException>(async () => await window.WaitForCreditAsync(1, new CancellationToken(true)));
        window.WaiterCount.ShouldBe(0);
    }

    [Fact]
    public async Task Abort_fails_current_and_future_waiters()
    {
        var window = new Http2OutboundWindow(1, 0);
        ValueTask<int> waiting = window.WaitForCreditAsync(1);
        window.Abort(new Http2StreamException(1, Http2ErrorCode.Cancel, "reset"));
        (await Should.ThrowAsync<Http2StreamException>(async () => await waiting)).ErrorCode.ShouldBe(Http2ErrorCode.Cancel);
        await Should.ThrowAsync<Http2StreamException>(async () => await window.WaitForCreditAsync(1));
    }

    [Fact]
    public void WINDOW_UPDATE_beyond_2_31_minus_1_is_a_FLOW_CONTROL_ERROR_per_scope()
    {
        var stream = new Http2OutboundWindow(5, 65_535);
        var streamError = Should.Throw<Http2StreamException>(() => stream.OnWindowUpdate(int.MaxValue));
        streamError.ErrorCode.ShouldBe(Http2ErrorCode.FlowControlError);
        streamError.StreamId.ShouldBe(5);
        stream.Available.ShouldBe(65_535, "the rejected update changed nothing");

        var connection = new Http2OutboundWindow(0, 1);
        Should.Throw<Http2ConnectionException>(() => connection.OnWindowUpdate(int.MaxValue)).ErrorCode.ShouldBe(Http2ErrorCode.FlowControlError);
        new Http2OutboundWindow(0, 0).Also(w => w.OnWindowUpdate(int.MaxValue)).Available.ShouldBe(int.MaxValue);
    }

    [Fact]
    public async Task Initial_window_shrink_can_make_the_window_negative_until_updates_restore_it()
    {
        var window = new Http2OutboundWindow(1, 65_535);
        (await window.WaitForCreditAsync(60_000)).ShouldBe(60_000);
        window.AdjustInitialSize(16_384 - 65_535); // Peer lowered SETTINGS_INITIAL_WINDOW_SIZE to 16384.
        window.Available.ShouldBe(5_535 - 49_151);

        ValueTask<int> waiting = window.WaitForCreditAsync(100);
        window.OnWindowUpdate(43_616); // Brings it to exactly 0: still nothing to grant.
        window.Available.ShouldBe(0);
        waiting.IsCompleted.ShouldBeFalse();
        window.OnWindowUpdate(50);
        (await waiting).ShouldBe(50);
    }

    [Fact]
    public async Task Initial_window_growth_releases_waiters_and_overflow_is_a_connection_error()
    {
        var window = new Http2OutboundWindow(1, 0);
        ValueTask<int> waiting = window.WaitForCreditAsync(100);
        window.AdjustInitialSize(1000);
        (await waiting).ShouldBe(100);
        Should.Throw<Http2ConnectionException>(() => window.AdjustInitialSize(int.MaxValue)).ErrorCode.ShouldBe(Http2ErrorCode.FlowControlError);
    }

    [Fact]
    public async Task Concurrent_senders_never_get_more_than_was_granted()
    {
        var window = new Http2OutboundWindow(0, 0);
        long total = 0;
        Task[] senders = [.. Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < 200; i++)
            {
                Interlocked.Add(ref total, await window.WaitForCreditAsync(7));
            }
        }))];

        long granted = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!senders.All(t => t.IsCompleted))
        {
            deadline.Token.ThrowIfCancellationRequested();
            window.OnWindowUpdate(13);
            granted += 13;
            await Task.Yield();
        }

        await Task.WhenAll(senders);
        (Interlocked.Read(ref total) + window.Available).ShouldBe(granted);
    }
}

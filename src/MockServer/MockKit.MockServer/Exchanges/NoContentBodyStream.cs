using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Exchanges;

/// <summary>
/// The response body a duplex handler gets when its response may carry no content (a response to
/// HEAD, RFC 9110 section 9.3.2; 1xx, 204 and 304, section 6.4.1): the head was the whole response, so
/// a write of any byte is refused with <see cref="InvalidOperationException"/>. Refused, not dropped:
/// a handler that writes a body believes it is sent, and a silent discard would hide that from the test.
/// Empty writes and flushes carry nothing and are allowed.
/// </summary>
internal sealed class NoContentBodyStream(string method, int code) : WriteOnlyStream
{
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        buffer.IsEmpty ? ValueTask.CompletedTask : ValueTask.FromException(new InvalidOperationException(
            $"A {code} response to {method} carries no content (RFC 9110 sections 6.4.1, 9.3.2): its head was the whole response, so the duplex handler cannot write a body."));

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

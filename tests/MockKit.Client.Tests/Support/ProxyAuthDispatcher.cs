using System.Collections.Concurrent;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Support;

/// <summary>
/// A scripted queue for a proxy challenge in front of a tunnel on a TLS MockWebServer. The
/// server only serves plaintext on its TLS port when the next scripted response upgrades to
/// TLS (it peeks the head of the queue); with a 407 first in line it would refuse the CONNECT.
/// This dispatcher answers in queue order but peeks the upgrading response, which is what the
/// connection will eventually do.
/// </summary>
internal sealed class ProxyAuthDispatcher : Dispatcher
{
    private readonly ConcurrentQueue<MockResponse> _queue = new();

    public void Enqueue(MockResponse response) => _queue.Enqueue(response);

    public override ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_queue.TryDequeue(out var response) ? response : new MockResponse(503, "script exhausted"));

    public override MockResponse? Peek() =>
        _queue.FirstOrDefault(r => r.SocketPolicy == SocketPolicy.UpgradeToSslAtEnd) ?? _queue.FirstOrDefault();
}

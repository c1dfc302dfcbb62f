using System.Collections.Concurrent;
using System.Net;
using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

/// <summary>
/// Listener exceptions never corrupt the pool (the policy documented on <see cref="EventListener"/>):
/// the client catches them, reports each through <see cref="ConnectionPool.Log"/>, and the call and
/// the pool carry on as if the listener had returned.
/// </summary>
public sealed class ThrowingListenerTests
{
    public static TheoryData<string, bool> SuccessEvents()
    {
        var data = new TheoryData<string, bool>();
        string[] names =
        [
            "CallStart", "ProxySelectStart", "ProxySelectEnd", "DnsStart", "DnsEnd", "ConnectStart", "ConnectEnd",
            "ConnectionAcquired", "RequestHeadersStart", "RequestHeadersEnd", "RequestBodyStart", "RequestBodyEnd",
            "ResponseHeadersStart", "ResponseHeadersEnd", "ResponseBodyStart", "ResponseBodyEnd", "ConnectionReleased", "CallEnd",
        ];
        foreach (var name in names)
        {
            data.Add(name, false);
            data.Add(name, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SuccessEvents))]
    public async Task A_listener_throwing_in_any_phase_of_a_call_leaves_the_call_and_the_pool_intact(string eventName, bool http2)
    {
        var log = new ConcurrentQueue<string>();
        var listener = new ThrowingListener(eventName);
        var handler = new InstrumentedHandler
        {
            Dns = new StaticDns(IPAddress.Loopback),
            EventListener = listener,
            Pool = new ConnectionPool { Log = log.Enqueue },
            Protocols = http2 ? [Protocol.H2PriorKnowledge] : [Protocol.Http11],
        };
        await using var h = await ClientHarness.StartAsync(handler, server =>
        {
            if (http2)
            {
                server.Protocols = [Protocol.H2PriorKnowledge];
            }
        });
        h.Server.Enqueue(new MockResponse("first"));
        h.Server.Enqueue(new MockResponse("second"));

        using (var response = await h.Client.PostAsync(h.LocalhostUrl("/"), new StringContent("upload")))
        {
            (await response.Content.ReadAsStringAsync()).ShouldBe("first");
        }

        listener.Thrown.ShouldBeGreaterThan(0, $"{eventName} was raised");
        await Eventually.WaitUntilAsync(() => handler.Pool.Connections.All(c => c.ActiveStreams == 0), "the connection is released");
        handler.Pool.ConnectionCount.ShouldBe(1);
        log.ShouldContain(line => line.Contains(eventName, StringComparison.Ordinal) && line.Contains(ThrowingListener.Message, StringComparison.Ordinal));

        // The same connection carries the next call.
        using var again = await h.Client.PostAsync(h.LocalhostUrl("/"), new StringContent("upload"));
        (await again.Content.ReadAsStringAsync()).ShouldBe("second");
        again.GetExchange().ConnectionReused.ShouldBeTrue();
        await Eventually.WaitUntilAsync(() => handler.Pool.Connections.All(c => c.ActiveStreams == 0), "the connection is released again");
        handler.Pool.ConnectionCount.ShouldBe(1);
    }

    [Theory]
    [InlineData("ConnectFailed")]
    [InlineData("CallFailed")]
    [InlineData("Canceled")]
    public async Task A_listener_throwing_while_a_call_fails_leaves_the_original_failure_and_an_empty_pool(string eventName)
    {
        var log = new ConcurrentQueue<string>();
        var listener = new ThrowingListener(eventName);
        using var refused = new RefusingPort();
        using var handler = new InstrumentedHandler { EventListener = listener, Pool = new ConnectionPool { Log = log.Enqueue } };
        using var client = new HttpClient(handler);
        using var cts = new CancellationTokenSource();
        if (eventName == "Canceled")
        {
            await cts.CancelAsync();
        }

        var failure = await Should.ThrowAsync<Exception>(() => client.GetAsync($"http://127.0.0.1:{refused.Port}/", cts.Token));

        failure.Message.ShouldNotContain(ThrowingListener.Message);
        listener.Thrown.ShouldBeGreaterThan(0, $"{eventName} was raised");
        handler.Pool.ConnectionCount.ShouldBe(0);
        log.ShouldContain(line => line.Contains(eventName, StringComparison.Ordinal));
    }

    private sealed class ThrowingListener(string eventName) : EventListener
    {
        public const string Message = "listener bug for the test";
        private int _thrown;

        public int Thrown => Volatile.Read(ref _thrown);

        public override void OnCallStart(long callId, HttpRequestMessage request) => Throw("CallStart");

        public override void OnProxySelectStart(long callId, Uri url) => Throw("ProxySelectStart");

        public override void OnProxySelectEnd(long callId, Uri url, Uri? proxy) => Throw("ProxySelectEnd");

        public override void OnDnsStart(long callId, string host) => Throw("DnsStart");

        public override void OnDnsEnd(long callId, string host, IReadOnlyList<IPAddress> addresses) => Throw("DnsEnd");

        public override void OnConnectStart(long callId, Route route) => Throw("ConnectStart");

        public override void OnConnectEnd(long callId, Route route, Protocol protocol) => Throw("ConnectEnd");

        public override void OnConnectFailed(long callId, Route route, Exception exception) => Throw("ConnectFailed");

        public override void OnConnectionAcquired(long callId, long connectionId, Route route, bool reused) => Throw("ConnectionAcquired");

        public override void OnRequestHeadersStart(long callId) => Throw("RequestHeadersStart");

        public override void OnRequestHeadersEnd(long callId, HttpRequestMessage request) => Throw("RequestHeadersEnd");

        public override void OnRequestBodyStart(long callId) => Throw("RequestBodyStart");

        public override void OnRequestBodyEnd(long callId, long byteCount) => Throw("RequestBodyEnd");

        public override void OnResponseHeadersStart(long callId) => Throw("ResponseHeadersStart");

        public override void OnResponseHeadersEnd(long callId, HttpResponseMessage response) => Throw("ResponseHeadersEnd");

        public override void OnResponseBodyStart(long callId) => Throw("ResponseBodyStart");

        public override void OnResponseBodyEnd(long callId, long byteCount) => Throw("ResponseBodyEnd");

        public override void OnConnectionReleased(long callId, long connectionId) => Throw("ConnectionReleased");

        public override void OnCallEnd(long callId) => Throw("CallEnd");

        public override void OnCallFailed(long callId, Exception exception) => Throw("CallFailed");

        public override void OnCanceled(long callId) => Throw("Canceled");

        private void Throw(string name)
        {
            if (name == eventName)
            {
                Interlocked.Increment(ref _thrown);
                throw new InvalidOperationException(Message);
            }
        }
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using MockKit.Client.Tests.Support;

namespace MockKit.Client.Tests.WebSockets;

/// <summary>
/// The HTTP/1.1 upgrade at the byte level, against a raw server: a 101 is accepted only in answer
/// to a request that asked for an upgrade, and bytes the server sent right behind the 101 head are
/// the first bytes of the upgraded stream, which is writable.
/// </summary>
public sealed class Http1UpgradeTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_leaked_upgraded_stream_is_logged_and_its_connection_closed_when_collected()
    {
        using var raw = new RawHttpServer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo-protocol\r\nConnection: Upgrade\r\n\r\n");
        var log = new ConcurrentQueue<string>();
        var events = new RecordingEventListener();
        using var handler = new InstrumentedHandler { Pool = new ConnectionPool { Log = log.Enqueue }, EventListener = events };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);

        await LeakAnUpgradeAsync(invoker, new Uri($"http://127.0.0.1:{raw.Port}/"));

        await Eventually.WaitUntilAsync(
            () =>
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                return !log.IsEmpty;
            },
            "the leaked upgraded stream is finalized");
        log.ShouldHaveSingleItem().ShouldBe($"An upgraded connection to http://127.0.0.1:{raw.Port}/ was leaked. Did you forget to dispose the WebSocket?");
        handler.Pool.UpgradedConnectionCount.ShouldBe(0);
        events.EventNames.ShouldContain("CallEnd");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task LeakAnUpgradeAsync(HttpMessageInvoker invoker, Uri url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { { "Upgrade", "echo-protocol" }, { "Connection", "Upgrade" } } };
        var response = await invoker.SendAsync(request, CancellationToken.None).WaitAsync(Deadline);
        response.StatusCode.ShouldBe(HttpStatusCode.SwitchingProtocols);
    }

    [Fact]
    public async Task A_101_to_a_request_without_upgrade_is_a_protocol_error()
    {
        using var raw = new RawHttpServer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
        using var handler = new InstrumentedHandler();
        using var client = new HttpClient(handler);

        var failure = await Should.ThrowAsync<HttpRequestException>(() => client.GetAsync($"http://127.0.0.1:{raw.Port}/").WaitAsync(Deadline));

        failure.HttpRequestError.ShouldBe(HttpRequestError.InvalidResponse);
        failure.Message.ShouldContain("did not ask for an upgrade");
        handler.Pool.ConnectionCount.ShouldBe(0);
    }

    [Fact]
    public async Task Bytes_behind_the_101_head_are_read_first_and_the_stream_is_writable()
    {
        using var raw = new RawHttpServer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo-protocol\r\nConnection: Upgrade\r\n\r\nearly bytes");
        var events = new RecordingEventListener();
        using var handler = new InstrumentedHandler { EventListener = events };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{raw.Port}/")
        {
            Headers = { { "Upgrade", "echo-protocol" }, { "Connection", "Upgrade" } },
        };

        using var response = await invoker.SendAsync(request, CancellationToken.None).WaitAsync(Deadline);

        response.StatusCode.ShouldBe(HttpStatusCode.SwitchingProtocols);
        response.Headers.Upgrade.ToString().ShouldBe("echo-protocol");
        handler.Pool.ConnectionCount.ShouldBe(0);
        handler.Pool.UpgradedConnectionCount.ShouldBe(1);
        var stream = response.Content.ReadAsStream();
        stream.CanWrite.ShouldBeTrue();
        await stream.WriteAsync("ignored by the raw server"u8.ToArray()).AsTask().WaitAsync(Deadline);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        (await reader.ReadToEndAsync().WaitAsync(Deadline)).ShouldBe("early bytes"); // Then the server closed.
        events.EventNames.ShouldNotContain("CallEnd");

        await stream.DisposeAsync();
        events.EventNames.ShouldContain("CallEnd");
        handler.Pool.UpgradedConnectionCount.ShouldBe(0);
    }

    [Fact]
    public async Task A_101_without_an_upgrade_header_is_a_protocol_error()
    {
        using var raw = new RawHttpServer("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n");
        using var handler = new InstrumentedHandler();
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{raw.Port}/") { Headers = { { "Upgrade", "websocket" } } };

        var failure = await Should.ThrowAsync<HttpRequestException>(() => invoker.SendAsync(request, CancellationToken.None).WaitAsync(Deadline));

        failure.Message.ShouldContain("without an Upgrade header");
        handler.Pool.ConnectionCount.ShouldBe(0);
        handler.Pool.UpgradedConnectionCount.ShouldBe(0);
    }
}

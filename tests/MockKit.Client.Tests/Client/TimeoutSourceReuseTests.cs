using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

/// <summary>
/// A clean HTTP/1 exchange leaves its timeout source to the connection's next exchange; nothing
/// the previous exchange registered may cancel that next one.
/// </summary>
public sealed class TimeoutSourceReuseTests
{
    [Fact]
    public async Task Canceling_a_finished_bodys_read_token_does_not_touch_the_next_exchange()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("first"));
        h.Server.Enqueue(new MockResponse("second"));

        using (var reader = new CancellationTokenSource())
        using (var first = await h.Client.GetAsync(h.Url("/"), HttpCompletionOption.ResponseHeadersRead))
        {
            await using var body = await first.Content.ReadAsStreamAsync();
            var buffer = new byte[64];
            var total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(total), reader.Token)) > 0)
            {
                total += read;
            }

            total.ShouldBe(5);
            await reader.CancelAsync(); // After the body ended and the exchange was released.
        }

        using var second = await h.Client.GetAsync(h.Url("/"));
        second.GetExchange().ConnectionReused.ShouldBeTrue();
        (await second.Content.ReadAsStringAsync()).ShouldBe("second");
    }
}

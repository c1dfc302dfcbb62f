using System.Text;
using MockKit.Client.Tests.Fuzz;

namespace MockKit.Client.Tests.Client;

/// <summary>A server cannot keep an HTTP/1.1 exchange busy forever with interim (1xx) responses: they are capped per exchange.</summary>
public sealed class Http1InformationalLimitTests
{
    [Theory]
    [InlineData(InstrumentedHandler.MaxInformationalResponses, true)]
    [InlineData(InstrumentedHandler.MaxInformationalResponses + 1, false)]
    public async Task Informational_responses_are_capped_per_exchange(int count, bool succeeds)
    {
        var interim = string.Concat(Enumerable.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n", count));
        await using var server = new ScriptedRawServer(() => (Encoding.ASCII.GetBytes(interim + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal"), false));
        using var handler = new InstrumentedHandler();
        using var client = new HttpClient(handler);

        var call = client.GetStringAsync($"http://127.0.0.1:{server.Port}/");

        if (succeeds)
        {
            (await call.WaitAsync(TimeSpan.FromSeconds(20))).ShouldBe("final");
        }
        else
        {
            var failure = await Should.ThrowAsync<HttpRequestException>(() => call.WaitAsync(TimeSpan.FromSeconds(20)));
            failure.ToString().ShouldContain("informational");
            handler.Pool.ConnectionCount.ShouldBe(0, "the rest of the response was never read: the connection cannot be reused");
        }
    }
}

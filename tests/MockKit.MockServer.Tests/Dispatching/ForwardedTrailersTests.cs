using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;

namespace MockKit.MockServer.Tests.Dispatching;

/// <summary>
/// An upstream response that declares both a Content-Length and trailers (legal in HTTP/2, where
/// the length does not exclude a trailer section) forwarded to an HTTP/1.1 client: trailers exist
/// only in the chunked coding there (RFC 9112 section 7.1.2), so the forward is chunked and the
/// trailers arrive.
/// </summary>
public sealed class ForwardedTrailersTests : IAsyncLifetime
{
    private WebApplication _app = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        _app = builder.Build();
        _app.MapGet("/length-and-trailers", async context =>
        {
            context.Response.ContentLength = "with trailers".Length;
            context.Response.DeclareTrailer("X-Checksum");
            await context.Response.WriteAsync("with trailers");
            context.Response.AppendTrailer("X-Checksum", "abc123");
        });
        _app.MapGet("/length-only", async context =>
        {
            context.Response.ContentLength = "plain".Length;
            await context.Response.WriteAsync("plain");
        });
        await _app.StartAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Declared_trailers_reach_an_http11_client_even_when_the_upstream_declared_a_length()
    {
        var forward = new ForwardingDispatcher(_app.GetTestServer().CreateHandler(), new Uri("http://app.test/"));
        await using var server = new MockWebServer { Dispatcher = forward };
        using var client = new HttpClient();

        using var response = await client.GetAsync(server.Url("/length-and-trailers"));

        (await response.Content.ReadAsStringAsync()).ShouldBe("with trailers");
        response.TrailingHeaders.GetValues("X-Checksum").ShouldBe(["abc123"]);
        response.Headers.TransferEncodingChunked.ShouldBe(true); // A length would end the message before its trailers.
    }

    [Fact]
    public async Task Without_declared_trailers_the_upstream_length_is_kept()
    {
        var forward = new ForwardingDispatcher(_app.GetTestServer().CreateHandler(), new Uri("http://app.test/"));
        await using var server = new MockWebServer { Dispatcher = forward };
        using var client = new HttpClient();

        using var response = await client.GetAsync(server.Url("/length-only"));

        (await response.Content.ReadAsStringAsync()).ShouldBe("plain");
        response.Headers.TransferEncodingChunked.ShouldNotBe(true);
    }
}

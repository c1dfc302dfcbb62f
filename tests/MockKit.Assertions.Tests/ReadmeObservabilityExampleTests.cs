using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MockKit.Client;
using MockKit.MockServer;

namespace MockKit.Assertions.Tests;

/// <summary>The README's "Observability" example, verbatim: keep the two in step.</summary>
public sealed class ReadmeObservabilityExampleTests
{
    [Fact]
    public async Task The_apps_outbound_call_carries_the_tests_trace()
    {
        await using var upstream = new MockWebServer();
        upstream.Enqueue(new MockResponse("{\"price\":42}"));
        using var host = await new HostBuilder().ConfigureWebHost(web => web
                .UseTestServer(o => o.PreserveExecutionContext = true) // the test's Activity.Current flows into the app
                .ConfigureServices(s => s.AddSingleton(new HttpClient(new InstrumentedHandler())))
                .Configure(app => app.Run(async ctx => await ctx.Response.WriteAsync(
                    await ctx.RequestServices.GetRequiredService<HttpClient>().GetStringAsync(upstream.Url("/price"))))))
            .StartAsync();

        using var activity = new Activity("checkout test").Start();
        (await host.GetTestClient().GetStringAsync("/checkout")).ShouldBe("{\"price\":42}");

        upstream.TakeRequest().ShouldHaveTraceParent(activity);
    }
}

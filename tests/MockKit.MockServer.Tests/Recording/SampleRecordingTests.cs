using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;

namespace MockKit.MockServer.Tests.Recording;

/// <summary>
/// samples/recordings/weather.json is what recording its traffic gives, byte for byte: the sample
/// shows the real format, and recording again changes nothing. Set MOCKKIT_REGENERATE_SAMPLES=1 to
/// rewrite the sample after a deliberate format change (the test then still compares).
/// </summary>
public sealed class SampleRecordingTests
{
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    [Fact]
    public async Task Recording_the_sample_traffic_gives_the_sample_file()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        await using var app = builder.Build();
        app.MapGet("/forecast", () => Results.Text("sunny, 24 °C"));
        app.MapPost("/alerts", (HttpContext context) =>
        {
            context.Response.StatusCode = 201;
            context.Response.Headers.Location = "/alerts/17";
        });
        app.MapGet("/radar/{name}", async context =>
        {
            context.Response.ContentType = "image/png";
            context.Response.DeclareTrailer("X-Checksum");
            await context.Response.Body.WriteAsync(Png);
            context.Response.AppendTrailer("X-Checksum", "5d41402a");
        });
        await app.StartAsync();
        var forward = new ForwardingDispatcher(app.GetTestServer().CreateHandler(), new Uri("http://weather.test/"));
        await using (var server = new MockWebServer { Dispatcher = forward })
        {
            using var client = new HttpClient();
            using var forecast = new HttpRequestMessage(HttpMethod.Get, server.Url("/forecast?city=Lisbon"));
            forecast.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "live-token");
            (await client.SendAsync(forecast)).Dispose();
            (await client.PostAsync(server.Url("/alerts"), new StringContent("{\"city\":\"Bergen\",\"level\":\"storm\"}", Encoding.UTF8, "application/json"))).Dispose();
            (await client.GetAsync(server.Url("/radar/Bergen.png"))).Dispose();
            await forward.WaitForRecordingsAsync(3);
        }

        var sample = Path.Combine(RepositoryRoot(), "samples", "recordings", "weather.json");
        var recorded = Path.Combine(Path.GetTempPath(), $"mockkit-sample-{Guid.NewGuid():N}.json");
        try
        {
            forward.SaveRecordings(recorded);
            if (Environment.GetEnvironmentVariable("MOCKKIT_REGENERATE_SAMPLES") == "1")
            {
                File.Copy(recorded, sample, overwrite: true);
            }

            (await File.ReadAllTextAsync(recorded)).ShouldBe((await File.ReadAllTextAsync(sample)).ReplaceLineEndings("\n"));
        }
        finally
        {
            File.Delete(recorded);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MockKit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MockKit.sln not found above " + AppContext.BaseDirectory);
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace MockKitXunit;

/// <summary>
/// Example app under test: an ASP.NET Core minimal API whose endpoint calls a downstream
/// forecast service through a named HttpClient from IHttpClientFactory. In your solution this
/// is your real app's Program; here it is built in memory so the template runs on its own.
/// </summary>
public static class WeatherApp
{
    public const string Downstream = "forecast-service";

    /// <summary>Builds the app on TestHost, with the downstream client's base address and primary handler supplied by the test.</summary>
    public static WebApplication Build(Uri downstreamBaseAddress, Func<HttpMessageHandler> primaryHandler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services
            .AddHttpClient(Downstream, client => client.BaseAddress = downstreamBaseAddress)
            .ConfigurePrimaryHttpMessageHandler(primaryHandler);

        var app = builder.Build();
        app.MapGet("/weather/{city}", async (string city, IHttpClientFactory clients, CancellationToken cancellationToken) =>
        {
            var downstream = clients.CreateClient(Downstream);
            using var response = await downstream.GetAsync($"forecast?city={Uri.EscapeDataString(city)}", cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return Results.Problem($"The forecast service answered {(int)response.StatusCode}.", statusCode: StatusCodes.Status502BadGateway);
            }

            var forecast = await response.Content.ReadAsStringAsync(cancellationToken);
            return Results.Text($"{city}: {forecast}");
        });
        return app;
    }
}

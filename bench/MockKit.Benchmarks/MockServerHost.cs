using MockKit.MockServer;

namespace MockKit.Benchmarks;

/// <summary>Starts MockWebServer answering every request with <see cref="FixedResponse"/>.</summary>
internal static class MockServerHost
{
    public static MockWebServer Start()
    {
        var response = new MockResponse
        {
            Body = FixedResponse.Body,
            Headers =
            {
                { "Content-Type", FixedResponse.ContentType },
                { "Content-Length", FixedResponse.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                { "Date", FixedResponse.Date },
            },
        };

        // Every request is still recorded (that is the product); BodyLimit = 0 only keeps
        // request bodies out of the records, and GETs have none anyway.
        var server = new MockWebServer { BodyLimit = 0, Dispatcher = Dispatcher.From(_ => response) };
        server.Start();
        return server;
    }
}

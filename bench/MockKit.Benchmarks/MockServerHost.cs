using MockKit.MockServer;

namespace MockKit.Benchmarks;

/// <summary>Starts MockWebServer answering every request with <see cref="FixedResponse"/>.</summary>
internal static class MockServerHost
{
    /// <summary>Starts the server.</summary>
    /// <param name="variant">"h1" (HTTP/1.1 cleartext), "h2c" (HTTP/2 prior knowledge), "h2" (HTTP/2 over TLS, ALPN), or
    /// "grpc" (h2c answering every call with grpc-unary's <see cref="MockKit.Grpc.GrpcResponse.Unary"/> reply, for h2load
    /// sending a gRPC request body).</param>
    /// <returns>The started server.</returns>
    public static MockWebServer Start(string variant = "h1")
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
        switch (variant)
        {
            case "grpc":
                var reply = MockKit.Grpc.GrpcResponse.Unary(new MockKit.Benchmarks.Grpc.Pong { Text = "hello benchmark" });
                server.Dispatcher = Dispatcher.From(_ => reply);
                server.Protocols = [Protocol.H2PriorKnowledge];
                break;
            case "h2c":
                server.Protocols = [Protocol.H2PriorKnowledge];
                break;
            case "h2":
                server.UseHttps(MockKit.Tls.HandshakeCertificates.Localhost());
                server.Protocols = [Protocol.Http2];
                break;
        }

        server.Start();
        return server;
    }
}

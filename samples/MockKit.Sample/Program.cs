using MockKit;
using MockKit.MockServer;
using MockKit.Tls;

// A tour of MockWebServer in one screen: script responses (one of them misbehaving on
// purpose), point a client at the server, then read back what the server recorded.
// Run with --verbose to watch the server's traffic log as well.

var verbose = args.Contains("--verbose");
await using var server = new MockWebServer { TrafficLog = verbose ? line => Console.WriteLine($"  server| {line}") : null };
server.Enqueue(new MockResponse("{\"id\": 7}") { Headers = { { "Content-Type", "application/json" } } });
server.Enqueue(new MockResponse(201, "created") { Headers = { { "Location", "/users/8" } } });
server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAfterRequest });
server.Enqueue(new MockResponse("recovered"));
server.Enqueue(new MockResponse("chunked hello") { ChunkSize = 4, Trailers = { { "X-Checksum", "42" } } });
server.Start();

using var client = new HttpClient();
Console.WriteLine($"MockWebServer listening at {server.Url("/")}\n");

Console.WriteLine($"GET /users/7        -> {await client.GetStringAsync(server.Url("/users/7"))}");
var created = await client.PostAsync(server.Url("/users"), new StringContent("{\"name\": \"ada\"}"));
Console.WriteLine($"POST /users         -> {(int)created.StatusCode} Location: {created.Headers.Location}");
// The server hangs up on purpose after reading this request (DisconnectAfterRequest); the
// client retries on a fresh connection, which the recorded sequence numbers below show.
Console.WriteLine($"GET /flaky          -> {await client.GetStringAsync(server.Url("/flaky"))} (after a retry)");

using var chunked = await client.GetAsync(server.Url("/stream"));
Console.WriteLine($"GET /stream         -> {await chunked.Content.ReadAsStringAsync()} (trailer X-Checksum: {string.Join(",", chunked.TrailingHeaders.GetValues("X-Checksum"))})");

Console.WriteLine("\nRecorded requests (connection index / sequence number on that connection):");
for (var i = 0; i < 5; i++)
{
    var request = server.TakeRequest();
    Console.WriteLine($"  #{request.ConnectionIndex}/{request.SequenceNumber}  {request.RequestLine,-28} body={request.BodySize} bytes{(request.BodySize > 0 ? $" '{request.BodyText}'" : string.Empty)}");
}

// HTTPS with a generated certificate that the same object trusts on the client side.
await using var https = new MockWebServer();
https.UseHttps(HandshakeCertificates.Localhost());
https.Enqueue(new MockResponse("hello over TLS"));
using var tlsClient = new HttpClient(HandshakeCertificates.Localhost().CreateSocketsHttpHandler());
Console.WriteLine($"\nGET {https.Url("/")} -> {await tlsClient.GetStringAsync(https.Url("/"))}");
var secure = https.TakeRequest();
Console.WriteLine($"  recorded over {secure.Handshake!.TlsVersion} with {secure.Handshake.CipherSuite}");

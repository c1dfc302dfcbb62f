using System.Net.Sockets;
using System.Text;
using MockKit.MockServer;

namespace MockKit.Assertions.Tests;

public sealed class RecordedRequestAssertionsTests : IAsyncLifetime
{
    private readonly MockWebServer _server = new();
    private RecordedRequest _request = null!;

    public async Task InitializeAsync()
    {
        _server.Enqueue(new MockResponse());
        using var client = new TcpClient();
        await client.ConnectAsync(_server.HostName, _server.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /users?page=2 HTTP/1.1\r\nHost: api.test\r\nX-Trace: t1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n1\r\n!\r\n0\r\n\r\n"));
        _request = _server.TakeRequest();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void Matching_assertions_pass_and_chain()
    {
        _request
            .ShouldHaveMethod("POST")
            .ShouldHavePath("/users?page=2")
            .ShouldHaveTarget("/users?page=2")
            .ShouldHaveUrl(new Uri("http://api.test/users?page=2"))
            .ShouldHaveHeader("x-trace")
            .ShouldHaveHeader("X-Trace", "t1")
            .ShouldNotHaveHeader("Authorization")
            .ShouldHaveBody("hi!")
            .ShouldHaveBody("hi!"u8.ToArray())
            .ShouldHaveBodySize(3)
            .ShouldHaveChunkSizes(2, 1)
            .ShouldHaveSequenceNumber(0)
            .ShouldHaveConnectionIndex(0)
            .ShouldHaveProtocol(Protocol.Http11)
            .ShouldHaveNoFailure()
            .ShouldBeSameAs(_request);
    }

    private const string Context = """


        POST /users?page=2 HTTP/1.1 (connection 0, sequence 0)
            Host: api.test
            X-Trace: t1
            Transfer-Encoding: chunked
        """;

    [Fact]
    public void Method_mismatch_shows_expected_actual_and_the_request() =>
        Should.Throw<ShouldAssertException>(() => _request.ShouldHaveMethod("GET")).Message.ShouldBe(
            "request should have method\n    \"GET\"\n    but was\n    \"POST\"" + Context.ReplaceLineEndings("\n"));

    [Fact]
    public void Header_value_mismatch_names_the_header() =>
        Should.Throw<ShouldAssertException>(() => _request.ShouldHaveHeader("X-Trace", "t2")).Message.ShouldBe(
            "request should have header X-Trace\n    \"t2\"\n    but was\n    \"t1\"" + Context.ReplaceLineEndings("\n"));

    [Fact]
    public void Missing_header_says_absent() =>
        Should.Throw<ShouldAssertException>(() => _request.ShouldHaveHeader("Accept")).Message.ShouldStartWith(
            "request should have header Accept\n    present\n    but was\n    absent\n\nPOST /users?page=2 HTTP/1.1");

    [Fact]
    public void Unexpected_header_shows_its_value() =>
        Should.Throw<ShouldAssertException>(() => _request.ShouldNotHaveHeader("Host")).Message.ShouldStartWith(
            "request should not have header Host\n    absent\n    but was\n    \"api.test\"\n");

    [Fact]
    public void Body_and_chunk_mismatches_show_both_values()
    {
        Should.Throw<ShouldAssertException>(() => _request.ShouldHaveBody("bye")).Message.ShouldStartWith(
            "request should have body\n    \"bye\"\n    but was\n    \"hi!\"\n");
        Should.Throw<ShouldAssertException>(() => _request.ShouldHaveChunkSizes(3)).Message.ShouldStartWith(
            "request should have chunk sizes\n    [3]\n    but was\n    [2, 1]\n");
        Should.Throw<ShouldAssertException>(() => _request.ShouldHaveBodySize(4)).Message.ShouldStartWith(
            "request should have body size\n    4\n    but was\n    3\n");
    }

    [Fact]
    public void Position_mismatches_show_the_numbers()
    {
        Should.Throw<ShouldAssertException>(() => _request.ShouldHaveSequenceNumber(1)).Message.ShouldStartWith(
            "request should have sequence number\n    1\n    but was\n    0\n");
        Should.Throw<ShouldAssertException>(() => _request.ShouldHaveConnectionIndex(2)).Message.ShouldStartWith(
            "request should have connection index\n    2\n    but was\n    0\n");
        Should.Throw<ShouldAssertException>(() => _request.ShouldHaveProtocol(Protocol.Http2)).Message.ShouldStartWith(
            "request should have protocol\n    Http2\n    but was\n    Http11\n");
    }

    [Fact]
    public void Tls_assertions_on_a_cleartext_request_say_so() =>
        Should.Throw<ShouldAssertException>(() => _request.ShouldHaveTlsServerName("api.test")).Message.ShouldStartWith(
            "request should have TLS server name\n    \"api.test\"\n    but was\n    \"no TLS\"\n");
}

using System.IO.Compression;
using System.Net;
using Google.Protobuf;
using MockKit.Client;
using MockKit.Grpc.Tests.Greet;
using MockKit.MockServer;

namespace MockKit.Grpc.Tests;

/// <summary>Hostile or mistaken input to the recorded-request readers gets an error naming what was wrong.</summary>
public sealed class ReadGrpcMessagesTests
{
    [Fact]
    public async Task Several_messages_with_one_gzip_compressed_are_all_read()
    {
        byte[] body = [.. Frame(new HelloRequest { Name = "plain" }.ToByteArray(), compressed: false), .. Frame(Gzip(new HelloRequest { Name = "zipped" }.ToByteArray()), compressed: true)];
        var recorded = await RecordAsync(body, ("grpc-encoding", "gzip"));

        recorded.ReadGrpcMessages<HelloRequest>().Select(m => m.Name).ShouldBe(["plain", "zipped"]);
    }

    [Fact]
    public async Task A_body_that_does_not_parse_as_the_message_type_names_the_type_and_the_message()
    {
        // Field 1 as a length-delimited value that claims more bytes than there are.
        var recorded = await RecordAsync(Frame([0x0A, 0x7F, 0x01], compressed: false));

        var e = Should.Throw<InvalidOperationException>(() => recorded.ReadGrpcMessages<HelloRequest>());
        e.Message.ShouldContain("message 0 (3 bytes) does not parse as MockKit.Grpc.Tests.Greet.HelloRequest");
    }

    [Fact]
    public async Task A_truncated_body_says_how_much_is_missing()
    {
        var framed = Frame(new HelloRequest { Name = "cut short" }.ToByteArray(), compressed: false);
        var recorded = await RecordAsync(framed[..^3]);

        var e = Should.Throw<InvalidOperationException>(() => recorded.ReadGrpcMessages<HelloRequest>());
        e.Message.ShouldContain("is truncated: message 0 declares 11 bytes but only 8 follow");
    }

    [Fact]
    public async Task An_unsupported_encoding_is_named()
    {
        var recorded = await RecordAsync(Frame([1, 2, 3], compressed: true), ("grpc-encoding", "snappy"));

        var e = Should.Throw<InvalidOperationException>(() => recorded.ReadGrpcMessages<HelloRequest>());
        e.Message.ShouldContain("grpc-encoding 'snappy'; only gzip (and identity) can be decoded");
    }

    [Fact]
    public async Task A_body_cut_at_the_servers_body_limit_says_so()
    {
        var framed = Frame(new HelloRequest { Name = new string('b', 100) }.ToByteArray(), compressed: false);
        var recorded = await RecordAsync(framed, bodyLimit: 10);

        var e = Should.Throw<InvalidOperationException>(() => recorded.ReadGrpcMessages<HelloRequest>());
        e.Message.ShouldContain("was cut at the server's BodyLimit: 10 of 107 bytes kept");
    }

    [Fact]
    public async Task A_request_that_is_not_grpc_is_refused_by_name()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("ok"));
        using var client = new HttpClient(new InstrumentedHandler());
        (await client.PostAsync(server.Url("/greet.Greeter/SayHello"), new StringContent("{}"))).Dispose();
        var recorded = server.TakeRequest();

        recorded.IsGrpc().ShouldBeFalse();
        Should.Throw<InvalidOperationException>(() => recorded.ReadGrpcMessages<HelloRequest>())
            .Message.ShouldBe("ReadGrpcMessages: 'POST /greet.Greeter/SayHello HTTP/1.1' is not a gRPC call (content-type 'text/plain; charset=utf-8'; gRPC sends application/grpc).");
        Should.Throw<InvalidOperationException>(() => recorded.GrpcMethod()).Message.ShouldStartWith("GrpcMethod: ");
        Should.Throw<Shouldly.ShouldAssertException>(() => recorded.ShouldBeGrpcCall("/greet.Greeter/SayHello"))
            .Message.ShouldContain("not a gRPC call");
    }

    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("99999999u", 999_999_990L)]
    [InlineData("500n", 5L)]
    public async Task GrpcTimeout_reads_every_unit(string header, long ticks)
    {
        var recorded = await RecordAsync([], ("grpc-timeout", header));

        recorded.GrpcTimeout().ShouldBe(TimeSpan.FromTicks(ticks));
    }

    [Theory]
    [InlineData("10")]
    [InlineData("123456789S")]
    [InlineData("5x")]
    public async Task A_malformed_grpc_timeout_is_named(string header)
    {
        var recorded = await RecordAsync([], ("grpc-timeout", header));

        Should.Throw<InvalidOperationException>(() => recorded.GrpcTimeout()).Message.ShouldContain($"grpc-timeout '{header}' is not a gRPC timeout");
    }

    [Fact]
    public void Grpc_message_percent_encoding_follows_the_protocol_document()
    {
        // PROTOCOL-HTTP2: bytes outside %x20-%x7E and '%' itself are percent-encoded, over UTF-8.
        GrpcStatusText.EncodeMessage("a b%c\té").ShouldBe("a b%25c%09%C3%A9");
        GrpcStatusText.DecodeMessage("a b%25c%09%C3%A9").ShouldBe("a b%c\té");
    }

    private static async Task<RecordedRequest> RecordAsync(byte[] body, (string Name, string Value)? header = null, long bodyLimit = MockWebServer.DefaultBodyLimit)
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], BodyLimit = bodyLimit };
        server.Enqueue(GrpcResponse.Unary(new HelloReply()));
        using var client = new HttpClient(new InstrumentedHandler());
        using var request = GrpcErrorAndMetadataTests.GrpcPost(server, body);
        if (header is { } h)
        {
            request.Headers.TryAddWithoutValidation(h.Name, h.Value);
        }

        using var response = await client.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return server.TakeRequest();
    }

    private static byte[] Frame(byte[] payload, bool compressed)
    {
        var framed = new byte[5 + payload.Length];
        framed[0] = compressed ? (byte)1 : (byte)0;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(framed, 5);
        return framed;
    }

    private static byte[] Gzip(byte[] plain)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(plain);
        }

        return output.ToArray();
    }
}

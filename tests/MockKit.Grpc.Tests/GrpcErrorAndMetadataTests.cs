using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using MockKit.Client;
using MockKit.Grpc.Tests.Greet;
using MockKit.MockServer;

namespace MockKit.Grpc.Tests;

/// <summary>Status, detail and metadata across the wire, both ways.</summary>
public sealed class GrpcErrorAndMetadataTests
{
    [Theory]
    [InlineData(GrpcTransport.H2cInstrumented)]
    [InlineData(GrpcTransport.TlsSockets)]
    public async Task An_error_detail_with_non_ascii_text_and_percent_arrives_intact(GrpcTransport transport)
    {
        await using var h = await GrpcHarness.StartAsync(transport);
        const string Detail = "Überlastet: 100% ausgelastet — 请稍后 %41 \r\n end";
        h.Server.Enqueue(GrpcResponse.Error(StatusCode.Unavailable, Detail));

        var e = await Should.ThrowAsync<RpcException>(async () => await h.Client.SayHelloAsync(new HelloRequest { Name = "a" }));

        e.StatusCode.ShouldBe(StatusCode.Unavailable);
        e.Status.Detail.ShouldBe(Detail);
    }

    [Fact]
    public async Task An_error_is_trailers_only_one_header_block_with_the_status_and_no_body()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        var error = GrpcResponse.Error(StatusCode.NotFound, "no such 100%");
        error.Headers.Add("x-meta", "h");
        error.Trailers.Add("x-trailer-meta", "t");
        server.Enqueue(error);
        using var client = new HttpClient(new InstrumentedHandler());
        using var request = GrpcPost(server, []);

        using var response = await client.SendAsync(request);

        // Trailers-Only (PROTOCOL-HTTP2): everything in the one HEADERS frame, nothing after it.
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.GetValues("grpc-status").ShouldBe(["5"]);
        response.Headers.GetValues("grpc-message").ShouldBe(["no such 100%25"]);
        response.Headers.GetValues("x-meta").ShouldBe(["h"]);
        response.Headers.GetValues("x-trailer-meta").ShouldBe(["t"]);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/grpc");
        response.Content.Headers.NonValidated.Contains("Content-Length").ShouldBeFalse();
        (await response.Content.ReadAsByteArrayAsync()).ShouldBeEmpty();
        response.TrailingHeaders.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(GrpcTransport.H2cInstrumented)]
    [InlineData(GrpcTransport.H2cSockets)]
    public async Task Metadata_travels_both_ways(GrpcTransport transport)
    {
        await using var h = await GrpcHarness.StartAsync(transport);
        var reply = GrpcResponse.Unary(new HelloReply { Message = "m" });
        reply.Headers.Add("x-response-meta", "head");
        reply.Trailers.Add("x-trailer-meta", "tail");
        h.Server.Enqueue(reply);

        using var call = h.Client.SayHelloAsync(new HelloRequest { Name = "m" }, new Metadata { { "x-request-meta", "sent" }, { "x-meta-bin", [1, 2, 3] } });
        (await call.ResponseAsync).Message.ShouldBe("m");

        (await call.ResponseHeadersAsync).GetValue("x-response-meta").ShouldBe("head");
        call.GetTrailers().GetValue("x-trailer-meta").ShouldBe("tail");
        var recorded = h.Server.TakeRequest();
        recorded.Headers["x-request-meta"].ShouldBe("sent");
        recorded.Headers["x-meta-bin"].ShouldBe("AQID");
    }

    [Fact]
    public async Task A_stream_can_end_with_an_error_status_after_its_messages()
    {
        await using var h = await GrpcHarness.StartAsync(GrpcTransport.H2cInstrumented);
        h.Server.Enqueue(GrpcResponse.Stream([new HelloReply { Message = "1" }], StatusCode.Aborted, "stopped"));

        using var call = h.Client.SayHellos(new HelloRequest());
        (await call.ResponseStream.MoveNext(CancellationToken.None)).ShouldBeTrue();
        call.ResponseStream.Current.Message.ShouldBe("1");
        var e = await Should.ThrowAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        e.StatusCode.ShouldBe(StatusCode.Aborted);
        e.Status.Detail.ShouldBe("stopped");
    }

    [Fact]
    public async Task An_unmatched_call_is_unimplemented_with_the_near_miss_report_and_recorded_as_a_miss()
    {
        await using var h = await GrpcHarness.StartAsync(GrpcTransport.H2cInstrumented);
        var routes = new RouteDispatcher()
            .MapGrpc("/greet.Greeter/SayHellos")
            .Respond(GrpcResponse.Stream([]));
        h.Server.Dispatcher = routes;

        var e = await Should.ThrowAsync<RpcException>(async () => await h.Client.SayHelloAsync(new HelloRequest { Name = "a" }));

        e.StatusCode.ShouldBe(StatusCode.Unimplemented);
        e.Status.Detail.ShouldContain("No route matched POST /greet.Greeter/SayHello");
        e.Status.Detail.ShouldContain("1. POST /greet.Greeter/SayHellos: ");
        var recorded = h.Server.TakeRequest();
        recorded.Failure.ShouldBeOfType<UnmatchedRequestException>().Report.ShouldBe(e.Status.Detail);
        routes.Unmatched.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task RespondUnary_computes_the_reply_from_the_request_and_maps_an_rpc_exception_to_its_status()
    {
        await using var h = await GrpcHarness.StartAsync(GrpcTransport.H2cInstrumented);
        h.Server.Dispatcher = new RouteDispatcher()
            .MapGrpc("greet.Greeter/SayHello")
            .RespondUnary<HelloRequest, HelloReply>(r => r.Name == "bad"
                ? throw new RpcException(new Status(StatusCode.InvalidArgument, "bad name"))
                : new HelloReply { Message = "Hello " + r.Name });

        (await h.Client.SayHelloAsync(new HelloRequest { Name = "Ada" })).Message.ShouldBe("Hello Ada");
        var e = await Should.ThrowAsync<RpcException>(async () => await h.Client.SayHelloAsync(new HelloRequest { Name = "bad" }));
        e.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        e.Status.Detail.ShouldBe("bad name");
    }

    [Fact]
    public async Task A_grpc_response_to_an_http_1_1_request_is_a_505_and_a_named_failure()
    {
        await using var server = new MockWebServer();
        server.Enqueue(GrpcResponse.Unary(new HelloReply { Message = "never" }));
        using var client = new HttpClient(new InstrumentedHandler());
        using var request = GrpcPost(server, []);
        request.Version = HttpVersion.Version11;

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.HttpVersionNotSupported);
        var recorded = server.TakeRequest();
        recorded.Protocol.ShouldBe(Protocol.Http11);
        recorded.Failure!.Message.ShouldContain("needs HTTP/2");
    }

    [Fact]
    public async Task A_duplex_grpc_response_to_an_http_1_1_request_is_a_505_too()
    {
        await using var server = new MockWebServer();
        server.Enqueue(GrpcResponse.Duplex<HelloRequest, HelloReply>((_, _, _) => Task.FromResult(Status.DefaultSuccess)));
        using var client = new HttpClient(new InstrumentedHandler());
        using var request = GrpcPost(server, []);
        request.Version = HttpVersion.Version11;

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.HttpVersionNotSupported);
        server.TakeRequest().Failure!.Message.ShouldContain("needs HTTP/2");
    }

    internal static HttpRequestMessage GrpcPost(MockWebServer server, byte[] body, string path = "/greet.Greeter/SayHello")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        return new HttpRequestMessage(HttpMethod.Post, server.Url(path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
    }
}

using Grpc.Core;
using MockKit.Grpc.Tests.Greet;

namespace MockKit.Grpc.Tests;

/// <summary>The four gRPC call types, from Grpc.Net.Client, over h2c and TLS, through our handler and the runtime's.</summary>
public sealed class GrpcCallTypesTests
{
    public static TheoryData<GrpcTransport> Transports => [GrpcTransport.H2cInstrumented, GrpcTransport.TlsInstrumented, GrpcTransport.H2cSockets, GrpcTransport.TlsSockets];

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Unary_call_gets_the_message_and_the_server_records_the_call(GrpcTransport transport)
    {
        await using var h = await GrpcHarness.StartAsync(transport);
        h.Server.Enqueue(GrpcResponse.Unary(new HelloReply { Message = "hi a" }));

        var reply = await h.Client.SayHelloAsync(new HelloRequest { Name = "a" });

        reply.Message.ShouldBe("hi a");
        var recorded = h.Server.TakeRequest();
        recorded.IsGrpc().ShouldBeTrue();
        recorded.GrpcMethod().ShouldBe("/greet.Greeter/SayHello");
        recorded.ShouldBeGrpcCall("/greet.Greeter/SayHello").ShouldHaveGrpcMessage(new HelloRequest { Name = "a" });
        recorded.Protocol.ShouldBe(transport is GrpcTransport.H2cInstrumented or GrpcTransport.H2cSockets ? Protocol.H2PriorKnowledge : Protocol.Http2);
        recorded.Failure.ShouldBeNull();
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Server_streaming_call_reads_every_message_then_ok(GrpcTransport transport)
    {
        await using var h = await GrpcHarness.StartAsync(transport);
        h.Server.Enqueue(GrpcResponse.Stream([new HelloReply { Message = "1" }, new HelloReply { Message = "2" }, new HelloReply { Message = "3" }]));

        using var call = h.Client.SayHellos(new HelloRequest { Name = "s" });
        var messages = new List<string>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            messages.Add(reply.Message);
        }

        messages.ShouldBe(["1", "2", "3"]);
        call.GetStatus().StatusCode.ShouldBe(StatusCode.OK);
        h.Server.TakeRequest().ShouldBeGrpcCall("greet.Greeter/SayHellos");
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Client_streaming_call_is_answered_by_a_duplex_handler_that_reads_every_message(GrpcTransport transport)
    {
        await using var h = await GrpcHarness.StartAsync(transport);
        h.Server.Enqueue(GrpcResponse.Duplex<HelloRequest, HelloReply>(async (requests, responses, ct) =>
        {
            var names = new List<string>();
            await foreach (var request in requests.ReadAllAsync(ct))
            {
                names.Add(request.Name);
            }

            await responses.WriteAsync(new HelloReply { Message = string.Join("+", names) }, ct);
            return Status.DefaultSuccess;
        }));

        using var call = h.Client.CollectHellos();
        foreach (var name in new[] { "x", "y", "z" })
        {
            await call.RequestStream.WriteAsync(new HelloRequest { Name = name });
        }

        await call.RequestStream.CompleteAsync();
        (await call.ResponseAsync).Message.ShouldBe("x+y+z");
        h.Server.TakeRequest().ShouldHaveGrpcMessages(new HelloRequest { Name = "x" }, new HelloRequest { Name = "y" }, new HelloRequest { Name = "z" });
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Bidirectional_call_answers_each_message_before_the_next_is_sent(GrpcTransport transport)
    {
        await using var h = await GrpcHarness.StartAsync(transport);
        h.Server.Enqueue(GrpcResponse.Duplex<HelloRequest, HelloReply>(async (requests, responses, ct) =>
        {
            while (await requests.MoveNext(ct))
            {
                await responses.WriteAsync(new HelloReply { Message = "echo " + requests.Current.Name }, ct);
            }

            return new Status(StatusCode.OK, string.Empty);
        }));

        using var call = h.Client.Chat();
        // Ping-pong: each answer is read before the next request goes, so this only passes when the
        // server answers while the request stream is still open (true duplex).
        foreach (var name in new[] { "one", "two" })
        {
            await call.RequestStream.WriteAsync(new HelloRequest { Name = name });
            (await call.ResponseStream.MoveNext(CancellationToken.None)).ShouldBeTrue();
            call.ResponseStream.Current.Message.ShouldBe("echo " + name);
        }

        await call.RequestStream.CompleteAsync();
        (await call.ResponseStream.MoveNext(CancellationToken.None)).ShouldBeFalse();
        call.GetStatus().StatusCode.ShouldBe(StatusCode.OK);
    }

    [Fact]
    public async Task A_duplex_handler_status_and_rpc_exception_go_in_the_trailers()
    {
        await using var h = await GrpcHarness.StartAsync(GrpcTransport.H2cInstrumented);
        h.Server.Enqueue(GrpcResponse.Duplex<HelloRequest, HelloReply>((requests, responses, ct) =>
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "quota 100% used"), new Metadata { { "retry-after-ms", "50" } })));

        using var call = h.Client.CollectHellos();
        await call.RequestStream.CompleteAsync();
        var e = await Should.ThrowAsync<RpcException>(() => call.ResponseAsync);
        e.StatusCode.ShouldBe(StatusCode.ResourceExhausted);
        e.Status.Detail.ShouldBe("quota 100% used");
        e.Trailers.GetValue("retry-after-ms").ShouldBe("50");
    }
}

using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using MockKit.Grpc;
using MockKitXunit.Greet;

namespace MockKitXunit;

/// <summary>
/// Example 6: gRPC. MockKit.Grpc answers calls with your own generated messages (GrpcResponse.Unary,
/// Stream, Error, Duplex), routes them by method (MapGrpc), and reads back what the client sent. The
/// client is the real Grpc.Net.Client over the test's InstrumentedHandler on cleartext HTTP/2, so
/// retries, deadlines and HTTP/2 faults are the client's real behaviour.
/// </summary>
public sealed class GrpcTests
{
#if (XunitV3)
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
#else
    private static CancellationToken Cancel => CancellationToken.None;
#endif

    [Fact]
    public async Task A_retry_policy_rides_out_one_unavailable()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Enqueue(GrpcResponse.Error(StatusCode.Unavailable, "warming up"));
        server.Enqueue(GrpcResponse.Unary(new HelloReply { Message = "Hello Ada" }));
        using var channel = GrpcChannel.ForAddress(server.Url("/"), new GrpcChannelOptions
        {
            HttpHandler = new InstrumentedHandler(),
            ServiceConfig = new ServiceConfig
            {
                MethodConfigs =
                {
                    new MethodConfig
                    {
                        Names = { MethodName.Default },
                        RetryPolicy = new RetryPolicy
                        {
                            MaxAttempts = 2,
                            InitialBackoff = TimeSpan.FromMilliseconds(10),
                            MaxBackoff = TimeSpan.FromMilliseconds(10),
                            BackoffMultiplier = 1,
                            RetryableStatusCodes = { StatusCode.Unavailable },
                        },
                    },
                },
            },
        });

        var reply = await new Greeter.GreeterClient(channel).SayHelloAsync(new HelloRequest { Name = "Ada" }, cancellationToken: Cancel);

        reply.Message.ShouldBe("Hello Ada");
        server.RequestCount.ShouldBe(2);
        server.TakeRequest().ShouldBeGrpcCall("/greet.Greeter/SayHello").ShouldHaveGrpcMessage(new HelloRequest { Name = "Ada" });
        server.TakeRequest().Headers["grpc-previous-rpc-attempts"].ShouldBe("1");
    }

    [Fact]
    public async Task Routes_answer_by_method_and_a_missing_one_is_unimplemented_with_the_reason()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Dispatcher = new RouteDispatcher()
            .MapGrpc("/greet.Greeter/SayHello")
            .RespondUnary<HelloRequest, HelloReply>(request => new HelloReply { Message = "Hello " + request.Name });
        using var channel = GrpcChannel.ForAddress(server.Url("/"), new GrpcChannelOptions { HttpHandler = new InstrumentedHandler() });
        var greeter = new Greeter.GreeterClient(channel);

        (await greeter.SayHelloAsync(new HelloRequest { Name = "Grace" }, cancellationToken: Cancel)).Message.ShouldBe("Hello Grace");

        using var stream = greeter.SayHellos(new HelloRequest { Name = "Grace" }, cancellationToken: Cancel);
        var e = await Should.ThrowAsync<RpcException>(() => stream.ResponseStream.MoveNext(Cancel));
        e.StatusCode.ShouldBe(StatusCode.Unimplemented);
        e.Status.Detail.ShouldContain("POST /greet.Greeter/SayHello: path");
    }
}

using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using MockKit.Grpc.Tests.Greet;
using MockKit.MockServer;

namespace MockKit.Grpc.Tests;

/// <summary>
/// Dispatcher.Forward in front of a real gRPC service (Grpc.AspNetCore in TestHost): real sockets and
/// faults in front of it, trailers relayed, and the recording replays real gRPC traffic.
/// </summary>
public sealed class GrpcForwardingTests
{
    [Fact]
    public async Task A_forwarded_call_relays_messages_and_trailers_and_its_recording_replays()
    {
        await using var app = await StartServiceAsync();
        var forward = new ForwardingDispatcher(app.GetTestServer().CreateHandler(), new Uri("http://upstream/"));
        await using (var h = await GrpcHarness.StartAsync(GrpcTransport.H2cInstrumented, configure: s => s.Dispatcher = forward))
        {
            using var call = h.Client.SayHelloAsync(new HelloRequest { Name = "real" });
            (await call.ResponseAsync).Message.ShouldBe("Hello real from ASP.NET Core");
            call.GetTrailers().GetValue("x-served-by").ShouldBe("aspnetcore");

            // A real service's error is a Trailers-Only response: relayed as such.
            var e = await Should.ThrowAsync<RpcException>(async () => await h.Client.SayHelloAsync(new HelloRequest { Name = "" }));
            e.StatusCode.ShouldBe(StatusCode.InvalidArgument);
            e.Status.Detail.ShouldBe("name is required: 100% of the time");

            using var stream = h.Client.SayHellos(new HelloRequest { Name = "s" });
            var replies = new List<string>();
            await foreach (var reply in stream.ResponseStream.ReadAllAsync())
            {
                replies.Add(reply.Message);
            }

            replies.ShouldBe(["s 1", "s 2"]);
            await forward.WaitForRecordingsAsync(3);
        }

        var path = Path.Combine(Path.GetTempPath(), $"mockkit-grpc-recording-{Guid.NewGuid():N}.json");
        try
        {
            forward.SaveRecordings(path);
            await using var replay = await GrpcHarness.StartAsync(GrpcTransport.H2cSockets, configure: s => s.Dispatcher = Dispatcher.Replay(path));

            using var again = replay.Client.SayHelloAsync(new HelloRequest { Name = "real" });
            (await again.ResponseAsync).Message.ShouldBe("Hello real from ASP.NET Core");
            again.GetTrailers().GetValue("x-served-by").ShouldBe("aspnetcore");
            var e = await Should.ThrowAsync<RpcException>(async () => await replay.Client.SayHelloAsync(new HelloRequest { Name = "" }));
            e.StatusCode.ShouldBe(StatusCode.InvalidArgument);
            e.Status.Detail.ShouldBe("name is required: 100% of the time");
            using var stream = replay.Client.SayHellos(new HelloRequest { Name = "s" });
            (await stream.ResponseStream.ReadAllAsync().Select(r => r.Message).ToListAsync()).ShouldBe(["s 1", "s 2"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<WebApplication> StartServiceAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<RealGreeter>();
        await app.StartAsync();
        return app;
    }

    /// <summary>A real gRPC service (Grpc.AspNetCore), the traffic a recording captures.</summary>
    private sealed class RealGreeter : Greeter.GreeterBase
    {
        public override Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context)
        {
            if (request.Name.Length == 0)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "name is required: 100% of the time"));
            }

            context.ResponseTrailers.Add("x-served-by", "aspnetcore");
            return Task.FromResult(new HelloReply { Message = $"Hello {request.Name} from ASP.NET Core" });
        }

        public override async Task SayHellos(HelloRequest request, IServerStreamWriter<HelloReply> responseStream, ServerCallContext context)
        {
            await responseStream.WriteAsync(new HelloReply { Message = request.Name + " 1" });
            await responseStream.WriteAsync(new HelloReply { Message = request.Name + " 2" });
        }
    }
}

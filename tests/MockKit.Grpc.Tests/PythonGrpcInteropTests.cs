using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using MockKit.Grpc.Tests.Greet;
using MockKit.MockServer;
using MockKit.MockServer.Tests.Support;

namespace MockKit.Grpc.Tests;

/// <summary>
/// An independent gRPC implementation: Python's grpcio (C core; apt's python3-grpcio, installed by
/// test.sh) calls MockWebServer over h2c with raw-bytes serializers, so no generated Python code is needed.
/// </summary>
public sealed class PythonGrpcInteropTests
{
    // Each call's request is hex on the command line; each outcome is one JSON line on stdout.
    private const string Script = """
        import json, sys, grpc
        target, unary_req, stream_req = sys.argv[1], bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])
        out = []
        with grpc.insecure_channel(target) as channel:
            unary = channel.unary_unary("/greet.Greeter/SayHello", request_serializer=None, response_deserializer=None)
            reply, call = unary.with_call(unary_req, timeout=20, metadata=(("x-from", "python"),))
            out.append({"call": "unary", "reply": reply.hex(), "initial": dict(call.initial_metadata()), "trailing": dict(call.trailing_metadata())})
            stream = channel.unary_stream("/greet.Greeter/SayHellos", request_serializer=None, response_deserializer=None)
            out.append({"call": "stream", "replies": [m.hex() for m in stream(stream_req, timeout=20)]})
            collect = channel.stream_unary("/greet.Greeter/CollectHellos", request_serializer=None, response_deserializer=None)
            out.append({"call": "collect", "reply": collect(iter([unary_req, stream_req]), timeout=20).hex()})
            try:
                unary(unary_req, timeout=20)
                out.append({"call": "error", "code": "OK"})
            except grpc.RpcError as e:
                out.append({"call": "error", "code": e.code().name, "details": e.details()})
        for line in out:
            print(json.dumps(line))
        """;

    [Fact]
    public async Task Grpcio_calls_unary_streaming_client_streaming_and_reads_an_error_detail()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        var unary = GrpcResponse.Unary(new HelloReply { Message = "hi python" });
        unary.Headers.Add("x-initial", "i");
        unary.Trailers.Add("x-trailing", "t");
        server.Enqueue(unary);
        server.Enqueue(GrpcResponse.Stream([new HelloReply { Message = "1" }, new HelloReply { Message = "2" }]));
        server.Enqueue(GrpcResponse.Duplex<HelloRequest, HelloReply>(async (requests, responses, ct) =>
        {
            var names = new List<string>();
            await foreach (var r in requests.ReadAllAsync(ct))
            {
                names.Add(r.Name);
            }

            await responses.WriteAsync(new HelloReply { Message = string.Join(",", names) }, ct);
            return Status.DefaultSuccess;
        }));
        server.Enqueue(GrpcResponse.Error(StatusCode.FailedPrecondition, "Größe 100% überschritten"));
        await server.StartAsync();
        var script = Path.Combine(Path.GetTempPath(), $"mockkit-grpcio-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(script, Script);
        try
        {
            var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
            var result = await ExternalProcess.RunAsync(python,
                [script, $"127.0.0.1:{server.Port}", Hex(new HelloRequest { Name = "py" }), Hex(new HelloRequest { Name = "stream" })],
                timeout: TimeSpan.FromSeconds(60));
            result.ExitCode.ShouldBe(0, result.ToString());
            var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            lines.Count.ShouldBe(4, result.ToString());

            HelloReply.Parser.ParseFrom(Convert.FromHexString(lines[0].GetProperty("reply").GetString()!)).Message.ShouldBe("hi python");
            lines[0].GetProperty("initial").GetProperty("x-initial").GetString().ShouldBe("i");
            lines[0].GetProperty("trailing").GetProperty("x-trailing").GetString().ShouldBe("t");
            lines[1].GetProperty("replies").EnumerateArray().Select(r => HelloReply.Parser.ParseFrom(Convert.FromHexString(r.GetString()!)).Message).ShouldBe(["1", "2"]);
            HelloReply.Parser.ParseFrom(Convert.FromHexString(lines[2].GetProperty("reply").GetString()!)).Message.ShouldBe("py,stream");
            lines[3].GetProperty("code").GetString().ShouldBe("FAILED_PRECONDITION");
            lines[3].GetProperty("details").GetString().ShouldBe("Größe 100% überschritten");

            server.TakeRequest().ShouldBeGrpcCall("/greet.Greeter/SayHello").ShouldHaveGrpcMessage(new HelloRequest { Name = "py" }).Headers["x-from"].ShouldBe("python");
            server.TakeRequest().ShouldBeGrpcCall("/greet.Greeter/SayHellos").ShouldHaveGrpcMessage(new HelloRequest { Name = "stream" });
            server.TakeRequest().ShouldBeGrpcCall("/greet.Greeter/CollectHellos").ShouldHaveGrpcMessages(new HelloRequest { Name = "py" }, new HelloRequest { Name = "stream" });
            server.TakeRequest().ShouldBeGrpcCall("/greet.Greeter/SayHello");
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static string Hex(HelloRequest request) => Convert.ToHexString(request.ToByteArray());
}

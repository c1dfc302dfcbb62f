using Grpc.Core;
using Grpc.Net.Client.Configuration;
using MockKit.Grpc.Tests.Greet;
using MockKit.MockServer;

namespace MockKit.Grpc.Tests;

/// <summary>What a gRPC client does about deadlines, retries, hedging, compression and HTTP/2 failures, observed on the server.</summary>
public sealed class GrpcClientBehaviourTests
{
    private static readonly MethodName SayHello = new() { Service = "greet.Greeter", Method = "SayHello" };

    [Fact]
    public async Task A_retry_policy_retries_unavailable_and_the_server_records_both_attempts()
    {
        var config = new ServiceConfig
        {
            MethodConfigs =
            {
                new MethodConfig
                {
                    Names = { SayHello },
                    RetryPolicy = new RetryPolicy
                    {
                        MaxAttempts = 3,
                        InitialBackoff = TimeSpan.FromMilliseconds(1),
                        MaxBackoff = TimeSpan.FromMilliseconds(5),
                        BackoffMultiplier = 1,
                        RetryableStatusCodes = { StatusCode.Unavailable },
                    },
                },
            },
        };
        await using var h = await GrpcHarness.StartAsync(GrpcTransport.H2cInstrumented, config);
        h.Server.Enqueue(GrpcResponse.Error(StatusCode.Unavailable, "warming up"));
        h.Server.Enqueue(GrpcResponse.Unary(new HelloReply { Message = "second time" }));

        (await h.Client.SayHelloAsync(new HelloRequest { Name = "r" })).Message.ShouldBe("second time");

        h.Server.RequestCount.ShouldBe(2);
        h.Server.TakeRequest().ShouldHaveGrpcMessage(new HelloRequest { Name = "r" });
        var retry = h.Server.TakeRequest().ShouldHaveGrpcMessage(new HelloRequest { Name = "r" });
        retry.Headers["grpc-previous-rpc-attempts"].ShouldBe("1");
    }

    [Fact]
    public async Task Hedging_sends_the_next_attempt_at_once_after_a_non_fatal_status()
    {
        var config = new ServiceConfig
        {
            MethodConfigs =
            {
                new MethodConfig
                {
                    Names = { SayHello },
                    // A long delay: the second attempt can only come from the non-fatal status, not the timer.
                    HedgingPolicy = new HedgingPolicy { MaxAttempts = 2, HedgingDelay = TimeSpan.FromMinutes(5), NonFatalStatusCodes = { StatusCode.Unavailable } },
                },
            },
        };
        await using var h = await GrpcHarness.StartAsync(GrpcTransport.H2cInstrumented, config);
        h.Server.Enqueue(GrpcResponse.Error(StatusCode.Unavailable));
        h.Server.Enqueue(GrpcResponse.Unary(new HelloReply { Message = "hedged" }));

        (await h.Client.SayHelloAsync(new HelloRequest { Name = "h" })).Message.ShouldBe("hedged");

        h.Server.RequestCount.ShouldBe(2);
        h.Server.TakeRequest().ShouldBeGrpcCall("/greet.Greeter/SayHello");
        h.Server.TakeRequest().Headers["grpc-previous-rpc-attempts"].ShouldBe("1");
    }

    [Theory]
    [InlineData(GrpcTransport.H2cInstrumented)]
    [InlineData(GrpcTransport.H2cSockets)]
    public async Task A_deadline_resets_only_its_stream_and_is_sent_as_grpc_timeout(GrpcTransport transport)
    {
        await using var h = await GrpcHarness.StartAsync(transport);
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Server.Dispatcher = new RouteDispatcher()
            .MapGrpc("/greet.Greeter/SayHellos")
            .Respond(GrpcResponse.Duplex<HelloRequest, HelloReply>(async (_, _, ct) =>
            {
                stalled.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
                return Status.DefaultSuccess;
            }))
            .MapGrpc("/greet.Greeter/SayHello")
            .RespondUnary<HelloRequest, HelloReply>(r => new HelloReply { Message = r.Name });

        // Long enough for the call to reach the server on a loaded machine; the handler then never answers.
        using var slow = h.Client.SayHellos(new HelloRequest(), deadline: DateTime.UtcNow.AddSeconds(3));
        var e = await Should.ThrowAsync<RpcException>(() => slow.ResponseStream.MoveNext(CancellationToken.None));
        e.StatusCode.ShouldBe(StatusCode.DeadlineExceeded);
        stalled.Task.IsCompleted.ShouldBeTrue("the call reached the server's handler before its deadline");

        // The same connection still carries calls: only the expired stream was reset.
        (await h.Client.SayHelloAsync(new HelloRequest { Name = "after" })).Message.ShouldBe("after");
        var first = h.Server.TakeRequest();
        first.GrpcTimeout().ShouldNotBeNull().ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(3));
        first.ShouldHaveGrpcTimeout(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3));
        var second = h.Server.TakeRequest();
        second.ConnectionIndex.ShouldBe(first.ConnectionIndex);
        second.GrpcTimeout().ShouldBeNull();
        if (transport == GrpcTransport.H2cInstrumented)
        {
            h.Instrumented.Pool.ConnectionCount.ShouldBe(1);
        }
    }

    [Fact]
    public async Task Concurrent_calls_multiplex_on_one_pooled_connection()
    {
        await using var h = await GrpcHarness.StartAsync(GrpcTransport.H2cInstrumented);
        var arrived = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int Calls = 8;
        h.Server.Dispatcher = new RouteDispatcher()
            .MapGrpc("/greet.Greeter/CollectHellos")
            .Respond(GrpcResponse.Duplex<HelloRequest, HelloReply>(async (requests, responses, ct) =>
            {
                // Every call waits until all are in flight at once, so they must share the connection concurrently.
                if (Interlocked.Increment(ref arrived) == Calls)
                {
                    all.TrySetResult();
                }

                await all.Task.WaitAsync(ct);
                await foreach (var r in requests.ReadAllAsync(ct))
                {
                    await responses.WriteAsync(new HelloReply { Message = r.Name }, ct);
                }

                return Status.DefaultSuccess;
            }));

        var calls = Enumerable.Range(0, Calls).Select(async i =>
        {
            using var call = h.Client.CollectHellos();
            await call.RequestStream.WriteAsync(new HelloRequest { Name = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            await call.RequestStream.CompleteAsync();
            return (await call.ResponseAsync).Message;
        }).ToList();

        (await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30))).Order().ShouldBe(Enumerable.Range(0, Calls).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order());
        h.Instrumented.Pool.ConnectionCount.ShouldBe(1);
        h.Instrumented.Pool.MultiplexedConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task A_gzip_compressed_request_is_decoded_by_ReadGrpcMessages()
    {
        await using var h = await GrpcHarness.StartAsync(GrpcTransport.H2cInstrumented);
        h.Server.Enqueue(GrpcResponse.Unary(new HelloReply { Message = "ok" }));

        // Grpc.Net.Client compresses a call's messages when this header names a provider (gzip is built in).
        await h.Client.SayHelloAsync(new HelloRequest { Name = new string('z', 500) }, new Metadata { { "grpc-internal-encoding-request", "gzip" } });

        var recorded = h.Server.TakeRequest();
        recorded.Headers["grpc-encoding"].ShouldBe("gzip");
        recorded.Body.Length.ShouldBeLessThan(500);
        recorded.ReadGrpcMessages<HelloRequest>().ShouldHaveSingleItem().Name.ShouldBe(new string('z', 500));
    }

    [Fact]
    public async Task A_refused_stream_is_retried_transparently_by_SocketsHttpHandler()
    {
        await using var h = await GrpcHarness.StartAsync(GrpcTransport.H2cSockets);
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.ResetStreamAtStart(Http2ErrorCode.RefusedStream) });
        h.Server.Enqueue(GrpcResponse.Unary(new HelloReply { Message = "after refusal" }));

        // RFC 9113 section 8.7: REFUSED_STREAM means nothing was processed, so the HTTP layer may retry it.
        (await h.Client.SayHelloAsync(new HelloRequest())).Message.ShouldBe("after refusal");
        h.Server.RequestCount.ShouldBe(2);
    }

    [Fact]
    public async Task A_refused_stream_reaches_a_grpc_retry_policy_through_InstrumentedHandler()
    {
        // InstrumentedHandler replays only bodies it knows it can send again (a gRPC call's push content
        // is not one), so the refusal surfaces; the call's own retry policy then sends it again.
        var config = new ServiceConfig
        {
            MethodConfigs =
            {
                new MethodConfig
                {
                    Names = { SayHello },
                    RetryPolicy = new RetryPolicy
                    {
                        MaxAttempts = 2,
                        InitialBackoff = TimeSpan.FromMilliseconds(1),
                        MaxBackoff = TimeSpan.FromMilliseconds(5),
                        BackoffMultiplier = 1,
                        RetryableStatusCodes = { StatusCode.Internal, StatusCode.Unavailable },
                    },
                },
            },
        };
        await using var h = await GrpcHarness.StartAsync(GrpcTransport.H2cInstrumented, config);
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.ResetStreamAtStart(Http2ErrorCode.RefusedStream) });
        h.Server.Enqueue(GrpcResponse.Unary(new HelloReply { Message = "after refusal" }));

        (await h.Client.SayHelloAsync(new HelloRequest())).Message.ShouldBe("after refusal");
        h.Server.RequestCount.ShouldBe(2);
        h.Instrumented.Pool.ConnectionCount.ShouldBe(1);
    }

    [Theory]
    [InlineData(GrpcTransport.H2cInstrumented)]
    [InlineData(GrpcTransport.H2cSockets)]
    public async Task A_stream_cut_after_the_first_message_fails_the_call_after_at_most_that_message(GrpcTransport transport)
    {
        // The server writes exactly the first message, then RST_STREAM(INTERNAL_ERROR). A client drops
        // what it had received but not yet read when the reset arrives (both handlers do, as RFC 9113
        // section 5.4.2 allows), so the call sees the first message or nothing before the error: never a
        // later one, and never a clean end. The reset surfaces as HttpProtocolException(INTERNAL_ERROR),
        // which gRPC maps to INTERNAL.
        await using var h = await GrpcHarness.StartAsync(transport);
        var first = new HelloReply { Message = "first" };
        var response = GrpcResponse.Stream([first, new HelloReply { Message = "second" }, new HelloReply { Message = "third" }]);
        response.OnResponseBody = new SocketEffect.CloseStream(Http2ErrorCode.InternalError);
        response.OnResponseBodyAfterBytes = 5 + first.CalculateSize();
        h.Server.Enqueue(response);

        using var call = h.Client.SayHellos(new HelloRequest());
        var received = new List<string>();
        var e = await Should.ThrowAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                received.Add(call.ResponseStream.Current.Message);
            }
        });
        e.StatusCode.ShouldBe(StatusCode.Internal);
        received.Count.ShouldBeLessThanOrEqualTo(1);
        received.ShouldAllBe(message => message == "first");
    }

    [Theory]
    [InlineData(GrpcTransport.H2cInstrumented)]
    [InlineData(GrpcTransport.H2cSockets)]
    public async Task A_goaway_before_the_response_fails_the_call_as_the_runtime_reports_it(GrpcTransport transport)
    {
        await using var h = await GrpcHarness.StartAsync(transport);
        var response = GrpcResponse.Unary(new HelloReply { Message = "never" });
        response.OnResponseStart = new SocketEffect.ShutdownConnection();
        h.Server.Enqueue(response);

        // GOAWAY(NO_ERROR) naming the call's stream as processed, then the close: SocketsHttpHandler
        // reports an HttpProtocolException (NO_ERROR), which Grpc.Net.Client maps to INTERNAL (a stream
        // the server says it processed is not safe to retry); InstrumentedHandler reports the same.
        var e = await Should.ThrowAsync<RpcException>(async () => await h.Client.SayHelloAsync(new HelloRequest()));
        e.StatusCode.ShouldBe(StatusCode.Internal);
        h.Server.TakeRequest().ShouldBeGrpcCall("/greet.Greeter/SayHello");
    }

    [Fact]
    public async Task A_paced_stream_sends_each_message_on_the_servers_clock()
    {
        var time = new ObservableTimeProvider();
        await using var h = await GrpcHarness.StartAsync(GrpcTransport.H2cInstrumented, timeProvider: time);
        h.Server.Enqueue(GrpcResponse.Stream([new HelloReply { Message = "now" }, new HelloReply { Message = "later" }], TimeSpan.FromMinutes(1)));

        using var call = h.Client.SayHellos(new HelloRequest());
        (await call.ResponseStream.MoveNext(CancellationToken.None)).ShouldBeTrue();
        call.ResponseStream.Current.Message.ShouldBe("now");
        // The second message waits on the server's clock: an unpaced server would arm no such timer.
        await time.WaitForTimerDueAsync(TimeSpan.FromMinutes(1));
        var next = call.ResponseStream.MoveNext(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(1));
        (await next.WaitAsync(TimeSpan.FromSeconds(20))).ShouldBeTrue();
        call.ResponseStream.Current.Message.ShouldBe("later");
        (await call.ResponseStream.MoveNext(CancellationToken.None)).ShouldBeFalse();
    }
}

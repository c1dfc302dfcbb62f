using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Policies;

/// <summary>Each HTTP/1 socket policy, checked at the byte level at the moment it acts.</summary>
public sealed class Http1PolicyTests
{
    private const string Get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    [Fact]
    public async Task KeepOpen_serves_many_requests_on_one_socket()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("a"));
        server.Enqueue(new MockResponse("b") { SocketPolicy = SocketPolicy.KeepOpen });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync(Get);
        (await raw.ReadResponseAsync()).ShouldEndWith("a");
        await raw.SendAsync(Get);
        (await raw.ReadResponseAsync()).ShouldEndWith("b");
    }

    [Fact]
    public async Task DisconnectAtStart_on_a_new_connection_closes_at_accept_with_a_bookkeeping_entry()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAtStart });
        server.Enqueue(new MockResponse("second connection"));
        await using var raw = await RawConnection.OpenAsync(server);

        (await raw.IsClosedByPeerAsync()).ShouldBeTrue();
        var entry = server.TakeRequest();
        entry.RequestLine.ShouldBe(string.Empty);
        entry.Method.ShouldBe(string.Empty);
        entry.SequenceNumber.ShouldBe(0);
        var failure = entry.Failure.ShouldBeOfType<SocketPolicyException>();
        failure.Message.ShouldBe("DisconnectAtStart: CloseSocket { ShutdownInput = False, ShutdownOutput = False } before a request was read.");
        failure.Trigger.ShouldBe("OnRequestStart");

        using var client = new HttpClient();
        (await client.GetStringAsync(server.Url("/"))).ShouldBe("second connection");
    }

    [Fact]
    public async Task DisconnectAtStart_on_a_kept_alive_connection_closes_when_the_next_request_arrives()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("first"));
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync(Get);
        (await raw.ReadResponseAsync()).ShouldEndWith("first");
        server.TakeRequest();

        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAtStart });
        await raw.SendAsync(Get);

        (await raw.IsClosedByPeerAsync()).ShouldBeTrue();
        var entry = server.TakeRequest();
        entry.Method.ShouldBe(string.Empty);
        entry.SequenceNumber.ShouldBe(1);
        entry.Failure.ShouldBeOfType<SocketPolicyException>();
    }

    [Fact]
    public async Task DisconnectAfterRequest_records_the_request_and_sends_nothing()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("never sent") { SocketPolicy = SocketPolicy.DisconnectAfterRequest });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");

        (await raw.ReadToEndAsync()).ShouldBeEmpty();
        var request = server.TakeRequest();
        request.Path.ShouldBe("/x");
        request.BodyText.ShouldBe("hi");
        request.Failure.ShouldBeNull();
    }

    [Fact]
    public async Task DisconnectDuringRequestBody_stops_after_half_and_records_the_partial_request()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectDuringRequestBody });
        server.Enqueue(new MockResponse("next"));
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789");

        (await raw.IsClosedByPeerAsync()).ShouldBeTrue();
        var request = server.TakeRequest();
        request.BodyText.ShouldBe("01234");
        request.Failure.ShouldBeOfType<SocketPolicyException>().Message.ShouldBe("DisconnectDuringRequestBody: CloseSocket { ShutdownInput = False, ShutdownOutput = False } after 5 body bytes.");
        ((QueueDispatcher)server.Dispatcher).PendingCount.ShouldBe(1);
    }

    [Fact]
    public async Task DisconnectDuringResponseBody_sends_exactly_the_given_bytes()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("0123456789") { SocketPolicy = SocketPolicy.DisconnectDuringResponseBody(3) });
        server.Enqueue(new MockResponse("0123456789") { SocketPolicy = SocketPolicy.DisconnectDuringResponseBody() });
        await using (var raw = await RawConnection.OpenAsync(server))
        {
            await raw.SendAsync(Get);
            (await raw.ReadToEndAsync()).ShouldBe("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n012");
        }

        await using (var raw = await RawConnection.OpenAsync(server))
        {
            await raw.SendAsync(Get);
            (await raw.ReadToEndAsync()).ShouldBe("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234");
        }

        using var client = new HttpClient();
        server.Enqueue(new MockResponse("0123456789") { SocketPolicy = SocketPolicy.DisconnectDuringResponseBody(3) });
        await Should.ThrowAsync<HttpRequestException>(() => client.GetStringAsync(server.Url("/")));
    }

    [Fact]
    public async Task DisconnectDuringResponseBody_counts_body_bytes_not_chunk_framing()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("abcdefgh") { ChunkSize = 2, SocketPolicy = SocketPolicy.DisconnectDuringResponseBody(5) });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync(Get);
        (await raw.ReadToEndAsync()).ShouldBe("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n1\r\ne\r\n");
    }

    [Fact]
    public async Task DisconnectAtEnd_closes_after_the_whole_response()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("complete") { SocketPolicy = SocketPolicy.DisconnectAtEnd });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync(Get);
        (await raw.ReadToEndAsync()).ShouldBe("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\ncomplete");
    }

    [Fact]
    public async Task ShutdownOutputAtEnd_half_closes_after_the_response()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("half") { SocketPolicy = SocketPolicy.ShutdownOutputAtEnd });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync(Get);
        (await raw.ReadToEndAsync()).ShouldEndWith("half");
    }

    [Fact]
    public async Task ShutdownInputAtEnd_stops_reading_after_the_response()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("in") { SocketPolicy = SocketPolicy.ShutdownInputAtEnd });
        server.Enqueue(new MockResponse("never"));
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync(Get);
        (await raw.ReadResponseAsync()).ShouldEndWith("in");
        await raw.SendAsync(Get);
        (await raw.IsClosedByPeerAsync()).ShouldBeTrue();
        server.TakeRequest();
        server.TakeRequest(TimeSpan.FromMilliseconds(100)).ShouldBeNull();
    }

    [Fact]
    public async Task ShutdownServerAfterResponse_stops_the_server()
    {
        var server = new MockWebServer();
        server.Enqueue(new MockResponse("last") { SocketPolicy = SocketPolicy.ShutdownServerAfterResponse });
        using var client = new HttpClient();
        (await client.GetStringAsync(server.Url("/"))).ShouldBe("last");

        // The policy stops it on its own: nothing here shuts it down (bounded wait).
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (server.IsRunning)
        {
            await Task.Delay(10, deadline.Token);
        }

        await Should.ThrowAsync<HttpRequestException>(() => client.GetStringAsync(server.Url("/")));
    }

    [Fact]
    public async Task StallSocketAtStart_reads_and_sends_nothing_and_records_a_bookkeeping_entry()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("never") { SocketPolicy = SocketPolicy.StallSocketAtStart });
        server.Enqueue(new MockResponse("others are fine"));
        await using var raw = await RawConnection.OpenAsync(server);
        var entry = server.TakeRequest();
        entry.Failure.ShouldBeOfType<SocketPolicyException>().Message.ShouldStartWith("StallSocketAtStart:");

        await raw.SendAsync(Get);
        (await raw.StaysSilentAsync(TimeSpan.FromMilliseconds(200))).ShouldBeTrue();
        using var client = new HttpClient();
        (await client.GetStringAsync(server.Url("/"))).ShouldBe("others are fine");
    }

    [Fact]
    public async Task NoResponse_records_the_request_and_never_answers()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("never") { SocketPolicy = SocketPolicy.NoResponse });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync(Get);
        server.TakeRequest().Method.ShouldBe("GET");
        (await raw.StaysSilentAsync(TimeSpan.FromMilliseconds(200))).ShouldBeTrue();
    }

    [Fact]
    public async Task ResetStreamAtStart_on_http1_closes_before_reading()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.ResetStreamAtStart() });
        await using var raw = await RawConnection.OpenAsync(server);
        (await raw.IsClosedByPeerAsync()).ShouldBeTrue();
        server.TakeRequest().Failure!.Message.ShouldStartWith("ResetStreamAtStart(InternalError):");
    }

    [Fact]
    public async Task DoNotReadRequestBody_answers_then_closes()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("early") { SocketPolicy = SocketPolicy.DoNotReadRequestBody() });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
        (await raw.ReadToEndAsync()).ShouldBe("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nearly");
        var request = server.TakeRequest();
        request.BodySize.ShouldBe(0);
        request.Headers["Content-Length"].ShouldBe("100000");
    }

    [Fact]
    public async Task Triggers_combine_a_stall_at_response_start_with_a_close_after_body_bytes()
    {
        var time = new ObservableTimeProvider();
        await using var server = new MockWebServer { TimeProvider = time };
        server.Enqueue(new MockResponse("0123456789")
        {
            HeadersDelay = TimeSpan.FromMinutes(1),
            OnResponseBody = new SocketEffect.CloseSocket(),
            OnResponseBodyAfterBytes = 4,
        });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync(Get);
        await time.WaitForTimerAsync();
        (await raw.StaysSilentAsync(TimeSpan.FromMilliseconds(100))).ShouldBeTrue();
        time.Advance(TimeSpan.FromMinutes(1));
        (await raw.ReadToEndAsync()).ShouldBe("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123");
    }

    [Fact]
    public async Task Explicit_triggers_override_the_policy()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("x")
        {
            SocketPolicy = SocketPolicy.DisconnectAfterRequest,
            OnResponseStart = null,
            OnResponseEnd = new SocketEffect.CloseSocket(),
        });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync(Get);

        // The policy's OnResponseStart still applies because the explicit property is null...
        (await raw.ReadToEndAsync()).ShouldBeEmpty();

        server.Enqueue(new MockResponse("y")
        {
            SocketPolicy = SocketPolicy.NoResponse,
            OnResponseStart = new SocketEffect.CloseSocket(),
        });
        await using var second = await RawConnection.OpenAsync(server);
        await second.SendAsync(Get);

        // ...and an explicit one replaces the policy's stall with a close.
        (await second.IsClosedByPeerAsync()).ShouldBeTrue();
    }

    [Fact]
    public void Policies_are_named_values()
    {
        SocketPolicy.DisconnectDuringResponseBody(5).ShouldBe(SocketPolicy.DisconnectDuringResponseBody(5));
        SocketPolicy.DisconnectDuringResponseBody(5).ToString().ShouldBe("DisconnectDuringResponseBody(5)");
        SocketPolicy.ResetStreamAtStart(Http2ErrorCode.Cancel).Name.ShouldBe("ResetStreamAtStart(Cancel)");
        SocketPolicy.KeepOpen.ShouldNotBe(SocketPolicy.NoResponse);
        Should.Throw<ArgumentOutOfRangeException>(() => SocketPolicy.DisconnectDuringResponseBody(-2));
    }
}

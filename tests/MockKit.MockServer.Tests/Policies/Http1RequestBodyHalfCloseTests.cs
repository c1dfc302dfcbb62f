using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Policies;

/// <summary>
/// An OnRequestBody effect that only half-closes the socket consumes its exchange exactly once,
/// as on HTTP/2: one recorded request (with the failure), one scripted response taken and sent.
/// </summary>
public sealed class Http1RequestBodyHalfCloseTests
{
    private const string Post = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789";

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task A_half_close_on_the_request_body_records_once_and_answers_with_its_own_response(bool input, bool output)
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("scripted") { OnRequestBody = new SocketEffect.CloseSocket(ShutdownInput: input, ShutdownOutput: output) });
        server.Enqueue(new MockResponse("must stay queued"));
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync(Post);

        var received = await raw.ReadToEndAsync();
        if (!output)
        {
            received.ShouldStartWith("HTTP/1.1 200 OK");
            received.ShouldEndWith("scripted");
        }
        else
        {
            received.ShouldBeEmpty();
        }

        // Shutdown waits for the connection task, so everything it recorded or took is counted below.
        await server.ShutdownAsync();
        var request = server.TakeRequest();
        request.BodyText.ShouldBe("01234");
        request.Failure.ShouldBeOfType<SocketPolicyException>().Trigger.ShouldBe(nameof(MockResponse.OnRequestBody));
        server.PendingResponseCount.ShouldBe(1);
        server.RequestCount.ShouldBe(1);
    }
}

using Microsoft.Extensions.Time.Testing;
using MockKit.Http2;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>
/// An upload to a peer that grants no flow-control window waits for credit. That wait obeys
/// <see cref="InstrumentedHandler.WriteTimeout"/> (on the handler's clock), call cancellation and
/// the handler's disposal: it never hangs forever and never pins the connection.
/// </summary>
public sealed class Http2UploadStallTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Waiting_for_send_credit_obeys_the_write_timeout_and_the_connection_carries_on()
    {
        var time = new FakeTimeProvider();
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler
        {
            Protocols = [Protocol.H2PriorKnowledge],
            TimeProvider = time,
            WriteTimeout = TimeSpan.FromSeconds(5),
            ReadTimeout = Timeout.InfiniteTimeSpan,
        };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var upload = client.PostAsync(peer.Url("/upload"), new ByteArrayContent(new byte[1000]));
        var connection = await peer.AcceptAsync(new Http2Setting(Http2SettingId.InitialWindowSize, 0));
        await connection.ExpectAsync(Http2FrameType.Headers, streamId: 1);

        // The clock moves only here; the upload can only end by its write timeout.
        await AdvanceUntilCompletedAsync(time, upload);
        var failure = await Should.ThrowAsync<HttpRequestException>(() => upload);
        failure.InnerException.ShouldBeOfType<TimeoutException>();
        failure.Message.ShouldContain("write timed out");
        await connection.ExpectAsync(Http2FrameType.RstStream, streamId: 1);

        // The stream was reset; the connection still serves a bodyless call.
        var next = client.GetStringAsync(peer.Url("/next"));
        await connection.ExpectAsync(Http2FrameType.Headers, streamId: 3);
        await connection.SendHeadersAsync(3, endStream: false, (":status", "200"));
        await connection.SendAsync(w => Http2FrameWriter.WriteData(w, 3, "next"u8, endStream: true));
        (await next.WaitAsync(Deadline)).ShouldBe("next");
        handler.Pool.ConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task Canceling_the_call_ends_a_wait_for_send_credit()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge], WriteTimeout = Timeout.InfiniteTimeSpan };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var cts = new CancellationTokenSource();
        var upload = client.PostAsync(peer.Url("/upload"), new ByteArrayContent(new byte[1000]), cts.Token);
        var connection = await peer.AcceptAsync(new Http2Setting(Http2SettingId.InitialWindowSize, 0));
        await connection.ExpectAsync(Http2FrameType.Headers, streamId: 1);

        await cts.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => upload.WaitAsync(Deadline));
        await connection.ExpectAsync(Http2FrameType.RstStream, streamId: 1);
    }

    [Fact]
    public async Task Disposing_the_handler_frees_a_connection_stuck_waiting_for_send_credit()
    {
        await using var peer = new Http2ServerPeer();
        var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge], WriteTimeout = Timeout.InfiniteTimeSpan, ReadTimeout = Timeout.InfiniteTimeSpan };
        var pool = handler.Pool;
        using var client = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var upload = client.PostAsync(peer.Url("/upload"), new ByteArrayContent(new byte[1000]));
        var connection = await peer.AcceptAsync(new Http2Setting(Http2SettingId.InitialWindowSize, 0));
        await connection.ExpectAsync(Http2FrameType.Headers, streamId: 1);

        // EvictAll closes idle connections only (the DESIGN contract): this one is busy.
        pool.EvictAll();
        pool.ConnectionCount.ShouldBe(1);
        handler.Dispose();

        await Should.ThrowAsync<HttpRequestException>(() => upload.WaitAsync(Deadline));
        pool.ConnectionCount.ShouldBe(0);
        (await ReadUntilClosedAsync(connection)).ShouldBeTrue("the client closed the socket");
    }

    private static async Task AdvanceUntilCompletedAsync(FakeTimeProvider time, Task task)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!task.IsCompleted)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The upload never ended although its write timeout passed on the clock.");
            }

            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(task, Task.Delay(10));
        }
    }

    private static async Task<bool> ReadUntilClosedAsync(Http2ServerPeer.Connection connection)
    {
        while (true)
        {
            try
            {
                if (await connection.ReadFrameAsync() is null)
                {
                    return true;
                }
            }
            catch (IOException)
            {
                return true; // Reset by the client: closed too.
            }
        }
    }
}

using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Xunit.Abstractions;

namespace MockKit.MockServer.Tests.Dispatching;

/// <summary>
/// Issue 14, streaming: a forwarded body is piped both ways as it arrives, never held whole; the
/// record keeps at most BodyLimit of it and counts all. Runs alone: it measures managed memory.
/// </summary>
[Collection(Soak.RunsAlone.Name)]
public sealed class ForwardingStreamingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int BodyLimit = 64 * 1024;
    private const int UploadSize = 8 * 1024 * 1024;
    private const int DownloadSize = 32 * 1024 * 1024;
    private const int FirstPart = 1024 * 1024;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly TaskCompletionSource _releaseRest = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication _app = null!;
    private volatile bool _appFinishedWriting;

    private TestServer Upstream => _app.GetTestServer();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        _app = builder.Build();
        _app.MapPost("/hash", async context =>
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[16 * 1024];
            long total = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                total += read;
            }

            await context.Response.WriteAsync($"{total} {Convert.ToHexString(sha.GetHashAndReset())}");
        });
        _app.MapGet("/download", async context =>
        {
            // Part of the body, then a wait for the test to have read its first bytes through
            // MockWebServer, then the rest: the client can only get there if the body streams.
            var block = Pattern(64 * 1024, 0);
            for (var sent = 0; sent < DownloadSize; sent += block.Length)
            {
                if (sent == FirstPart)
                {
                    await context.Response.Body.FlushAsync();
                    await _releaseRest.Task.WaitAsync(Deadline);
                }

                await context.Response.Body.WriteAsync(block);
            }

            _appFinishedWriting = true;
        });
        await _app.StartAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task An_upload_larger_than_BodyLimit_reaches_the_app_whole_while_the_record_keeps_BodyLimit(bool http2, bool chunked)
    {
        var forward = new ForwardingDispatcher(Upstream.CreateHandler(), Upstream.BaseAddress);
        await using var server = NewServer(forward, http2);
        using var client = NewClient(http2);
        var upload = Pattern(UploadSize, 7);
        var expected = $"{UploadSize} {Convert.ToHexString(SHA256.HashData(upload))}";
        HttpContent content = chunked ? new StreamContent(new NonSeekableStream(upload)) : new ByteArrayContent(upload);

        using var response = await client.PostAsync(server.Url("/hash"), content);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe(expected);
        var recorded = server.TakeRequest();
        recorded.Failure.ShouldBeNull();
        recorded.BodySize.ShouldBe(UploadSize);
        recorded.Body.ShouldBe(upload[..BodyLimit]);
        if (chunked)
        {
            recorded.Headers["Transfer-Encoding"].ShouldBe("chunked");
        }

        var exchange = forward.Recordings.ShouldHaveSingleItem();
        exchange.Request.ShouldBeSameAs(recorded);
        exchange.ResponseBodyTruncated.ShouldBeFalse();
        var saved = SavedMessage(forward, "request");
        saved.GetProperty("bodyTruncated").GetBoolean().ShouldBeTrue();
        saved.GetProperty("bodySize").GetInt64().ShouldBe(UploadSize);
        saved.GetProperty("bodyBase64").GetBytesFromBase64().Length.ShouldBe(BodyLimit);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_download_streams_to_the_client_before_the_upstream_finished_writing_with_bounded_memory(bool http2)
    {
        var forward = new ForwardingDispatcher(Upstream.CreateHandler(), Upstream.BaseAddress);
        await using var server = NewServer(forward, http2);
        using var client = NewClient(http2);
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        using var response = await client.GetAsync(server.Url("/download"), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long received = 0;
        long peakGrowth = 0;
        using var deadline = new CancellationTokenSource(Deadline);
        while (true)
        {
            var read = await body.ReadAsync(buffer, deadline.Token);
            if (read == 0)
            {
                break;
            }

            if (received == 0)
            {
                // The first bytes came through MockWebServer while the app still waits to write the rest.
                _appFinishedWriting.ShouldBeFalse();
                _releaseRest.SetResult();
            }

            sha.AppendData(buffer, 0, read);
            received += read;
            if (received / (4 * 1024 * 1024) != (received - read) / (4 * 1024 * 1024))
            {
                var growth = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
                peakGrowth = Math.Max(peakGrowth, growth);
            }
        }

        output.WriteLine($"{(http2 ? "HTTP/2" : "HTTP/1.1")}: {received} bytes relayed; peak managed growth {peakGrowth / 1024} KiB");
        received.ShouldBe(DownloadSize);
        _appFinishedWriting.ShouldBeTrue();
        sha.GetHashAndReset().ShouldBe(SHA256.HashData(Pattern(DownloadSize, 0)));

        // Buffering the body whole would hold 32 MiB at once; streaming holds a few reads' worth.
        peakGrowth.ShouldBeLessThan(12L * 1024 * 1024, "managed memory grew by more than 12 MiB while relaying 32 MiB");
        var exchange = forward.Recordings.ShouldHaveSingleItem();
        exchange.ResponseBodySize.ShouldBe(DownloadSize);
        exchange.Response.Body.Length.ShouldBe(BodyLimit);
        exchange.ResponseBodyTruncated.ShouldBeTrue();
        var saved = SavedMessage(forward, "response");
        saved.GetProperty("bodyTruncated").GetBoolean().ShouldBeTrue();
        saved.GetProperty("bodySize").GetInt64().ShouldBe(DownloadSize);
        SavedMessage(forward, "request").TryGetProperty("bodyTruncated", out _).ShouldBeFalse();
        if (!http2)
        {
            response.Headers.TransferEncodingChunked.ShouldBe(true); // No length declared upstream: chunked.
        }
    }

    [Fact]
    public async Task A_socket_policy_acts_on_a_streamed_body_after_N_bytes()
    {
        var forward = new ForwardingDispatcher(Upstream.CreateHandler(), Upstream.BaseAddress)
        {
            Transform = (_, response) =>
            {
                response.SocketPolicy = SocketPolicy.DisconnectDuringResponseBody(100_000);
                return response;
            },
        };
        await using var server = NewServer(forward, http2: false);
        using var client = NewClient(http2: false);

        using var response = await client.GetAsync(server.Url("/download"), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        long received = 0;
        using var deadline = new CancellationTokenSource(Deadline);
        var failure = await Should.ThrowAsync<IOException>(async () =>
        {
            int read;
            while ((read = await body.ReadAsync(buffer, deadline.Token)) > 0)
            {
                received += read;
                _releaseRest.TrySetResult();
            }
        });

        output.WriteLine($"cut off after {received} bytes: {failure.Message}");
        received.ShouldBe(100_000);
        server.TakeRequest().Path.ShouldBe("/download");

        // After the cut the upstream is read for the record only until BodyLimit is kept (here it
        // already is), then let go of: the record says it was cut short.
        await WaitUntilAsync(() => forward.Recordings.Count == 1, "the exchange is recorded");
        forward.Recordings[0].ResponseBodyTruncated.ShouldBeTrue();
        forward.Recordings[0].Response.Body.Length.ShouldBe(BodyLimit);
        forward.Recordings[0].ResponseBodySize.ShouldBeLessThan(DownloadSize);
    }

    private static MockWebServer NewServer(Dispatcher dispatcher, bool http2) => new()
    {
        Dispatcher = dispatcher,
        BodyLimit = BodyLimit,
        Protocols = http2 ? [Protocol.H2PriorKnowledge] : [Protocol.Http11],
    };

    private static HttpClient NewClient(bool http2) => new()
    {
        DefaultRequestVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = Deadline,
    };

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 31) + (i >> 8) + seed);
        }

        return bytes;
    }

    /// <summary>The single exchange's request or response object as SaveRecordings writes it.</summary>
    private static System.Text.Json.JsonElement SavedMessage(ForwardingDispatcher forward, string which)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mockkit-streaming-{Guid.NewGuid():N}.json");
        try
        {
            forward.SaveRecordings(path);
            using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
            return document.RootElement.GetProperty("exchanges")[0].GetProperty(which).Clone();
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(10, CancellationToken.None); // Polls a condition under a deadline; never a timing assumption.
        }
    }

    /// <summary>A stream without a length, so HttpClient sends it chunked.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public override bool CanSeek => false;
    }
}

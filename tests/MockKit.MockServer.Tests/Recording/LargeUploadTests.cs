using System.Net;
using Xunit.Abstractions;
using MockKit.MockServer.Tests.Soak;

namespace MockKit.MockServer.Tests.Recording;

/// <summary>
/// A streaming upload far larger than <see cref="MockWebServer.BodyLimit"/> is counted in full
/// while the server retains only the limit: managed memory grows by about the limit, not by the
/// upload (HTTP/1.1 Content-Length and chunked, and HTTP/2).
/// </summary>
/// <remarks>
/// Runs alone (GC.GetTotalMemory sees the whole process). 64 MiB in CI; the README reports the
/// same scenario at 512 MiB and past 2 GiB with <c>MOCKKIT_UPLOAD_MIB</c>.
/// </remarks>
[Collection(RunsAlone.Name)]
public sealed class LargeUploadTests(ITestOutputHelper output)
{
    private static readonly long UploadBytes =
        (long.TryParse(Environment.GetEnvironmentVariable("MOCKKIT_UPLOAD_MIB"), out var mib) ? mib : 64) * 1024 * 1024;

    // The retained body (4 MiB) plus generous room for connection buffers, pools and the JIT.
    private const long GrowthBound = 24L * 1024 * 1024;

    [Theory]
    [InlineData("content-length")]
    [InlineData("chunked")]
    [InlineData("h2c")]
    public async Task A_large_streaming_upload_is_counted_in_full_and_retained_only_up_to_the_limit(string framing)
    {
        await using var server = new MockWebServer();
        if (framing == "h2c")
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
        }

        server.Enqueue(new MockResponse("stored"));
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var content = new StreamContent(new PatternStream(UploadBytes, framing != "chunked"));
        if (framing != "chunked")
        {
            content.Headers.ContentLength = UploadBytes;
        }

        using var message = new HttpRequestMessage(HttpMethod.Post, server.Url("/upload"))
        {
            Content = content,
            Version = framing == "h2c" ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using (var response = await client.SendAsync(message))
        {
            (await response.Content.ReadAsStringAsync()).ShouldBe("stored");
        }

        var request = server.TakeRequest();
        var after = GC.GetTotalMemory(forceFullCollection: true);

        output.WriteLine($"{framing}: {UploadBytes / (1024 * 1024)} MiB uploaded, BodySize {request.BodySize}, managed memory {before / 1024} KiB -> {after / 1024} KiB");
        request.Failure.ShouldBeNull();
        request.BodySize.ShouldBe(UploadBytes);
        request.Body.Length.ShouldBe((int)MockWebServer.DefaultBodyLimit);
        request.Body.AsSpan().SequenceEqual(PatternStream.Expected((int)MockWebServer.DefaultBodyLimit)).ShouldBeTrue();
        if (framing == "chunked")
        {
            request.ChunkCount.ShouldBeGreaterThan(0);
            request.ChunkSizes.Count.ShouldBeLessThanOrEqualTo(1024);
        }

        (after - before).ShouldBeLessThan(GrowthBound, $"managed memory grew {(after - before) / 1024} KiB for a {UploadBytes / (1024 * 1024)} MiB upload");
        GC.KeepAlive(request);
    }

    /// <summary>A read-only stream of <c>length</c> bytes of a fixed pattern, made on the fly (the test must not hold the upload either).</summary>
    private sealed class PatternStream(long length, bool seekable) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => seekable;

        public override bool CanWrite => false;

        public override long Length => seekable ? length : throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public static byte[] Expected(int count)
        {
            var bytes = new byte[count];
            Fill(bytes, 0);
            return bytes;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = (int)Math.Min(buffer.Length, length - _position);
            Fill(buffer[..count], _position);
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private static void Fill(Span<byte> span, long start)
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (byte)((start + i) % 251);
            }
        }
    }
}

using System.Net.Sockets;
using MockKit.Client.Tests.Http2Client;
using MockKit.Client.Tests.Support;
using MockKit.Http2;

namespace MockKit.Client.Tests.Fuzz;

/// <summary>
/// Feeds seeded hostile HTTP/2 responses to the client over prior knowledge: a valid answer
/// (HEADERS, DATA, sometimes trailers, PING, WINDOW_UPDATE, SETTINGS) mutated at the frame level —
/// lengths, flags, stream ids, HPACK garbage, window overflows, CONTINUATION floods, truncation,
/// reordering, random bytes — after which the fake server keeps the connection or closes it.
/// Every call must end within its deadline with a response or an HttpRequestException; afterwards
/// nothing in the pool is allocated and EvictAll empties it.
/// </summary>
/// <remarks>CI runs 300 calls; MOCKKIT_FUZZ_INPUTS and MOCKKIT_FUZZ_SEED run it longer or differently.</remarks>
public sealed class Http2ResponseFuzzTests
{
    private static readonly TimeSpan PerCallDeadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Hostile_frames_end_every_call_cleanly_and_leave_the_pool_consistent()
    {
        var calls = int.TryParse(Environment.GetEnvironmentVariable("MOCKKIT_FUZZ_INPUTS"), out var n) ? n : 300;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("MOCKKIT_FUZZ_SEED"), out var s) ? s : 20261122;
        var random = new Random(seed);
        var handler = new InstrumentedHandler
        {
            Protocols = [Protocol.H2PriorKnowledge],
            ReadTimeout = TimeSpan.FromMilliseconds(200),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var outcomes = new Dictionary<string, int>();

        for (var i = 0; i < calls; i++)
        {
            await using var peer = new Http2ServerPeer();
            using var deadline = new CancellationTokenSource(PerCallDeadline);
            var call = CallAsync(client, peer.Url($"/{i}"), deadline.Token);
            Http2ServerPeer.Connection? connection = null;
            try
            {
                connection = await peer.AcceptAsync();
                var request = await connection.ExpectAsync(Http2FrameType.Headers);
                var frames = Response(connection, request.Header.StreamId, random);
                await connection.Stream.WriteAsync(Http2FrameMutator.Mutate(frames, random), deadline.Token);
                if (random.Next(2) == 0)
                {
                    connection.Stream.Socket.Shutdown(SocketShutdown.Both);
                }
            }
            catch (IOException)
            {
                // The client gave up on the connection first (e.g. it rejected our SETTINGS).
            }
            catch (OperationCanceledException e)
            {
                // The peer's own deadline: say what it saw, so a rare failure explains itself.
                throw new Xunit.Sdk.XunitException(
                    $"Call {i} (seed {seed}): the peer waited in vain ({(connection is null ? "no connection accepted" : $"accepted {connection.RemoteEndPoint}, frames before: {string.Join(", ", connection.Skipped.Select(f => $"{f.Header.Type}/{f.Header.StreamId}"))}")}); "
                    + $"call {(call.IsCompleted ? $"ended: {await DescribeAsync(call)}" : "still running")}; "
                    + $"pool: {string.Join("; ", handler.Pool.Connections.Select(c => $"#{c.Id} {c.Route} active={c.ActiveStreams} done={c.CompletedExchanges} noNew={c.NoNewExchanges}"))}",
                    e);
            }

            string outcome;
            try
            {
                outcome = await call;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new Xunit.Sdk.XunitException($"Call {i} (seed {seed}) did not end within {PerCallDeadline}.");
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        outcomes.GetValueOrDefault("response").ShouldBeGreaterThan(0);
        outcomes.Keys.Count.ShouldBeGreaterThan(1);
        await Eventually.WaitUntilAsync(() => handler.Pool.Connections.All(c => c.ActiveStreams == 0), "every stream released");
        handler.Pool.EvictAll();
        handler.Pool.ConnectionCount.ShouldBe(0);
    }

    private static async Task<string> DescribeAsync(Task<string> ended)
    {
        try
        {
            return await ended;
        }
        catch (Exception e)
        {
            return e.Message;
        }
    }

    private static async Task<string> CallAsync(HttpClient client, Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync(url, cancellationToken);
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return "response";
        }
        catch (HttpRequestException e)
        {
            return $"HttpRequestException({e.HttpRequestError})";
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new Xunit.Sdk.XunitException($"{url} failed with {e.GetType().Name} instead of an HttpRequestException: {e}");
        }
    }

    /// <summary>A valid answer on <paramref name="streamId"/>, frame by frame.</summary>
    private static List<byte[]> Response(Http2ServerPeer.Connection connection, int streamId, Random random)
    {
        var frames = new List<byte[]>();
        var block = connection.EncodeBlock((":status", "200"), ("content-type", "text/plain"), ("x-fuzz", new string('f', random.Next(0, 30))));
        if (random.Next(4) == 0 && block.Length > 2)
        {
            var cut = random.Next(1, block.Length);
            frames.Add(Http2FrameMutator.Frame(w => Http2FrameWriter.WriteHeaders(w, streamId, block.AsSpan(0, cut), endStream: false, endHeaders: false)));
            frames.Add(Http2FrameMutator.Frame(w => Http2FrameWriter.WriteContinuation(w, streamId, block.AsSpan(cut), endHeaders: true)));
        }
        else
        {
            frames.Add(Http2FrameMutator.Frame(w => Http2FrameWriter.WriteHeaders(w, streamId, block, endStream: false, endHeaders: true)));
        }

        var withTrailers = random.Next(4) == 0;
        frames.Add(Http2FrameMutator.Frame(w => Http2FrameWriter.WriteData(w, streamId, "hello h2"u8, endStream: !withTrailers, padLength: random.Next(3) == 0 ? (byte)random.Next(0, 10) : null)));
        if (withTrailers)
        {
            var trailers = connection.EncodeBlock(("x-checksum", "abc"));
            frames.Add(Http2FrameMutator.Frame(w => Http2FrameWriter.WriteHeaders(w, streamId, trailers, endStream: true, endHeaders: true)));
        }

        frames.Add(Http2FrameMutator.Frame(w => Http2FrameWriter.WritePing(w, (ulong)random.NextInt64())));
        frames.Add(Http2FrameMutator.Frame(w => Http2FrameWriter.WriteWindowUpdate(w, 0, random.Next(1, 1 << 20))));
        return frames;
    }

}

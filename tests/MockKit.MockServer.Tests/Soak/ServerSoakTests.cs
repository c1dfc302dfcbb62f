using System.Net;
using Xunit.Abstractions;
using MockKit.Client;
using MockKit.Tls;

namespace MockKit.MockServer.Tests.Soak;

/// <summary>
/// A bounded soak: many requests with seeded random socket policies over cleartext HTTP/1.1,
/// TLS and the proxy path, from .NET's own HttpClient. Afterwards the process's descriptors are
/// back where they started, no task exception went unobserved, and managed memory is flat.
/// </summary>
/// <remarks>
/// <para>MOCKKIT_SOAK_REQUESTS (default 1500) sets the count; MOCKKIT_SOAK_SECONDS (default 60)
/// bounds the run.</para>
/// <para>Memory criterion, the same at any count: the soak takes its recorded requests as it goes
/// (as a test does), and managed memory after a full collection at the end is within
/// <see cref="MemorySlack"/> of the baseline taken after warm-up. Before it took them, every
/// request stayed recorded until its server was shut down — about 1 KiB each with the eager
/// representation, so 20,000 requests "grew" memory by ~20 MiB while nothing leaked: a second
/// and third run of the same size left memory where the first did.</para>
/// </remarks>
[Collection(RunsAlone.Name)]
public sealed class ServerSoakTests(ITestOutputHelper output)
{
    /// <summary>Allowed growth of managed memory from the warmed-up baseline to the end, whatever the count (runtime caches, pools).</summary>
    private const long MemorySlack = 8L * 1024 * 1024;

    private static readonly SocketPolicy[] Policies =
    [
        SocketPolicy.KeepOpen,
        SocketPolicy.KeepOpen,
        SocketPolicy.KeepOpen,
        SocketPolicy.DisconnectAtEnd,
        SocketPolicy.DisconnectAfterRequest,
        SocketPolicy.DisconnectDuringResponseBody(3),
        SocketPolicy.ShutdownOutputAtEnd,
    ];

    [Fact]
    public async Task Many_requests_with_random_policies_leave_no_descriptors_or_unobserved_exceptions_behind()
    {
        var requests = int.TryParse(Environment.GetEnvironmentVariable("MOCKKIT_SOAK_REQUESTS"), out var n) ? n : 1500;
        var unobserved = 0;
        EventHandler<UnobservedTaskExceptionEventArgs> onUnobserved = (_, _) => Interlocked.Increment(ref unobserved);
        TaskScheduler.UnobservedTaskException += onUnobserved;
        try
        {
            // Warm up once so lazily created runtime descriptors (epoll, eventfds, certificate
            // stores) exist before the baseline is taken.
            await RunAsync(30, seed: 1);
            Settle();
            var fdBefore = OpenDescriptors();
            var kindsBefore = DescriptorKinds();
            var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

            var outcomes = await RunAsync(requests, seed: 20261122);

            Settle();
            var fdAfter = await DescriptorsSettleAsync(fdBefore);
            var memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
            output.WriteLine($"requests: {requests}; outcomes: {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}={o.Value}"))}");
            output.WriteLine($"descriptors: {fdBefore} -> {fdAfter}; managed memory: {memoryBefore / 1024} KiB -> {memoryAfter / 1024} KiB");

            fdAfter.ShouldBeLessThanOrEqualTo(fdBefore, $"descriptors leaked: before {kindsBefore}, after {DescriptorKinds()}");
            unobserved.ShouldBe(0, "unobserved task exceptions");
            (memoryAfter - memoryBefore).ShouldBeLessThan(MemorySlack, $"managed memory grew by more than {MemorySlack / (1024 * 1024)} MiB");
            outcomes.GetValueOrDefault("ok").ShouldBeGreaterThan(requests / 3);
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= onUnobserved;
        }
    }

    private static async Task<Dictionary<string, int>> RunAsync(int requests, int seed)
    {
        var outcomes = new Dictionary<string, int>();
        var random = new Random(seed);
        var certificates = HandshakeCertificates.Localhost();
        var dispatcher = new RandomPolicyDispatcher(seed);
        await using var plain = new MockWebServer { Dispatcher = dispatcher, BodyLimit = 64 };
        await using var tls = new MockWebServer { Dispatcher = dispatcher, BodyLimit = 64 };
        tls.UseHttps(certificates);
        tls.Protocols = [Protocol.Http11];
        await using var h2 = new MockWebServer { Dispatcher = dispatcher, BodyLimit = 64 };
        h2.UseHttps(certificates);
        await using var h2c = new MockWebServer { Dispatcher = dispatcher, BodyLimit = 64, Protocols = [Protocol.H2PriorKnowledge] };

        using var direct = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4 }) { Timeout = TimeSpan.FromSeconds(10) };
        using var secure = new HttpClient(certificates.CreateSocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(10) };
        using var proxied = new HttpClient(new SocketsHttpHandler { Proxy = plain.ToProxy(), UseProxy = true }) { Timeout = TimeSpan.FromSeconds(10) };
        using var http2 = new HttpClient(certificates.CreateSocketsHttpHandler())
        {
            Timeout = TimeSpan.FromSeconds(10),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var cleartextHttp2 = new HttpClient(new SocketsHttpHandler())
        {
            Timeout = TimeSpan.FromSeconds(10),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        // MockKit's own client too, so the soak also checks its pool stays consistent.
        var instrumentedHandler = new InstrumentedHandler { Certificates = certificates, Protocols = [Protocol.Http11] };
        using var instrumented = new HttpClient(instrumentedHandler) { Timeout = TimeSpan.FromSeconds(10) };
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("MOCKKIT_SOAK_SECONDS"), out var limit) ? limit : 60;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        MockWebServer[] servers = [plain, tls, h2, h2c];

        for (var i = 0; i < requests && !deadline.IsCancellationRequested; i += 4)
        {
            var batch = Enumerable.Range(0, 4).Select(_ => random.Next(7) switch
            {
                0 => CallAsync(direct, plain.Url($"/plain/{i}")),
                1 => CallAsync(secure, tls.Url($"/tls/{i}")),
                2 => CallAsync(proxied, new Uri($"http://soak.test/proxied/{i}")),
                3 => CallAsync(http2, h2.Url($"/h2/{i}")),
                4 => CallAsync(cleartextHttp2, h2c.Url($"/h2c/{i}")),
                5 => CallAsync(instrumented, plain.Url($"/instrumented/{i}")),
                _ => CallAsync(instrumented, tls.Url($"/instrumented-tls/{i}")),
            });
            foreach (var outcome in await Task.WhenAll(batch))
            {
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }

            // Take the recordings as a test would; a server keeps every untaken one until it shuts down.
            TakeAll(servers);
        }

        // Every response was disposed: no connection may still be allocated, and evicting the
        // idle ones empties the pool.
        var pool = instrumentedHandler.Pool;
        using (var released = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while (pool.Connections.Any(c => c.ActiveStreams > 0))
            {
                await Task.Delay(10, released.Token);
            }
        }

        pool.EvictAll();
        pool.ConnectionCount.ShouldBe(0);
        TakeAll(servers);
        return outcomes;
    }

    private static void TakeAll(MockWebServer[] servers)
    {
        foreach (var server in servers)
        {
            while (server.TakeRequest(TimeSpan.Zero) is not null)
            {
            }
        }
    }

    private static async Task<string> CallAsync(HttpClient client, Uri url)
    {
        try
        {
            using var response = await client.GetAsync(url);
            await response.Content.ReadAsStringAsync();
            return "ok";
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.Unknown)
        {
            // HttpClient files some failures under Unknown; name what it wrapped instead.
            return $"HttpRequestException(Unknown: {Describe(e.InnerException)})";
        }
        catch (HttpRequestException e)
        {
            return $"HttpRequestException({e.HttpRequestError})";
        }
        catch (TaskCanceledException)
        {
            return "timeout";
        }
    }

    /// <summary>The chain of exception types under a failure, e.g. <c>IOException &lt; SocketException(ConnectionReset)</c>.</summary>
    private static string Describe(Exception? e)
    {
        var parts = new List<string>();
        for (; e is not null; e = e.InnerException)
        {
            parts.Add(e switch
            {
                System.Net.Sockets.SocketException socket => $"SocketException({socket.SocketErrorCode})",
                HttpProtocolException protocol => $"HttpProtocolException({protocol.ErrorCode})",
                _ => e.GetType().Name,
            });
        }

        return parts.Count == 0 ? "no inner exception" : string.Join(" < ", parts);
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>Descriptors by kind (socket, pipe, anon_inode:[eventpoll], file…), for a readable failure.</summary>
    private static string DescriptorKinds() => string.Join(", ", Directory.GetFileSystemEntries("/proc/self/fd")
        .Select(fd =>
        {
            try
            {
                var target = new FileInfo(fd).LinkTarget ?? "?";
                return target.StartsWith("socket:", StringComparison.Ordinal) ? "socket"
                    : target.StartsWith("pipe:", StringComparison.Ordinal) ? "pipe"
                    : target.StartsWith('/') ? "file" : target;
            }
            catch (IOException)
            {
                return "gone";
            }
        })
        .GroupBy(kind => kind)
        .OrderBy(g => g.Key, StringComparer.Ordinal)
        .Select(g => $"{g.Key}={g.Count()}"));

    /// <summary>
    /// Open descriptors other than regular files: sockets, pipes, event polls. Regular files
    /// are left out because the runtime opens assemblies lazily the first time a code path
    /// needs them (and keeps them mapped), which is growth but not a leak.
    /// </summary>
    private static int OpenDescriptors() => Directory.GetFileSystemEntries("/proc/self/fd")
        .Count(fd =>
        {
            try
            {
                return new FileInfo(fd).LinkTarget is not { } target || !target.StartsWith('/');
            }
            catch (IOException)
            {
                return false;
            }
        });

    /// <summary>Sockets close asynchronously after their owners are disposed; wait (bounded) for the count to come back.</summary>
    private static async Task<int> DescriptorsSettleAsync(int target)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var count = OpenDescriptors();
        while (count > target && !deadline.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None);
            Settle();
            count = OpenDescriptors();
        }

        return count;
    }

    private sealed class RandomPolicyDispatcher(int seed) : Dispatcher
    {
        private readonly Random _random = new(seed);
        private readonly Lock _lock = new();

        public override ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken)
        {
            SocketPolicy policy;
            int chunk;
            lock (_lock)
            {
                policy = Policies[_random.Next(Policies.Length)];
                chunk = _random.Next(0, 3);
            }

            return ValueTask.FromResult(new MockResponse($"soak {request.Path}") { SocketPolicy = policy, ChunkSize = chunk == 0 ? 4 : null });
        }
    }
}

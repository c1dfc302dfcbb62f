using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;

namespace MockKit.MockServer.Tests.Lifecycle;

/// <summary>
/// Descriptor exhaustion (EMFILE/ENFILE) makes every accept fail at once while the connection
/// waits in the backlog: the accept loop must pause between attempts (on the server's
/// <see cref="TimeProvider"/>), doubling to a cap, log once per burst, and serve again afterwards.
/// </summary>
public sealed class AcceptBackOffTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Accept_failures_from_descriptor_exhaustion_back_off_exponentially_and_log_once()
    {
        const int Failures = 10;
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var attempts = new ConcurrentQueue<DateTimeOffset>();
        var log = new ConcurrentQueue<string>();
        var burstOver = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new MockWebServer
        {
            TimeProvider = clock,
            TrafficLog = log.Enqueue,
            AcceptSocket = (listener, ct) =>
            {
                if (attempts.Count < Failures)
                {
                    attempts.Enqueue(clock.GetUtcNow());
                    if (attempts.Count == Failures)
                    {
                        burstOver.TrySetResult();
                    }

                    throw new SocketException((int)SocketError.TooManyOpenSockets);
                }

                return listener.AcceptAsync(ct);
            },
        };
        server.Enqueue(new MockResponse("served after the burst"));
        server.Start();

        // Move the clock in small steps until every injected failure happened: a loop without
        // back-off would fail all ten times at the same instant.
        using var cts = new CancellationTokenSource(Deadline);
        await PumpClockUntilAsync(clock, burstOver.Task, TimeSpan.FromMilliseconds(5), cts.Token);

        var times = attempts.ToArray();
        for (var i = 1; i < times.Length; i++)
        {
            var expected = TimeSpan.FromMilliseconds(Math.Min(10 * (1 << (i - 1)), 1000));
            (times[i] - times[i - 1]).ShouldBeGreaterThanOrEqualTo(expected, $"pause before attempt {i}");
        }

        using var client = new HttpClient { Timeout = Deadline };
        var answer = client.GetStringAsync(server.Url("/"), cts.Token);

        // The last pause (1 s of fake time) must pass before the loop accepts again.
        await PumpClockUntilAsync(clock, answer, TimeSpan.FromMilliseconds(50), cts.Token);
        (await answer).ShouldBe("served after the burst");
        log.Count(l => l.StartsWith("accept failed", StringComparison.Ordinal)).ShouldBe(1);
        log.ShouldContain($"accept recovered after {Failures} failed attempt(s)");
    }

    /// <summary>Advances the fake clock a step at a time until <paramref name="condition"/> completes (bounded by the token).</summary>
    private static async Task PumpClockUntilAsync(FakeTimeProvider clock, Task condition, TimeSpan step, CancellationToken ct)
    {
        while (!condition.IsCompleted)
        {
            clock.Advance(step);

            // A short real pause lets the server's continuation run; it is a pump tick, not the wait itself.
            await Task.WhenAny(condition, Task.Delay(TimeSpan.FromMilliseconds(2), ct));
            ct.ThrowIfCancellationRequested();
        }
    }
}

using System.Net;
using Microsoft.Extensions.Time.Testing;
using MockKit.Client.Tests.Support;
using Xunit.Abstractions;

namespace MockKit.Client.Tests.Fuzz;

/// <summary>
/// Feeds seeded hostile answers to upgrade requests (GET with <c>Upgrade: websocket</c>). Every
/// call must end within its deadline with a response or an <see cref="HttpRequestException"/>; a
/// 101 must come with a writable stream that serves the bytes behind the head first, and disposing
/// it must close its connection. Afterwards no connection is left upgraded, the pool holds exactly
/// the plain connections still open, and EvictAll brings it to zero.
/// </summary>
/// <remarks>CI runs 300 calls; MOCKKIT_FUZZ_INPUTS and MOCKKIT_FUZZ_SEED run it longer or differently.
/// Time is driven as in <see cref="Http1ResponseFuzzTests"/>: the wall clock never decides anything.</remarks>
public sealed class Http1UpgradeFuzzTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PerCallDeadline = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task Hostile_upgrade_answers_end_every_call_cleanly_and_leave_no_connection_behind()
    {
        var calls = int.TryParse(Environment.GetEnvironmentVariable("MOCKKIT_FUZZ_INPUTS"), out var n) ? n / 2 : 300;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("MOCKKIT_FUZZ_SEED"), out var s) ? s : 20261202;
        var mutator = new Http1UpgradeResponseMutator(seed);
        var scriptLock = new Lock();
        var served = 0;
        await using var server = new ScriptedRawServer(() =>
        {
            lock (scriptLock)
            {
                served++;
                return (mutator.Next(), mutator.NextCloses());
            }
        });
        var time = new FakeTimeProvider();
        var handler = new InstrumentedHandler
        {
            ReadTimeout = ReadTimeout,
            // Only read timeouts are driven: the loop below advances the clock whenever a call is
            // still running after the server took its script, whatever the call is doing. A write
            // timeout on this clock fired on a loaded machine while the upgraded stream's 6-byte
            // write (which never waits on the peer) was merely slow to be scheduled (1 in 20 suite
            // runs); connects are as local.
            ConnectTimeout = Timeout.InfiniteTimeSpan,
            WriteTimeout = Timeout.InfiniteTimeSpan,
            FollowRedirects = false,
            TimeProvider = time,
        };
        using var invoker = new HttpMessageInvoker(handler);
        var outcomes = new Dictionary<string, int>();

        for (var i = 0; i < calls; i++)
        {
            using var deadline = new CancellationTokenSource(PerCallDeadline);
            string outcome;
            try
            {
                var servedBefore = Volatile.Read(ref served);
                var call = CallAsync(invoker, new Uri($"http://127.0.0.1:{server.Port}/{i}"), deadline.Token);
                while (!call.IsCompleted)
                {
                    await Task.WhenAny(call, Task.Delay(2, CancellationToken.None));
                    if (!call.IsCompleted && Volatile.Read(ref served) > servedBefore)
                    {
                        time.Advance(ReadTimeout);
                    }
                }

                outcome = await call;
            }
            catch (HttpRequestException e)
            {
                outcome = $"HttpRequestException({e.HttpRequestError})";
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new Xunit.Sdk.XunitException($"Call {i} (seed {seed}) did not end within {PerCallDeadline}.");
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"Call {i} (seed {seed}) failed with {e.GetType().Name} instead of an HttpRequestException: {e}");
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            handler.Pool.UpgradedConnectionCount.ShouldBe(0, $"call {i} (seed {seed}) left an upgraded connection behind");
        }

        output.WriteLine($"{calls} inputs, seed {seed}: " + string.Join(", ", outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}")));
        outcomes.GetValueOrDefault("upgraded").ShouldBeGreaterThan(0);
        outcomes.Keys.Count.ShouldBeGreaterThan(2);

        await Eventually.WaitUntilAsync(
            () =>
            {
                time.Advance(ReadTimeout);
                return handler.Pool.Connections.All(c => c.ActiveStreams == 0);
            },
            "every connection released");
        handler.Pool.EvictAll();
        handler.Pool.ConnectionCount.ShouldBe(0);
    }

    private static async Task<string> CallAsync(HttpMessageInvoker invoker, Uri url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { { "Upgrade", "websocket" }, { "Connection", "Upgrade" } } };
        using var response = await invoker.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.SwitchingProtocols)
        {
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return "response";
        }

        // The upgraded connection: writable, and whatever arrived behind the head is readable at once
        // (reading further could wait forever: an upgraded stream has no read timeout by design).
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        stream.CanWrite.ShouldBeTrue();
        await stream.WriteAsync(new byte[] { 0x88, 0x80, 0, 0, 0, 0 }, cancellationToken); // A masked, empty close frame.
        await stream.DisposeAsync();
        return "upgraded";
    }
}

using MockKit.MockServer;

namespace MockKit.Assertions.Tests;

/// <summary>
/// The framework-neutral half of both MockKitTest packages: what only a token can show (the
/// xunit v3 class passes TestContext.Current.CancellationToken, which a test cannot cancel).
/// </summary>
public sealed class MockKitTestHarnessTests
{
    [Fact]
    public async Task A_cancelled_run_ends_the_wait_for_a_leaked_connection_and_still_shuts_down()
    {
        var lines = new List<string>();
        var harness = new MockKitTestHarness(line => { lock (lines) { lines.Add(line); } }, MockKitTransport.Http11)
        {
            ReleaseTimeout = TimeSpan.FromMinutes(10),
        };
        await harness.StartAsync(CancellationToken.None);
        harness.Server.Enqueue(new MockResponse("never read"));
        var leaked = await harness.Client.GetAsync(harness.Server.Url("/"), HttpCompletionOption.ResponseHeadersRead);

        using var run = new CancellationTokenSource();
        await run.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => harness.FinishAsync(testFailed: false, run.Token));

        harness.Server.IsRunning.ShouldBeFalse();
        lock (lines)
        {
            lines.ShouldContain(line => line.StartsWith("client | call ", StringComparison.Ordinal) && line.Contains(" CallStart", StringComparison.Ordinal));
        }

        leaked.Dispose();
    }
}

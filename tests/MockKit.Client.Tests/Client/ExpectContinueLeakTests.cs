using System.Net;
using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

/// <summary>
/// After the 100-continue wait times out, the head read keeps running while the body is written. When
/// the body write fails, that read must still be observed: its failure (the connection closes) must
/// not surface later as an unobserved task exception.
/// </summary>
[Collection(UnobservedExceptionsGroup.Name)]
public sealed class ExpectContinueLeakTests
{
    [Fact]
    public async Task A_failed_body_write_after_the_continue_timeout_leaves_no_unobserved_task_exception()
    {
        var unobserved = new List<Exception>();
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            lock (unobserved)
            {
                unobserved.Add(e.Exception);
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            var handler = new InstrumentedHandler { ExpectContinueTimeout = TimeSpan.FromMilliseconds(1), RetryOnConnectionFailure = false };
            await using (var h = await ClientHarness.StartAsync(handler))
            {
                // The server answers only after the body, which never comes: the 1 ms continue timer always wins.
                h.Server.Enqueue(new MockResponse("never read"));
                using var request = new HttpRequestMessage(HttpMethod.Post, h.Url("/")) { Content = new FailingContent() };
                request.Headers.ExpectContinue = true;

                var failure = await Should.ThrowAsync<Exception>(() => h.Client.SendAsync(request));
                failure.ToString().ShouldContain(FailingContent.Message);
                await Eventually.WaitUntilAsync(() => handler.Pool.ConnectionCount == 0, "the broken connection is closed");
            }

            // The abandoned read faults once the socket is gone; give the finalizers a few rounds to report it.
            for (var round = 0; round < 20 && Snapshot(unobserved).Count == 0; round++)
            {
                await Task.Yield();
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            Snapshot(unobserved).Where(e => e.ToString().Contains("MockKit.Client", StringComparison.Ordinal)).ShouldBeEmpty();
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }
    }

    private static List<Exception> Snapshot(List<Exception> list)
    {
        lock (list)
        {
            return [.. list];
        }
    }

    private sealed class FailingContent : HttpContent
    {
        public const string Message = "content failed on purpose";

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            throw new IOException(Message);

        protected override bool TryComputeLength(out long length)
        {
            length = 10;
            return true;
        }
    }
}

/// <summary>Tests that watch <see cref="TaskScheduler.UnobservedTaskException"/> run alone, not beside other client tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class UnobservedExceptionsGroup
{
    public const string Name = "Unobserved task exceptions";
}

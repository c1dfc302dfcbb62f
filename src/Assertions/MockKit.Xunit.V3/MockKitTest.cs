using MockKit.Assertions;
using MockKit.Client;
using MockKit.MockServer;
using MockKit.Tls;
using Xunit;

namespace MockKit.Xunit;

/// <summary>
/// An xunit v3 base class that gives each test a started <see cref="MockWebServer"/>, an
/// <see cref="InstrumentedHandler"/> and an <see cref="HttpClient"/> wired to it, writes the
/// server's traffic and the client's call events to the test output, and when the test ends:
/// fails it if a <see cref="MockKit.MockServer.RouteDispatcher"/> saw an unmatched request (with its near-miss report),
/// if a connection is still allocated (a response was not disposed) or if enqueued
/// responses were never requested, and always shuts the server down without hanging.
/// </summary>
/// <remarks>
/// One instance per test (xunit creates a new class instance per test), nothing static but the
/// shared <see cref="HandshakeCertificates.Localhost"/>, so tests using it run in parallel freely.
/// The xunit v2 package (<c>MockKit.Xunit</c>) defines the same class with the same members;
/// this one adds a constructor that writes to <see cref="TestContext.Current"/> and cancels its
/// waits with the test's <see cref="ITestContext.CancellationToken"/>.
/// </remarks>
/// <example>
/// <code>
/// public sealed class UsersTests() : MockKitTest()
/// {
///     [Fact]
///     public async Task Gets_a_user()
///     {
///         Server.Enqueue(new MockResponse("{}"));
///         using var response = await Client.GetAsync(Server.Url("/users/1"), TestContext.Current.CancellationToken);
///         await response.ShouldHaveStatus(200).ShouldHaveBodyAsync("{}");
///     }
/// }
/// </code>
/// </example>
public abstract partial class MockKitTest : IAsyncLifetime
{
    /// <summary>Creates the fixture for one test, writing to the given output.</summary>
    /// <param name="output">The test's output, for the traffic log and events.</param>
    /// <param name="transport">How server and client talk; cleartext HTTP/1.1 by default.</param>
    protected MockKitTest(ITestOutputHelper output, MockKitTransport transport = MockKitTransport.Http11)
    {
        ArgumentNullException.ThrowIfNull(output);
        _harness = new MockKitTestHarness(output.WriteLine, transport);
    }

    /// <summary>
    /// Creates the fixture for one test, writing to the output of the test that is running when
    /// it is constructed (<see cref="TestContext.Current"/>); lines are dropped when there is none.
    /// </summary>
    /// <param name="transport">How server and client talk; cleartext HTTP/1.1 by default.</param>
    protected MockKitTest(MockKitTransport transport = MockKitTransport.Http11)
    {
        // Captured now rather than looked up per line: server log lines are written from the
        // server's connection tasks, which need not carry the test's context.
        var output = TestContext.Current.TestOutputHelper;
        _harness = new MockKitTestHarness(line => output?.WriteLine(line), transport);
    }

    /// <summary>Starts <see cref="Server"/>; xunit calls it before the test body.</summary>
    /// <returns>A task that completes when the server listens; cancelled with the test.</returns>
    public virtual ValueTask InitializeAsync() => new(_harness.StartAsync(TestContext.Current.CancellationToken));

    /// <summary>
    /// Runs the end-of-test checks (no allocated connection, no unused response), writes the
    /// call events, releases the client and shuts the server down; xunit calls it after the test body.
    /// The wait for connections to be released ends early when the test run is cancelled; the
    /// cleanup still runs.
    /// </summary>
    /// <returns>A task that fails with the first failed check, after cleaning up.</returns>
    public virtual async ValueTask DisposeAsync()
    {
        // When the test body already failed, its failure is the one to read: the checks' own failures
        // (often caused by it, such as a response the failed call never took) go to the output only.
        var testFailed = TestContext.Current.TestState?.Result == TestResult.Failed;
        await _harness.FinishAsync(testFailed, TestContext.Current.CancellationToken).ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}

using MockKit.Assertions;
using MockKit.Client;
using MockKit.MockServer;
using MockKit.Tls;
using Xunit;
using Xunit.Abstractions;

namespace MockKit.Xunit;

/// <summary>
/// An xunit v2 base class that gives each test a started <see cref="MockWebServer"/>, an
/// <see cref="InstrumentedHandler"/> and an <see cref="HttpClient"/> wired to it, writes the
/// server's traffic and the client's call events to the test output, and when the test ends:
/// fails it if a <see cref="MockKit.MockServer.RouteDispatcher"/> saw an unmatched request (with its near-miss report),
/// if a connection is still allocated (a response was not disposed) or if enqueued
/// responses were never requested, and always shuts the server down without hanging.
/// </summary>
/// <remarks>
/// One instance per test (xunit creates a new class instance per test), nothing static but the
/// shared <see cref="HandshakeCertificates.Localhost"/>, so tests using it run in parallel freely.
/// The xunit v3 package (<c>MockKit.Xunit.V3</c>) defines the same class with the same members.
/// </remarks>
/// <example>
/// <code>
/// public sealed class UsersTests(ITestOutputHelper output) : MockKitTest(output)
/// {
///     [Fact]
///     public async Task Gets_a_user()
///     {
///         Server.Enqueue(new MockResponse("{}"));
///         using var response = await Client.GetAsync(Server.Url("/users/1"));
///         await response.ShouldHaveStatus(200).ShouldHaveBodyAsync("{}");
///     }
/// }
/// </code>
/// </example>
public abstract partial class MockKitTest : IAsyncLifetime
{
    /// <summary>Creates the fixture for one test.</summary>
    /// <param name="output">The test's output, for the traffic log and events.</param>
    /// <param name="transport">How server and client talk; cleartext HTTP/1.1 by default.</param>
    protected MockKitTest(ITestOutputHelper output, MockKitTransport transport = MockKitTransport.Http11)
    {
        ArgumentNullException.ThrowIfNull(output);
        _harness = new MockKitTestHarness(output.WriteLine, transport);
    }

    /// <summary>Starts <see cref="Server"/>; xunit calls it before the test body.</summary>
    /// <returns>A task that completes when the server listens.</returns>
    public virtual Task InitializeAsync() => _harness.StartAsync(CancellationToken.None);

    /// <summary>
    /// Runs the end-of-test checks (no allocated connection, no unused response), writes the
    /// call events, releases the client and shuts the server down; xunit calls it after the test body.
    /// </summary>
    /// <returns>A task that fails with the first failed check, after cleaning up.</returns>
    /// <remarks>xunit v2 does not tell a test class whether its test failed: when the test body failed
    /// and a check fails too, xunit v2 reports both, the test's own failure first.</remarks>
    public virtual Task DisposeAsync() => _harness.FinishAsync(testFailed: false, CancellationToken.None);
}

using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using MockKit.MockServer;
using MockKit.Tls;

namespace MockKit.Tool;

/// <summary>
/// <c>mockkit serve</c>: a <see cref="MockWebServer"/> hosted in its own process. Start order:
/// check options, read every stub and replay file (refused with exit code 2, nothing served),
/// configure the server (TLS or h2c, dispatcher, admin endpoint), bind, write <c>--ca-out</c>, then
/// print the ready line <c>MockKit listening on URL</c> on stdout — scripts wait for it. SIGTERM or
/// SIGINT (or <see cref="SocketPolicy.ShutdownServerAfterResponse"/>) shuts the server down within
/// its shutdown bound, writes <c>--record-to</c>, and exits 0.
/// </summary>
internal static class ServeCommand
{
    /// <summary>Exit code of a bad command line or a refused stub/replay file.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code of a server that could not start or stop cleanly (e.g. the port is taken).</summary>
    public const int RuntimeError = 1;

    public static async Task<int> RunAsync(ServeSettings settings, TextWriter output, TextWriter error, CancellationToken stop)
    {
        if (settings.Validate() is { } invalid)
        {
            await error.WriteLineAsync($"mockkit: {invalid}").ConfigureAwait(false);
            return UsageError;
        }

        List<SourcedRoute> stubs;
        Replay? replayed = null;
        try
        {
            stubs = StubFiles.Load(settings.Stubs);
            if (settings.Replay is { } replay)
            {
                replayed = await Replay.LoadAsync(replay).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"mockkit: {e.Message}").ConfigureAwait(false);
            await error.WriteLineAsync("mockkit: nothing was served; fix the file and start again.").ConfigureAwait(false);
            return UsageError;
        }

        await using var log = new TrafficLogSink(error, settings.LogFormat, TimeProvider.System);
        var server = new MockWebServer { ListenAddress = settings.Host, TrafficLog = log.Callback };
        await using (server.ConfigureAwait(false))
        {
            var certificates = settings.Https ? HandshakeCertificates.Localhost() : null;
            if (certificates is not null)
            {
                server.UseHttps(certificates);
            }
            else if (settings.H2c)
            {
                server.Protocols = [Protocol.H2PriorKnowledge];
            }

            ForwardingDispatcher? forwarding = null;
            StandaloneRoutes? routes = null;
            if (settings.Forward is { } upstream)
            {
                forwarding = Dispatcher.Forward(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }, upstream);
                server.Dispatcher = forwarding;
            }
            else
            {
                routes = new StandaloneRoutes(server, stubs, replayed);
            }

            server.HostEndpoint = new AdminApi(server, routes, settings.AdminToken).CreateEndpoint(settings.AdminBodyLimit);
            if (!IPAddress.IsLoopback(settings.Host) && settings.AdminToken is null)
            {
                log.Write(
                    $"mockkit: warning: listening on {settings.Host} without --admin-token: anyone who can reach this port can change the mock's routes and read its recorded requests.");
            }

            try
            {
                server.Start(settings.Port);
            }
            catch (SocketException e)
            {
                log.Write($"mockkit: cannot listen on {settings.Host}:{settings.Port}: {e.Message}");
                return RuntimeError;
            }

            if (certificates is not null && settings.CaOut is { } caOut)
            {
                // Written before the ready line, so a script that saw the line can trust the file.
                await File.WriteAllTextAsync(caOut, certificates.TrustedCertificates[0].ExportCertificatePem() + "\n", CancellationToken.None).ConfigureAwait(false);
            }

            // No token on the writes around the ready line: a signal that arrives while they run must
            // lead to the same orderly shutdown (exit 0) as one that arrives later.
            await output.WriteLineAsync($"MockKit listening on {server.Url("/")}").ConfigureAwait(false);
            await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);

            // Until a signal, or until a ShutdownServerAfterResponse policy shut the server down.
            using var either = CancellationTokenSource.CreateLinkedTokenSource(stop, server.ShutdownToken);
            await Task.Delay(Timeout.InfiniteTimeSpan, either.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

            var status = 0;
            try
            {
                await server.ShutdownAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException or AggregateException)
            {
                // Bounded: the server reported what it was still waiting for; the process still exits.
                log.Write($"mockkit: shutdown: {e.Message}");
            }

            if (forwarding is not null && settings.RecordTo is { } recordTo)
            {
                try
                {
                    forwarding.SaveRecordings(recordTo);
                    log.Write($"mockkit: wrote {forwarding.Recordings.Count} recorded exchange(s) to {recordTo}");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    log.Write($"mockkit: cannot write {recordTo}: {e.Message}");
                    status = RuntimeError;
                }
            }

            return status;
        }
    }

    /// <summary>
    /// Cancels <paramref name="stop"/> on SIGTERM, SIGINT and SIGQUIT instead of letting the runtime end
    /// the process, so shutdown runs to its end (recordings written) and the exit code is ours.
    /// </summary>
    public static IDisposable[] OnSignals(CancellationTokenSource stop)
    {
        void Handler(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        return [PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handler), PosixSignalRegistration.Create(PosixSignal.SIGINT, Handler), PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Handler)];
    }
}

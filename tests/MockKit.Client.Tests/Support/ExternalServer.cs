using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MockKit.Client.Tests.Support;

/// <summary>
/// A real server binary (nginx, squid) started by a test fixture in the foreground with a
/// temporary config, waited for on its port with a deadline, and killed on dispose. A missing
/// binary fails the test with the apt package to install (never a skip).
/// </summary>
internal sealed class ExternalServer : IDisposable
{
    private readonly Process _process;

    private ExternalServer(Process process, string directory)
    {
        _process = process;
        Directory = directory;
    }

    public string Directory { get; }

    public static string NewDirectory(string name)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"mockkit-{name}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        // Servers started as root drop to an unprivileged user that must write its logs here.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0x1FF);
        }
        return directory;
    }

    /// <summary>
    /// Starts <paramref name="binary"/> and waits until it listens on every reserved port. The
    /// caller holds the reservations until this returns (the server binds their ports alongside
    /// them; see <see cref="PortReservation"/>), so no other process can take a port in between
    /// and the probe that sees a port accept is talking to this server.
    /// </summary>
    public static async Task<ExternalServer> StartAsync(string binary, string aptPackage, string directory, IEnumerable<string> arguments, params PortReservation[] ports)
    {
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"{binary} is missing: install the '{aptPackage}' apt package (apt-get install {aptPackage}).");
        }

        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {binary}.");
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        var server = new ExternalServer(process, directory);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        foreach (var port in ports.Select(p => p.Port))
        {
            while (!await IsListeningAsync(port))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    var exited = process.HasExited;
                    // Stopped first and read before Dispose deletes the directory: the logs are
                    // what says why it did not listen.
                    server.Kill();
                    var failure = $"{binary} did not listen on port {port} (exited: {exited}).\nstderr: {await ReadRestAsync(stderr)}\n{server.ReadLogs()}";
                    server.Dispose();
                    throw new InvalidOperationException(failure);
                }

                await Task.Delay(20);
            }
        }

        return server;
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A server that is still shutting down may hold a file; the temp dir is cleaned later.
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private string ReadLogs()
    {
        try
        {
            return string.Join("\n", System.IO.Directory.GetFiles(Directory, "*.log").Select(f => $"{f}:\n{File.ReadAllText(f)}"));
        }
        catch (IOException e)
        {
            return $"(logs in {Directory} unreadable: {e.Message})";
        }
    }

    // The server was killed, so its stderr ends; the bound only guards against a grandchild
    // that kept the pipe open.
    private static async Task<string> ReadRestAsync(Task<string> stderr)
    {
        try
        {
            return await stderr.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            return "(still open after the kill)";
        }
    }

    private static async Task<bool> IsListeningAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

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

    public static async Task<ExternalServer> StartAsync(string binary, string aptPackage, string directory, IEnumerable<string> arguments, params int[] ports)
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
        foreach (var port in ports)
        {
            while (!await IsListeningAsync(port))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    server.Dispose();
                    var logs = string.Join("\n", System.IO.Directory.GetFiles(directory, "*.log").Select(f => $"{f}:\n{File.ReadAllText(f)}"));
                    throw new InvalidOperationException(
                        $"{binary} did not listen on port {port} (exited: {process.HasExited}).\nstderr: {(process.HasExited ? await stderr : "")}\n{logs}");
                }

                await Task.Delay(20);
            }
        }

        return server;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
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

using System.Diagnostics;
using System.Text;
using MockKit.MockServer.Tests.Support;

namespace MockKit.Tool.Tests.Support;

/// <summary>
/// The tool as its users run it: <c>dotnet mockkit.dll serve …</c> in a process of its own. Start
/// waits for the ready line (the only readiness signal scripts have) under a deadline; stderr is
/// drained continuously (a full pipe would stall the server) and kept for assertions; disposal
/// kills a process still running, so no test leaves one behind.
/// </summary>
internal sealed class MockKitProcess : IAsyncDisposable
{
    /// <summary>Generous: the machine is shared and a cold start JITs the tool.</summary>
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<Uri> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private MockKitProcess(Process process) => _process = process;

    public Uri Url => _ready.Task.IsCompletedSuccessfully ? _ready.Task.Result : throw new InvalidOperationException("Not ready.");

    public int Id => _process.Id;

    public string StandardError
    {
        get
        {
            lock (_lock)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts the tool with <paramref name="arguments"/> (after <c>serve</c>) and waits for its ready line.</summary>
    public static async Task<MockKitProcess> StartAsync(params string[] arguments)
    {
        var tool = Launch(["serve", .. arguments]);
        var exited = tool._process.WaitForExitAsync();
        var first = await Task.WhenAny(tool._ready.Task, exited, Task.Delay(ReadyTimeout));
        if (first != tool._ready.Task)
        {
            var why = first == exited ? $"exited with {tool._process.ExitCode}" : $"printed no ready line within {ReadyTimeout.TotalSeconds} s";
            await tool.DisposeAsync();
            throw new InvalidOperationException($"mockkit {string.Join(' ', arguments)} {why}. stderr:\n{tool.StandardError}");
        }

        return tool;
    }

    /// <summary>Runs the tool to its end (for --help, --version and refused starts).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunToEndAsync(params string[] arguments)
    {
        var tool = Launch(arguments);
        await using (tool)
        {
            var exit = await tool.WaitForExitAsync(ReadyTimeout);
            return (exit, tool._output.ToString(), tool.StandardError);
        }
    }

    private readonly StringBuilder _output = new();

    private static MockKitProcess Launch(string[] arguments)
    {
        // Through env --default-signal (GNU coreutils): a test run started as a background job of a
        // non-interactive shell inherits SIGINT and SIGQUIT ignored (POSIX, "Asynchronous Lists"), exec
        // keeps them ignored and the .NET runtime honours that, so the tool would never see the Ctrl+C
        // these tests send. A user's foreground mockkit has default dispositions; so does this one.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--default-signal=INT,QUIT,TERM");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(ToolPaths.ToolDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var tool = new MockKitProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                tool._stdoutClosed.TrySetResult();
                return;
            }

            lock (tool._lock)
            {
                tool._output.AppendLine(e.Data);
            }

            const string Ready = "MockKit listening on ";
            if (e.Data.StartsWith(Ready, StringComparison.Ordinal))
            {
                tool._ready.TrySetResult(new Uri(e.Data[Ready.Length..]));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                tool._stderrClosed.TrySetResult();
                return;
            }

            lock (tool._lock)
            {
                tool._stderr.AppendLine(e.Data);
            }
        };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return tool;
    }

    /// <summary>Sends SIGTERM (what docker stop, systemd and CI runners send) and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(string signal = "TERM")
    {
        var kill = await ExternalProcess.RunAsync("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.ExitCode.ShouldBe(0, kill.ToString());
        return await WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    private async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);

            // WaitForExitAsync also waits for the redirected streams' end of file.
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"mockkit did not exit within {timeout.TotalSeconds} s. stderr:\n{StandardError}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

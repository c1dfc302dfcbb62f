using System.CommandLine;
using MockKit.Tool;

// mockkit: see Cli (the command line) and ServeCommand (the server's life).
using var stop = new CancellationTokenSource();
var signals = ServeCommand.OnSignals(stop);
try
{
    // stdout carries the ready line (scripts read it as soon as it is written: autoflushed); stderr the
    // traffic log, buffered and flushed by its writer task whenever it has caught up.
    var output = Console.Out;
    var error = new StreamWriter(Console.OpenStandardError()) { AutoFlush = false };
    await using (error.ConfigureAwait(false))
    {
        var root = Cli.Build(output, error, stop.Token);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
            {
                await error.WriteLineAsync($"mockkit: {problem.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync("Run 'mockkit --help' or 'mockkit serve --help' for the options.").ConfigureAwait(false);
            return ServeCommand.UsageError;
        }

        // Signals are ours (ServeCommand.OnSignals): System.CommandLine must not end the process itself,
        // and must not see the stop token either (it would report a cancelled invocation as exit 1
        // while the action is still shutting down); the action gets it from Cli.Build.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, Output = output, Error = error }, CancellationToken.None).ConfigureAwait(false);
    }
}
finally
{
    foreach (var signal in signals)
    {
        signal.Dispose();
    }
}

using System.CommandLine;
using System.Reflection;

namespace MockKit.Tool;

/// <summary>
/// The command line, in System.CommandLine's conventions (<c>--help</c>, <c>-h</c>, <c>--version</c>,
/// POSIX-style options): <c>mockkit serve [options]</c>. A usage error prints what is wrong and
/// exits 2, as stub-file errors do.
/// </summary>
internal static class Cli
{
    /// <summary>The tool's version, as <c>--version</c> prints it.</summary>
    public static string Version { get; } =
        typeof(Cli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static RootCommand Build(TextWriter output, TextWriter error, CancellationToken stop)
    {
        var port = new Option<int>("--port", "-p")
        {
            Description = "Port to listen on; 0 (the default) picks a free one, named by the ready line.",
            DefaultValueFactory = _ => 0,
        };
        var host = new Option<string>("--host")
        {
            Description = "Address to bind; 127.0.0.1 by default. Another address warns unless --admin-token is set.",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var https = new Option<bool>("--https") { Description = "Serve TLS with MockKit's localhost certificate (HTTP/2 and HTTP/1.1 by ALPN)." };
        var caOut = new Option<string?>("--ca-out") { Description = "With --https: write the root CA (PEM) here before the ready line, for clients to trust." };
        var h2c = new Option<bool>("--h2c") { Description = "Serve cleartext HTTP/2 (prior knowledge) instead of HTTP/1.1; the admin API too." };
        var stubs = new Option<string[]>("--stubs")
        {
            Description = "A mockkit-stubs/1 file, or a folder of *.json stub files; repeatable. A malformed file is refused (exit 2).",
            AllowMultipleArgumentsPerToken = false,
        };
        var replay = new Option<string?>("--replay") { Description = "Serve a recordings file (from --record-to), each exchange once, in order." };
        var forward = new Option<string?>("--forward") { Description = "Forward every request to this upstream base URL (with --record-to to record it)." };
        var recordTo = new Option<string?>("--record-to") { Description = "With --forward: write the recorded exchanges here at shutdown." };
        var adminToken = new Option<string?>("--admin-token")
        {
            Description = "Every admin call must send Authorization: Bearer TOKEN. Default: the MOCKKIT_ADMIN_TOKEN environment variable, if set.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("MOCKKIT_ADMIN_TOKEN") is { Length: > 0 } token ? token : null,
        };
        var logFormat = new Option<string>("--log-format")
        {
            Description = "Traffic log on stderr: text (the default), json (one object per line) or none.",
            DefaultValueFactory = _ => "text",
        };
        logFormat.AcceptOnlyFromAmong("text", "json", "none");

        var serve = new Command("serve", "Start a mock server and print 'MockKit listening on <url>' when it accepts connections.")
        {
            port, host, https, caOut, h2c, stubs, replay, forward, recordTo, adminToken, logFormat,
        };
        serve.SetAction((parse, _) =>
        {
            var settings = new ServeSettings
            {
                Port = parse.GetValue(port),
                HostText = parse.GetValue(host)!,
                Https = parse.GetValue(https),
                CaOut = parse.GetValue(caOut),
                H2c = parse.GetValue(h2c),
                Stubs = parse.GetValue(stubs) ?? [],
                Replay = parse.GetValue(replay),
                ForwardText = parse.GetValue(forward),
                RecordTo = parse.GetValue(recordTo),
                AdminToken = parse.GetValue(adminToken),
                LogFormat = Enum.Parse<LogFormat>(parse.GetValue(logFormat)!, ignoreCase: true),
            };
            return ServeCommand.RunAsync(settings, output, error, stop);
        });

        return new RootCommand("MockKit's standalone mock server: scriptable HTTP/1.1 and HTTP/2 on a real socket, for systems under test in another process.")
        {
            serve,
        };
    }
}

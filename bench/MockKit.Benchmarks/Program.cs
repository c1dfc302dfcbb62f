using BenchmarkDotNet.Running;

namespace MockKit.Benchmarks;

/// <summary>
/// Entry point. <c>serve-mock</c>, <c>serve-kestrel</c> (and their <c>-h2c</c>/<c>-h2</c> variants), <c>serve-mock-grpc</c>, <c>startup</c>, <c>startup-cold</c>, <c>retention</c>, <c>retention-h2c</c>, <c>load</c> and <c>grpc-unary</c> are console modes
/// for bench/http1-server.sh (see bench/README.md); anything else goes to BenchmarkDotNet:
/// <c>dotnet run -c Release --project bench/MockKit.Benchmarks -- --filter '*'</c>.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "serve-mock" or "serve-kestrel" or "serve-mock-grpc" or "serve-mock-h2c" or "serve-kestrel-h2c" or "serve-mock-h2" or "serve-kestrel-h2":
                return await ServeMode.RunAsync(args[0]);
            case "startup":
                return await StartupLatency.RunAsync(args);
            case "client-profile":
                return await ClientProfile.RunAsync(args);
            case "startup-cold":
                return await StartupLatency.RunColdAsync(args);
            case "retention":
                return await RecordingRetention.RunAsync(args);
            case "retention-h2c":
                return await RecordingRetentionH2c.RunAsync(args);
            case "load":
                return await ConnectionLoad.RunAsync(args);
            case "grpc-unary":
                return await GrpcUnaryLoad.RunAsync(args);
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                return 0;
        }
    }
}

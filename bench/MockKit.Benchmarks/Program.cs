using BenchmarkDotNet.Running;

namespace MockKit.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project bench/MockKit.Benchmarks -- --filter '*'</c>.</summary>
internal static class Program
{
    private static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}

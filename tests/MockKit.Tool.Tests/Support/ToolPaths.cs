namespace MockKit.Tool.Tests.Support;

/// <summary>
/// Where things are, found from this test assembly's own location (…/tests/MockKit.Tool.Tests/bin/CONFIG/TFM/):
/// the repository root is the nearest folder above holding MockKit.sln, and the tool is its project's
/// build output for the same configuration and target framework (the project reference builds it first).
/// </summary>
internal static class ToolPaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MockKit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No MockKit.sln above {AppContext.BaseDirectory}.");
    });

    public static string RepositoryRoot => Root.Value;

    /// <summary>mockkit.dll built in the configuration and framework this assembly was built in.</summary>
    public static string ToolDll
    {
        get
        {
            var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = framework.Parent!.Name;
            var path = Path.Combine(RepositoryRoot, "src", "MockServer", "MockKit.Tool", "bin", configuration, framework.Name, "mockkit.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"The tool was not built: {path}", path);
        }
    }

    public static string Samples => Path.Combine(RepositoryRoot, "samples", "standalone");

    public static string Schema => Path.Combine(RepositoryRoot, "docs", "stubs.schema.json");
}

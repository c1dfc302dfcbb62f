using System.ComponentModel;
using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Interop;

/// <summary>
/// The h2spec conformance suite (summerwind/h2spec, 146 cases with <c>-o 2</c>) as an external peer.
/// Found at <c>$MOCKKIT_H2SPEC</c>, else at <c>shared/tools/h2spec</c> in the folder beside the
/// repository (or beside one of its parents, for a worktree nested deeper). A copy that may not be
/// executed (no execute bit) runs through an executable copy in a temporary folder.
/// </summary>
internal sealed class H2Spec : IDisposable
{
    /// <summary>The environment variable that names the h2spec binary.</summary>
    public const string PathVariable = "MOCKKIT_H2SPEC";

    /// <summary>The cases h2spec 2.0.0 runs for a server (generic, HPACK and RFC 7540 sections).</summary>
    public const int CaseCount = 146;

    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);
    private readonly string? _copyFolder;

    private H2Spec(string executable, string? copyFolder)
    {
        Executable = executable;
        _copyFolder = copyFolder;
    }

    /// <summary>The binary run (the original, or the executable copy).</summary>
    public string Executable { get; }

    /// <summary>Where h2spec should be, for a skip message.</summary>
    public static string Candidates => string.Join(", ", CandidatePaths());

    /// <summary>The h2spec binary, or null when none of the candidate paths holds a file.</summary>
    public static string? Find() => CandidatePaths().FirstOrDefault(File.Exists);

    /// <summary>Finds h2spec and makes sure it runs (<c>--version</c>), copying it to run it when the file may not be executed.</summary>
    public static async Task<H2Spec> PrepareAsync()
    {
        var path = Find() ?? throw new FileNotFoundException($"h2spec not found at {Candidates}.");
        try
        {
            await ExternalProcess.RunAsync(path, ["--version"]);
            return new H2Spec(path, copyFolder: null);
        }
        catch (Win32Exception)
        {
            // Permission denied: a read-only copy without execute bits (e.g. a shared folder).
            var folder = Directory.CreateTempSubdirectory("mockkit-h2spec-").FullName;
            var copy = Path.Combine(folder, "h2spec");
            File.Copy(path, copy);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            await ExternalProcess.RunAsync(copy, ["--version"]);
            return new H2Spec(copy, folder);
        }
    }

    /// <summary>Runs every case against <paramref name="server"/> (h2c prior knowledge, or TLS with ALPN when it serves HTTPS).</summary>
    public async Task<H2SpecReport> RunAsync(MockWebServer server)
    {
        List<string> arguments = ["-h", "127.0.0.1", "-p", $"{server.Port}", "-o", "2"];
        if (server.Certificates is not null)
        {
            arguments.AddRange(["-t", "-k"]);
        }

        var result = await ExternalProcess.RunAsync(Executable, arguments, timeout: RunTimeout);
        return H2SpecReport.Parse(result);
    }

    public void Dispose()
    {
        if (_copyFolder is not null)
        {
            Directory.Delete(_copyFolder, recursive: true);
        }
    }

    private static IEnumerable<string> CandidatePaths()
    {
        if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } configured)
        {
            yield return Path.GetFullPath(configured);
            yield break;
        }

        // Beside the clone (CI's fresh clone, /work/main), or beside its parent (a worktree /work/wt/<name>).
        var root = RepositoryRoot();
        foreach (var beside in new[] { root?.Parent, root?.Parent?.Parent })
        {
            if (beside is not null)
            {
                yield return Path.Combine(beside.FullName, "shared", "tools", "h2spec");
            }
        }
    }

    private static DirectoryInfo? RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "MockKit.sln")))
            {
                return folder;
            }
        }

        return null;
    }
}

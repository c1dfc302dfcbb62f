using MockKit.Tool.Stubs;

namespace MockKit.Tool;

/// <summary>
/// Loads <c>--stubs</c> paths: a file, or a folder whose <c>*.json</c> files (not its subfolders) are
/// read in ordinal name order, so routes match in a predictable order. Everything is read and checked
/// before anything is used: one malformed file refuses the whole start (never half-loaded).
/// </summary>
internal static class StubFiles
{
    /// <exception cref="JsonInputException">A file is not a valid stub document (path, line, column, reason).</exception>
    /// <exception cref="IOException">A path cannot be read.</exception>
    public static List<SourcedRoute> Load(IEnumerable<string> paths)
    {
        List<SourcedRoute> routes = [];
        foreach (var path in paths)
        {
            IEnumerable<string> files;
            if (Directory.Exists(path))
            {
                files = Directory.EnumerateFiles(path, "*.json", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal);
            }
            else if (File.Exists(path))
            {
                files = [path];
            }
            else
            {
                throw new FileNotFoundException($"{path}: no such stub file or folder.", path);
            }

            foreach (var file in files)
            {
                routes.AddRange(StubDocument.ReadFile(File.ReadAllBytes(file), file).Select(route => new SourcedRoute(route, file)));
            }
        }

        return routes;
    }
}

using MockKit.MockServer;

namespace MockKit.Tool;

/// <summary>A <c>--replay</c> recordings file, read (and checked) once at start and replayed afresh by every rebuild.</summary>
/// <param name="Recordings">The file's bytes.</param>
/// <param name="Source">Its path.</param>
/// <param name="Count">How many exchanges it holds.</param>
internal sealed record Replay(byte[] Recordings, string Source, int Count)
{
    /// <summary>Reads and checks <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">Not a valid recordings file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static async Task<Replay> LoadAsync(string path)
    {
        var bytes = await File.ReadAllBytesAsync(path).ConfigureAwait(false);
        // Checked now, before anything binds, by the reader the routes will use (into a scratch dispatcher).
        var count = new RouteDispatcher().MapReplay(new MemoryStream(bytes, writable: false), path);
        return new Replay(bytes, path, count);
    }
}

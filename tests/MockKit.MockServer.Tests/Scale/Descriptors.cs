namespace MockKit.MockServer.Tests.Scale;

/// <summary>The process's open non-file descriptors (sockets, pipes, event polls), from /proc/self/fd.</summary>
internal static class Descriptors
{
    public static int Count() => Directory.GetFileSystemEntries("/proc/self/fd")
        .Count(fd =>
        {
            try
            {
                // Regular files are left out: the runtime maps assemblies lazily, growth that is not a leak.
                return new FileInfo(fd).LinkTarget is not { } target || !target.StartsWith('/');
            }
            catch (IOException)
            {
                return false;
            }
        });

    /// <summary>Sockets close asynchronously after their owners are disposed: waits (bounded) until the count is back to <paramref name="target"/>.</summary>
    /// <returns>The last count seen.</returns>
    public static async Task<int> SettleAsync(int target)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var count = Count();
        while (count > target && !deadline.IsCancellationRequested)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(50, CancellationToken.None);
            count = Count();
        }

        return count;
    }
}

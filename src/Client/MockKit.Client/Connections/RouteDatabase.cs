namespace MockKit.Client.Connections;

/// <summary>
/// Routes that failed recently (OkHttp's RouteDatabase). A failed route is tried last until a
/// connection on it succeeds again. Thread-safe; one per handler.
/// </summary>
internal sealed class RouteDatabase
{
    private readonly Lock _lock = new();
    private readonly HashSet<Route> _failed = []; // Guarded by _lock.

    public void Failed(Route route)
    {
        lock (_lock)
        {
            _failed.Add(route);
        }
    }

    public void Connected(Route route)
    {
        lock (_lock)
        {
            _failed.Remove(route);
        }
    }

    public bool ShouldPostpone(Route route)
    {
        lock (_lock)
        {
            return _failed.Contains(route);
        }
    }
}

using MockKit.MockServer;
using MockKit.Tool.Stubs;

namespace MockKit.Tool;

/// <summary>
/// What answers the standalone server's requests: one <see cref="RouteDispatcher"/> holding the stub
/// files' routes, then the replayed exchanges, then the routes added over the admin API (first match
/// wins), falling through to the <see cref="Queue"/> and, when that is empty, to the near-miss 404
/// (<see cref="RouteDispatcher.UnmatchedQueue"/>). Adding a route appends to the live dispatcher;
/// deleting routes or resetting builds a fresh one from the definitions and swaps it in, so the
/// startup routes serve afresh (their <c>times</c> counts start over).
/// </summary>
/// <remarks>Thread-safe: admin calls change the routes under <see cref="_lock"/>; requests read the server's dispatcher without it.</remarks>
internal sealed class StandaloneRoutes
{
    private readonly Lock _lock = new();
    private readonly MockWebServer _server;
    private readonly IReadOnlyList<SourcedRoute> _startup;
    private readonly Replay? _replay;

    // Guarded by _lock.
    private readonly List<SourcedRoute> _added = [];

    // Guarded by _lock: the unmatched requests of dispatchers replaced by DELETE routes (reset clears them).
    private readonly List<RecordedRequest> _retiredUnmatched = [];

    // Guarded by _lock (written); the server's Dispatcher is the same object.
    private RouteDispatcher _routes;

    public StandaloneRoutes(MockWebServer server, IReadOnlyList<SourcedRoute> startup, Replay? replay)
    {
        _server = server;
        _startup = startup;
        _replay = replay;
        _routes = Build();
        server.Dispatcher = _routes;
    }

    /// <summary>The queue <c>POST enqueue</c> fills; answered when no route matches.</summary>
    public QueueDispatcher Queue { get; } = new();

    /// <summary>The route definitions in match order, with where each came from.</summary>
    public IReadOnlyList<SourcedRoute> Routes
    {
        get
        {
            lock (_lock)
            {
                return [.. _startup, .. _added];
            }
        }
    }

    /// <summary>How many exchanges <c>--replay</c> serves (each once).</summary>
    public int ReplayedCount => _replay?.Count ?? 0;

    /// <summary>Every request no route matched and the queue could not answer, oldest first.</summary>
    public IReadOnlyList<RecordedRequest> Unmatched
    {
        get
        {
            lock (_lock)
            {
                return [.. _retiredUnmatched, .. _routes.Unmatched];
            }
        }
    }

    /// <summary>Appends routes after every route there is (all of them, or none when one is invalid: they were all read first).</summary>
    public void Add(IReadOnlyList<StubRoute> routes)
    {
        lock (_lock)
        {
            foreach (var route in routes)
            {
                route.AddTo(_routes);
                _added.Add(new SourcedRoute(route, "admin"));
            }
        }
    }

    /// <summary>Drops the routes added over the admin API.</summary>
    /// <returns>How many were dropped.</returns>
    public int DeleteAdded()
    {
        lock (_lock)
        {
            var count = _added.Count;
            _added.Clear();
            _retiredUnmatched.AddRange(_routes.Unmatched);
            Swap();
            return count;
        }
    }

    /// <summary>Back to the state at start: added routes, queue and unmatched requests dropped, startup routes afresh.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _added.Clear();
            _retiredUnmatched.Clear();
            Queue.Clear();
            Swap();
        }
    }

    // Caller holds _lock.
    private void Swap()
    {
        _routes = Build();
        _server.Dispatcher = _routes;
    }

    private RouteDispatcher Build()
    {
        var routes = new RouteDispatcher { UnmatchedQueue = Queue };
        foreach (var route in _startup)
        {
            route.Route.AddTo(routes);
        }

        if (_replay is { } replay)
        {
            // Read from memory: checked when it was loaded, so this cannot fail.
            routes.MapReplay(new MemoryStream(replay.Recordings, writable: false), replay.Source);
        }

        foreach (var route in _added)
        {
            route.Route.AddTo(routes);
        }

        return routes;
    }
}

/// <summary>A route and where it came from: a stub file's path, or <c>admin</c>.</summary>
internal sealed record SourcedRoute(StubRoute Route, string Source);

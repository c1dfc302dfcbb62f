namespace MockKit.MockServer.Dispatching;

/// <summary>
/// One rule of a <see cref="RouteDispatcher"/>: its conditions (pure functions of the request,
/// evaluated without any lock) and its use state (<see cref="RouteBuilder.Times"/> count and
/// in-order queue), which only the owning dispatcher's lock may touch.
/// </summary>
internal sealed class RouteRule
{
    private readonly RouteCondition[] _conditions;
    private readonly int? _times;
    private readonly MockResponse? _fixed;
    private readonly Func<RecordedRequest, RouteValues, MockResponse>? _compute;

    // Guarded by the owning RouteDispatcher's lock.
    private readonly LinkedList<MockResponse>? _inOrder;
    private readonly int _inOrderTotal;
    private int _matched;

    public RouteRule(string description, RouteCondition[] conditions, int? times, MockResponse? fixedResponse, Func<RecordedRequest, RouteValues, MockResponse>? compute, MockResponse[]? inOrder)
    {
        Description = description;
        _conditions = conditions;
        _times = times;
        _fixed = fixedResponse;
        _compute = compute;
        if (inOrder is not null)
        {
            _inOrder = new LinkedList<MockResponse>(inOrder);
            _inOrderTotal = inOrder.Length;
        }
    }

    public string Description { get; }

    /// <summary>True when the response is computed from the request (so it is only known at dispatch).</summary>
    public bool IsComputed => _compute is not null;

    /// <summary>True when some condition reads the body.</summary>
    public bool NeedsBody => _conditions.Any(c => c.NeedsBody);

    /// <summary>The first condition that does not hold, or null. Head-only requests skip body conditions.</summary>
    public string? FirstMiss(RecordedRequest request, Dictionary<string, string> values, bool headOnly)
    {
        foreach (var condition in _conditions)
        {
            if (headOnly && condition.NeedsBody)
            {
                continue;
            }

            if (condition.Check(request, values) is { } miss)
            {
                return miss;
            }
        }

        return null;
    }

    /// <summary>Why the rule no longer matches, or null while it still can. Caller holds the lock.</summary>
    public string? UsedUp()
    {
        if (_times is { } times && _matched >= times)
        {
            return $"used up: matched {_matched} of Times({times})";
        }

        if (_inOrder is { Count: 0 })
        {
            return $"used up: served all {_inOrderTotal} in-order response{(_inOrderTotal == 1 ? string.Empty : "s")}";
        }

        return null;
    }

    /// <summary>The response a reservation would give now (null for a computed one). Caller holds the lock.</summary>
    public MockResponse? Next() => _inOrder is not null ? _inOrder.First?.Value : _fixed;

    /// <summary>Counts one match and takes its in-order response. Caller holds the lock and checked <see cref="UsedUp"/>.</summary>
    public MockResponse? Reserve()
    {
        _matched++;
        if (_inOrder is null)
        {
            return _fixed;
        }

        var next = _inOrder.First!.Value;
        _inOrder.RemoveFirst();
        return next;
    }

    /// <summary>Undoes a <see cref="Reserve"/> whose exchange ended before dispatch. Caller holds the lock.</summary>
    public void Unreserve(MockResponse? reserved)
    {
        _matched--;
        if (_inOrder is not null && reserved is not null)
        {
            _inOrder.AddFirst(reserved);
        }
    }

    /// <summary>The response for a reserved match: the reserved one, or computed now (outside any lock).</summary>
    public MockResponse Respond(MockResponse? reserved, RecordedRequest request, RouteValues values) =>
        reserved ?? _compute?.Invoke(request, values)
            ?? throw new InvalidOperationException($"The route \"{Description}\" computed a null response.");
}

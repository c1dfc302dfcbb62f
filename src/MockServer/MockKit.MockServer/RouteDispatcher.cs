using System.Globalization;
using System.Net.Mime;
using System.Text;
using MockKit.MockServer.Dispatching;

namespace MockKit.MockServer;

/// <summary>
/// Answers requests by matching rules, first match in the order the rules were added:
/// <code>
/// server.Dispatcher = new RouteDispatcher()
///     .Map("GET", "/users/{id}").Respond((request, values) => new MockResponse($"user {values["id"]}"))
///     .Map("POST", "/users").WithHeader("Content-Type", "application/json").Times(1).Respond(new MockResponse(201));
/// </code>
/// A request no rule matches is answered with <see cref="Fallback"/>, counted in <see cref="UnmatchedCount"/>,
/// kept in <see cref="Unmatched"/> (the first <see cref="UnmatchedLimit"/> of them) and recorded with <see cref="RecordedRequest.Failure"/> set to an <see cref="UnmatchedRequestException"/>
/// carrying the near-miss report (also written to the traffic log).
/// </summary>
/// <remarks>
/// Thread-safe: rules may be added while requests are served, and every <see cref="RouteBuilder.Times"/>
/// count and <see cref="RouteBuilder.RespondInOrder"/> queue is exact under concurrent requests
/// (conditions are evaluated without a lock; only taking a use of a rule is locked).
/// <para>Socket policies work as with the queue. A rule's response is reserved for a request when
/// its head arrives, so its early policies (request start, request body, 100-continue) apply to
/// exactly the request that gets it — unless the rule that would match reads the body
/// (<see cref="RouteBuilder.WithBody"/>, a predicate rule) or computes its response, in which case
/// the response is only known at dispatch and has no early policy. There is no request at
/// connection start, so connection-level policies (<see cref="SocketPolicy.DisconnectAtStart"/> on
/// a new socket, <see cref="SocketPolicy.FailHandshake"/>, <see cref="SocketPolicy.StallSocketAtStart"/>)
/// never come from a route: <see cref="Peek"/> returns null.</para>
/// </remarks>
public sealed class RouteDispatcher : Dispatcher
{
    private readonly Lock _lock = new();
    private readonly MockResponse _defaultFallback = new(404);

    // Guarded by _lock; replaced, never mutated, so matching can read a snapshot without the lock.
    private RouteRule[] _rules = [];

    // Guarded by _lock: the first UnmatchedLimit unmatched requests, and how many there were in all.
    private readonly List<RecordedRequest> _unmatched = [];
    private long _unmatchedCount;
    private readonly int _unmatchedLimit = DefaultUnmatchedLimit;

    private volatile MockResponse _fallback;

    /// <summary>An empty dispatcher: every request is unmatched until rules are added.</summary>
    public RouteDispatcher()
    {
        _fallback = _defaultFallback;
    }

    /// <summary>
    /// The answer to an unmatched request. The default is a 404 whose <c>text/plain</c> body is the
    /// near-miss report; a response set here is sent as given (the report is still the request's
    /// <see cref="RecordedRequest.Failure"/> and in the traffic log).
    /// </summary>
    public MockResponse Fallback
    {
        get => _fallback;
        set => _fallback = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The default <see cref="UnmatchedLimit"/>: 100 requests.</summary>
    public const int DefaultUnmatchedLimit = 100;

    /// <summary>
    /// The requests no rule matched, in the order they were dispatched (a snapshot): the first
    /// <see cref="UnmatchedLimit"/> of them. Later misses are only counted (<see cref="UnmatchedCount"/>),
    /// and each is still recorded with its <see cref="RecordedRequest.Failure"/> on the server.
    /// </summary>
    /// <summary>
    /// A queue that answers what no rule matches: such a request takes the queue's next pending
    /// response (never waiting, and without the queue's <see cref="QueueDispatcher.FailFast"/>) and
    /// only when the queue is empty counts as unmatched and gets <see cref="Fallback"/>. So routes
    /// serve the steady traffic while a test enqueues one-off answers for the rest (the standalone
    /// server's order: routes, then queue, then the near-miss 404). A queued response is taken as
    /// the request head arrives, so its early policies apply to the request that gets it. Null (the
    /// default): rules only. Enqueue to the queue itself; it is not installed as the server's
    /// <see cref="MockWebServer.Dispatcher"/>.
    /// </summary>
    public QueueDispatcher? UnmatchedQueue { get; init; }

    /// <summary>The requests no rule matched, in the order they were dispatched (a snapshot).</summary>
    public IReadOnlyList<RecordedRequest> Unmatched
    {
        get
        {
            lock (_lock)
            {
                return [.. _unmatched];
            }
        }
    }

    /// <summary>How many requests no rule matched, all of them, kept in <see cref="Unmatched"/> or not. Thread-safe.</summary>
    public long UnmatchedCount
    {
        get
        {
            lock (_lock)
            {
                return _unmatchedCount;
            }
        }
    }

    /// <summary>
    /// How many unmatched requests <see cref="Unmatched"/> keeps (the first ones: the first miss is
    /// usually the one that explains the rest). Each kept request holds its body (up to
    /// <see cref="MockWebServer.BodyLimit"/>) for as long as the dispatcher lives, so a long run of
    /// misses cannot grow memory without bound. Default <see cref="DefaultUnmatchedLimit"/>; 0 keeps
    /// none (only the count). Range: 0 or more.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int UnmatchedLimit
    {
        get => _unmatchedLimit;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _unmatchedLimit = value;
        }
    }

    /// <summary>
    /// Starts a rule matching <paramref name="method"/> (<c>"*"</c>: any) and a path template:
    /// literal segments, <c>{name}</c> for one segment, a trailing <c>{*rest}</c> for the rest of the path.
    /// The template matches the path only (add <see cref="RouteBuilder.WithQuery"/> for the query).
    /// </summary>
    /// <param name="method">The method (case-sensitive, RFC 9110 section 9.1) or <c>"*"</c>.</param>
    /// <param name="pathTemplate">The template, starting with <c>/</c>.</param>
    /// <returns>The rule's builder; finish it with a <c>Respond…</c> call.</returns>
    /// <exception cref="ArgumentException">The template is malformed (the message says how).</exception>
    public RouteBuilder Map(string method, string pathTemplate)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        var template = PathTemplate.Parse(pathTemplate);
        return new RouteBuilder(this, $"{method} {pathTemplate}", [new MethodCondition(method), new PathCondition(template)]);
    }

    /// <summary>Starts a rule matching requests for which <paramref name="predicate"/> returns true.</summary>
    /// <param name="predicate">A pure test of the whole request (it may read the body); called concurrently.</param>
    /// <param name="description">What it matches, for the near-miss report.</param>
    /// <returns>The rule's builder; finish it with a <c>Respond…</c> call.</returns>
    public RouteBuilder Map(Func<RecordedRequest, bool> predicate, string description)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        ArgumentException.ThrowIfNullOrEmpty(description);
        return new RouteBuilder(this, description, [new PredicateCondition(predicate, description)]);
    }

    /// <inheritdoc />
    public override ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var rules = Volatile.Read(ref _rules);
        var misses = new string[rules.Length];
        for (var i = 0; i < rules.Length; i++)
        {
            var rule = rules[i];
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            if (rule.FirstMiss(request, values, headOnly: false) is { } miss)
            {
                misses[i] = miss;
                continue;
            }

            MockResponse? reserved;
            lock (_lock)
            {
                misses[i] = rule.UsedUp()!;
                if (misses[i] is not null)
                {
                    continue;
                }

                reserved = rule.Reserve();
            }

            return ValueTask.FromResult(rule.Respond(reserved, request, new RouteValues(values)));
        }

        if (UnmatchedQueue?.TryTake() is { } queued)
        {
            return ValueTask.FromResult(queued);
        }

        var report = NearMissReport.Build(request, rules, misses);
        request.Failure = new UnmatchedRequestException(report);
        lock (_lock)
        {
            _unmatchedCount++;
            if (_unmatched.Count < _unmatchedLimit)
            {
                _unmatched.Add(request);
            }
        }

        var fallback = _fallback;
        if (ReferenceEquals(fallback, _defaultFallback) && UnmatchedResponse?.Invoke(request, report) is { } answer)
        {
            return ValueTask.FromResult(answer);
        }

        return ValueTask.FromResult(ReferenceEquals(fallback, _defaultFallback)
            ? new MockResponse(404, report) { Headers = { { "Content-Type", MediaTypeNames.Text.Plain + "; charset=utf-8" } } }
            : fallback);
    }

    /// <summary>Always null: at connection start there is no request to match (see the remarks).</summary>
    /// <returns>Null.</returns>
    public override MockResponse? Peek() => null;

    /// <summary>
    /// The failure message listing every unmatched request with its near-miss report, or null when
    /// every request matched. What <c>ShouldHaveNoUnmatchedRequests()</c> and <c>MockKitTest</c> report.
    /// </summary>
    /// <returns>The message, or null.</returns>
    public string? DescribeUnmatched()
    {
        IReadOnlyList<RecordedRequest> unmatched;
        long count;
        lock (_lock)
        {
            unmatched = [.. _unmatched];
            count = _unmatchedCount;
        }

        if (count == 0)
        {
            return null;
        }

        var text = new StringBuilder();
        text.Append(count.ToString("N0", CultureInfo.InvariantCulture)).Append(count == 1 ? " request" : " requests").Append(" matched no route");
        text.Append(unmatched.Count < count ? $" (the first {unmatched.Count} are listed):" : ":");
        foreach (var request in unmatched)
        {
            text.Append('\n').Append(request.Failure?.Message);
        }

        return text.ToString();
    }

    /// <summary>
    /// Adds, after the rules this dispatcher has, one rule per exchange of a recordings file (the
    /// <c>mockkit-recordings/1</c> JSON that <see cref="ForwardingDispatcher.SaveRecordings(string)"/>
    /// writes), as <see cref="Dispatcher.Replay(string)"/> does: each answers its recorded method and
    /// target (and body, when one was recorded) once, in recorded order. Use it to put hand-written
    /// rules before a replay, or to rebuild the same dispatcher from recordings read once.
    /// </summary>
    /// <param name="recordings">The recordings, read to its end; not disposed.</param>
    /// <param name="sourceName">Names the recordings in error messages, e.g. the file's path.</param>
    /// <returns>How many rules were added (the recorded exchanges).</returns>
    /// <remarks>
    /// The whole input is read and checked before any rule is added: a malformed file adds none. Matching
    /// is as <see cref="Dispatcher.Replay(string)"/> describes (redacted query values, JSON bodies,
    /// truncated bodies). Safe to call while the dispatcher serves; a request matches the rules added so far.
    /// </remarks>
    /// <exception cref="FormatException">The input is not a valid recordings file: the message names <paramref name="sourceName"/>, the place (exchange and field, or line and byte) and the problem.</exception>
    public int MapReplay(Stream recordings, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        var exchanges = RecordingJsonReader.Read(recordings, sourceName);
        foreach (var exchange in exchanges)
        {
            MapRecorded(exchange).Times(1).Respond(exchange.Response);
        }

        return exchanges.Count;
    }

    /// <summary>
    /// A rule for one recorded exchange: exact method, the recorded target (a redacted query value
    /// matches any value), and the recorded body when there was one (structurally for <c>bodyJson</c>;
    /// prefix and size for a truncated body).
    /// </summary>
    internal RouteBuilder MapRecorded(ReplayedExchange exchange)
    {
        List<RouteCondition> conditions =
        [
            new MethodCondition(exchange.Method),
            RecordedTargetCondition.HasRedactedQuery(exchange.Target) ? new RecordedTargetCondition(exchange.Target) : new TargetCondition(exchange.Target),
        ];
        if (exchange.RequestJson is { } json)
        {
            conditions.Add(new JsonBodyCondition(json, System.Text.Encoding.UTF8.GetString(exchange.RequestBody)));
        }
        else if (exchange.RequestBody.Length > 0 || exchange.RequestBodySize > 0)
        {
            conditions.Add(new BodyEqualsCondition(exchange.RequestBody, exchange.RequestBodySize));
        }

        return new RouteBuilder(this, $"{exchange.Method} {exchange.Target}", conditions);
    }

    /// <summary>
    /// Answers an unmatched request in place of the default 404 when it returns a response (e.g. MockKit.Grpc's
    /// UNIMPLEMENTED for a gRPC call), given the request and its near-miss report; null keeps the 404.
    /// Not consulted when <see cref="Fallback"/> is set. The request is recorded as unmatched either way.
    /// </summary>
    public Func<RecordedRequest, string, MockResponse?>? UnmatchedResponse { get; set; }

    internal void Add(RouteRule rule)
    {
        lock (_lock)
        {
            _rules = [.. _rules, rule];
        }
    }

    /// <summary>A rule is matched against the request's head.</summary>
    internal override bool ClaimReadsRequest => true;

    /// <summary>
    /// False: a claim evaluates only the conditions the library implements (method, path, header,
    /// query, target). A rule whose conditions run user code or read the body
    /// (<see cref="RouteBuilder.WithBody"/>, <see cref="Map(Func{RecordedRequest, bool}, string)"/>:
    /// <see cref="RouteRule.NeedsBody"/>) or whose response is computed ends the claim before any of
    /// that runs; dispatch decides those later, off the reader.
    /// </summary>
    internal override bool ClaimRunsUserCode => false;

    /// <summary>
    /// Reserves, for a request whose head just arrived, the response of the rule that will match
    /// it — when that can be known from the head: no request (connection start), a rule reading the
    /// body, or a computed response all give no claim, and dispatch decides later.
    /// </summary>

    internal override ResponseClaim? Claim(RecordedRequest? request, Func<MockResponse, bool>? wanted)
    {
        if (request is null || request.Method.Length == 0)
        {
            return null;
        }

        foreach (var rule in Volatile.Read(ref _rules))
        {
            if (rule.FirstMiss(request, new Dictionary<string, string>(StringComparer.Ordinal), headOnly: true) is not null)
            {
                continue;
            }

            if (rule.NeedsBody || rule.IsComputed)
            {
                return null;
            }

            lock (_lock)
            {
                if (rule.UsedUp() is not null)
                {
                    continue;
                }

                var next = rule.Next()!;
                if (wanted is not null && !wanted(next))
                {
                    return null;
                }

                return new ResponseClaim(this, rule.Reserve()!, bound: true, reservation: rule);
            }
        }

        // No rule can match this head, even after its body: the queue's turn (a claim it owns, so
        // dispatch and release go to the queue).
        return UnmatchedQueue?.Claim(request, wanted);
    }

    internal override void Release(ResponseClaim claim)
    {
        if (claim.Reservation is RouteRule rule)
        {
            lock (_lock)
            {
                rule.Unreserve(claim.Response);
            }
        }
    }
}

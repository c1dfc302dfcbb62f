using MockKit.MockServer.Dispatching;

namespace MockKit.MockServer;

/// <summary>
/// Builds one rule of a <see cref="RouteDispatcher"/>: add conditions, optionally a
/// <see cref="Times"/> limit, then finish with one <c>Respond…</c> call, which adds the rule
/// (rules match in the order they are finished) and returns the dispatcher so rules chain.
/// Conditions are checked in the order method, path, then the order they were added; the first
/// that fails is what the near-miss report shows. Not thread-safe while being built.
/// </summary>
public sealed class RouteBuilder
{
    private readonly RouteDispatcher _owner;
    private readonly string _description;
    private readonly List<RouteCondition> _conditions;
    private int? _times;
    private bool _finished;

    internal RouteBuilder(RouteDispatcher owner, string description, IEnumerable<RouteCondition> conditions)
    {
        _owner = owner;
        _description = description;
        _conditions = [.. conditions];
    }

    /// <summary>Requires a header with this exact value (name case-insensitive; any of its values may match).</summary>
    /// <param name="name">The header name.</param>
    /// <param name="value">The exact value.</param>
    /// <returns>This builder.</returns>
    public RouteBuilder WithHeader(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        return Add(new HeaderCondition(name, value));
    }

    /// <summary>
    /// Requires a <c>Content-Type</c> of this media type: type and subtype compared case-insensitively,
    /// parameters ignored (RFC 9110 section 8.3.1), so <c>WithContentType("application/json")</c> matches
    /// <c>application/json; charset=utf-8</c>, which <see cref="WithHeader"/> would not.
    /// </summary>
    /// <param name="mediaType">A media type without parameters, such as <c>application/json</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="mediaType"/> is not a <c>type/subtype</c> without parameters.</exception>
    public RouteBuilder WithContentType(string mediaType)
    {
        ArgumentException.ThrowIfNullOrEmpty(mediaType);
        if (!System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(mediaType, out var parsed) || parsed.Parameters.Count != 0)
        {
            throw new ArgumentException($"'{mediaType}' is not a media type (type/subtype, without parameters).", nameof(mediaType));
        }

        return Add(new ContentTypeCondition(parsed.MediaType!));
    }

    /// <summary>
    /// Requires a query parameter with this decoded value (<c>%xx</c> and <c>+</c> decoded); other
    /// parameters may be present.
    /// </summary>
    /// <param name="name">The decoded parameter name.</param>
    /// <param name="value">The decoded value.</param>
    /// <returns>This builder.</returns>
    public RouteBuilder WithQuery(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        return Add(new QueryCondition(name, value));
    }

    /// <summary>
    /// Requires the UTF-8 body to satisfy <paramref name="predicate"/>. A rule with a body
    /// condition is decided only once the body is read, so it gives no early policy (request start,
    /// request body, 100-continue) to the requests it would match.
    /// </summary>
    /// <param name="predicate">A pure test of the body text; called concurrently for concurrent requests.</param>
    /// <param name="description">What the predicate checks, for the near-miss report (e.g. <c>"JSON with an id"</c>).</param>
    /// <returns>This builder.</returns>
    public RouteBuilder WithBody(Func<string, bool> predicate, string description)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        ArgumentException.ThrowIfNullOrEmpty(description);
        return Add(new BodyCondition(predicate, description));
    }

    /// <summary>
    /// Requires the request head (method, target, headers; never the body, which has not arrived when
    /// the rule is judged) to pass <paramref name="check"/>, which returns null when it does and
    /// otherwise the reason, in the words the near-miss report shows (e.g.
    /// <c>"content type is \"text/plain\", expected application/grpc"</c>). Decided on arrival like the
    /// other head conditions, so the rule keeps its early policies. How a package such as
    /// MockKit.Grpc adds a condition of its own.
    /// </summary>
    /// <param name="check">A pure test of the head; called concurrently for concurrent requests.</param>
    /// <returns>This builder.</returns>
    public RouteBuilder WithHeadCondition(Func<RecordedRequest, string?> check)
    {
        ArgumentNullException.ThrowIfNull(check);
        return Add(new HeadCondition(check));
    }

    /// <summary>The rule stops matching after <paramref name="count"/> matches (exact under concurrent requests).</summary>
    /// <param name="count">The number of matches; at least 1. Unlimited when not called.</param>
    /// <returns>This builder.</returns>
    public RouteBuilder Times(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        EnsureOpen();
        _times = count;
        return this;
    }

    /// <summary>Answers every match with the same <paramref name="response"/>.</summary>
    /// <param name="response">The response.</param>
    /// <returns>The dispatcher, to chain the next rule.</returns>
    public RouteDispatcher Respond(MockResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return Finish(response, null, null);
    }

    /// <summary>Answers each match with a response computed from the request and its route values.</summary>
    /// <param name="respond">Computes the response; called concurrently for concurrent requests.</param>
    /// <returns>The dispatcher, to chain the next rule.</returns>
    public RouteDispatcher Respond(Func<RecordedRequest, RouteValues, MockResponse> respond)
    {
        ArgumentNullException.ThrowIfNull(respond);
        return Finish(null, respond, null);
    }

    /// <summary>Answers the matches with <paramref name="responses"/> in order, one each; once all are served the rule no longer matches.</summary>
    /// <param name="responses">At least one response.</param>
    /// <returns>The dispatcher, to chain the next rule.</returns>
    public RouteDispatcher RespondInOrder(params MockResponse[] responses)
    {
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentOutOfRangeException.ThrowIfZero(responses.Length);
        foreach (var response in responses)
        {
            ArgumentNullException.ThrowIfNull(response, nameof(responses));
        }

        return Finish(null, null, [.. responses]);
    }

    private RouteBuilder Add(RouteCondition condition)
    {
        EnsureOpen();
        _conditions.Add(condition);
        return this;
    }

    private RouteDispatcher Finish(MockResponse? response, Func<RecordedRequest, RouteValues, MockResponse>? respond, MockResponse[]? inOrder)
    {
        EnsureOpen();
        _finished = true;
        _owner.Add(new RouteRule(_description, [.. _conditions], _times, response, respond, inOrder));
        return _owner;
    }

    private void EnsureOpen()
    {
        if (_finished)
        {
            throw new InvalidOperationException($"The route \"{_description}\" already has its response.");
        }
    }
}

namespace MockKit.MockServer;

/// <summary>
/// An HTTP/2 server push (RFC 9113 section 8.4): a PUSH_PROMISE for a synthetic request,
/// followed by the pushed response. Each push is recorded as its own request.
/// </summary>
public sealed class PushPromise
{
    /// <summary>Creates a push.</summary>
    /// <param name="method">The promised request's method (a safe, cacheable method such as GET).</param>
    /// <param name="path">The promised request's path, e.g. <c>/style.css</c>.</param>
    /// <param name="headers">The promised request's header fields.</param>
    /// <param name="response">The pushed response.</param>
    public PushPromise(string method, string path, MockHeaders headers, MockResponse response)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(response);
        Method = method;
        Path = path;
        Headers = headers;
        Response = response;
    }

    /// <summary>The promised request's method.</summary>
    public string Method { get; }

    /// <summary>The promised request's path.</summary>
    public string Path { get; }

    /// <summary>The promised request's header fields.</summary>
    public MockHeaders Headers { get; }

    /// <summary>The pushed response.</summary>
    public MockResponse Response { get; }
}

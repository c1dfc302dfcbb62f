namespace MockKit.MockServer;

/// <summary>
/// The <see cref="RecordedRequest.Failure"/> of a request no rule of a <see cref="RouteDispatcher"/>
/// matched. Its <see cref="Exception.Message"/> is the near-miss report: for each rule, in order,
/// the first condition that did not hold with the request's actual value beside the expected one
/// (the same text as the default <see cref="RouteDispatcher.Fallback"/> body and the traffic log).
/// </summary>
public sealed class UnmatchedRequestException : Exception
{
    /// <summary>An exception with a generic message.</summary>
    public UnmatchedRequestException()
        : base("No route matched the request.")
    {
    }

    /// <summary>An exception whose message is <paramref name="report"/>.</summary>
    /// <param name="report">The near-miss report.</param>
    public UnmatchedRequestException(string report)
        : base(report)
    {
    }

    /// <summary>An exception whose message is <paramref name="report"/>, caused by <paramref name="innerException"/>.</summary>
    /// <param name="report">The near-miss report.</param>
    /// <param name="innerException">The cause.</param>
    public UnmatchedRequestException(string report, Exception? innerException)
        : base(report, innerException)
    {
    }

    /// <summary>The near-miss report (the same text as <see cref="Exception.Message"/>).</summary>
    public string Report => Message;
}

namespace MockKit.Client.Connections;

/// <summary>
/// A failed exchange. Retryability travels on the exception: <see cref="BeforeResponseBytes"/>
/// is true when the failure was an I/O error before any byte of the response arrived, the only
/// case a call may replay the request on another connection (see <c>Call</c>'s retry filter).
/// </summary>
internal sealed class ExchangeException : HttpRequestException
{
    public ExchangeException(string message, Exception? inner, HttpRequestError error, bool beforeResponseBytes, bool unprocessed = false)
        : base(error, message, inner)
    {
        BeforeResponseBytes = beforeResponseBytes || unprocessed;
        Unprocessed = unprocessed;
    }

    /// <summary>
    /// The exception a caller sees: this type is internal (its retry flags are the call's business), so
    /// what leaves the handler is a plain <see cref="HttpRequestException"/> with the same error, message
    /// and cause.
    /// </summary>
    public HttpRequestException ToPublic() => new(HttpRequestError, Message, InnerException);

    /// <summary>True when nothing of the response was received: the server may not have processed the request.</summary>
    public bool BeforeResponseBytes { get; }

    /// <summary>True when the server guaranteed it did not process the request (HTTP/2 GOAWAY above the
    /// stream, REFUSED_STREAM; RFC 9113 section 8.7): safe to replay even on a fresh connection.</summary>
    public bool Unprocessed { get; }
}

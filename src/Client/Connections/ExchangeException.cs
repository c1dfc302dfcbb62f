namespace MockKit.Client.Connections;

/// <summary>
/// A failed exchange. Retryability travels on the exception: <see cref="BeforeResponseBytes"/>
/// is true when the failure was an I/O error before any byte of the response arrived, the only
/// case a call may replay the request on another connection (see <c>Call</c>'s retry filter).
/// </summary>
internal sealed class ExchangeException : HttpRequestException
{
    public ExchangeException(string message, Exception? inner, HttpRequestError error, bool beforeResponseBytes)
        : base(error, message, inner)
    {
        BeforeResponseBytes = beforeResponseBytes;
    }

    /// <summary>True when nothing of the response was received: the server may not have processed the request.</summary>
    public bool BeforeResponseBytes { get; }
}

namespace MockKit.Http1;

/// <summary>
/// A message that breaks HTTP/1.1 syntax or a configured limit. Carries the status code a
/// server answers with (RFC 9112 / RFC 9110 section 15: 400, 431, 501, 505) so one parser
/// serves both ends: the server turns it into a response, the client into an
/// <see cref="HttpRequestException"/>.
/// </summary>
public sealed class Http1ParseException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="statusCode">The status a server should answer with.</param>
    /// <param name="message">What was wrong, naming the offending element.</param>
    public Http1ParseException(int statusCode, string message)
        : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>The status a server should answer with: 400 Bad Request, 431 Request Header
    /// Fields Too Large, 501 Not Implemented (unknown transfer coding) or 505 HTTP Version Not Supported.</summary>
    public int StatusCode { get; }

    /// <summary>Malformed syntax (400).</summary>
    public static Http1ParseException BadRequest(string message) => new(400, message);
}

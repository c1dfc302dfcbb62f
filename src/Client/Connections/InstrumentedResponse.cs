using System.Net;

namespace MockKit.Client.Connections;

/// <summary>
/// The response type every connection creates: an <see cref="HttpResponseMessage"/> that carries
/// its <see cref="ExchangeInfo"/>, set by the call once it knows the response is final (no
/// per-request options dictionary needed).
/// </summary>
internal sealed class InstrumentedResponse(HttpStatusCode statusCode) : HttpResponseMessage(statusCode)
{
    public ExchangeInfo? Exchange { get; set; }
}

using MockKit.Client.Connections;

namespace MockKit.Client;

/// <summary>Reads the instrumentation <see cref="InstrumentedHandler"/> attaches to its responses.</summary>
public static class HttpResponseMessageExtensions
{
    /// <summary>Which connection carried <paramref name="response"/> and its sequence number there.</summary>
    /// <param name="response">A response returned by <see cref="InstrumentedHandler"/> (after redirects, the final one).</param>
    /// <returns>The exchange facts.</returns>
    /// <exception cref="InvalidOperationException">The response did not come from an <see cref="InstrumentedHandler"/>.</exception>
    public static ExchangeInfo GetExchange(this HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response is InstrumentedResponse { Exchange: { } exchange })
        {
            return exchange;
        }

        throw new InvalidOperationException("This response was not produced by an InstrumentedHandler, so it carries no ExchangeInfo.");
    }
}

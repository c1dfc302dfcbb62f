using System.Net;
using MockKit.Client;

namespace MockKit.Assertions;

/// <summary>
/// Assertions on an <see cref="HttpResponseMessage"/>, including the connection facts an
/// <see cref="InstrumentedHandler"/> attaches (<see cref="HttpResponseMessageExtensions.GetExchange"/>).
/// Each returns the response so they chain.
/// </summary>
public static class HttpResponseMessageAssertions
{
    /// <summary>Asserts the status code.</summary>
    /// <param name="response">The response.</param>
    /// <param name="status">The expected status, e.g. 200.</param>
    /// <returns>The response.</returns>
    public static HttpResponseMessage ShouldHaveStatus(this HttpResponseMessage response, int status)
    {
        ArgumentNullException.ThrowIfNull(response);
        return Check(response, (int)response.StatusCode == status, "have status", status.ToString(System.Globalization.CultureInfo.InvariantCulture), ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Asserts the status code.</summary>
    /// <param name="response">The response.</param>
    /// <param name="status">The expected status.</param>
    /// <returns>The response.</returns>
    public static HttpResponseMessage ShouldHaveStatus(this HttpResponseMessage response, HttpStatusCode status) =>
        response.ShouldHaveStatus((int)status);

    /// <summary>Asserts a response or content header's values joined by ", ".</summary>
    /// <param name="response">The response.</param>
    /// <param name="name">The header name.</param>
    /// <param name="value">The expected value.</param>
    /// <returns>The response.</returns>
    public static HttpResponseMessage ShouldHaveHeader(this HttpResponseMessage response, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(response);
        var actual = response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : null;
        return Check(response, actual == value, $"have header {name}", AssertionFailure.Show(value), AssertionFailure.Show(actual));
    }

    /// <summary>Asserts the HTTP version, e.g. <see cref="HttpVersion.Version20"/>.</summary>
    /// <param name="response">The response.</param>
    /// <param name="version">The expected version.</param>
    /// <returns>The response.</returns>
    public static HttpResponseMessage ShouldHaveVersion(this HttpResponseMessage response, Version version)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(version);
        return Check(response, response.Version == version, "have version", version.ToString(), response.Version.ToString());
    }

    /// <summary>Reads the body as a string and asserts it.</summary>
    /// <param name="response">The response.</param>
    /// <param name="body">The expected body text.</param>
    /// <returns>The response.</returns>
    public static async Task<HttpResponseMessage> ShouldHaveBodyAsync(this HttpResponseMessage response, string body)
    {
        ArgumentNullException.ThrowIfNull(response);
        var actual = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        return Check(response, actual == body, "have body", AssertionFailure.Show(body), AssertionFailure.Show(actual));
    }

    /// <summary>Asserts the exchange ran on a connection that an earlier exchange had used (needs an <see cref="InstrumentedHandler"/>).</summary>
    /// <param name="response">The response.</param>
    /// <returns>The response.</returns>
    public static HttpResponseMessage ShouldHaveReusedConnection(this HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var exchange = response.GetExchange();
        return Check(response, exchange.ConnectionReused, "have reused its connection", "a reused connection", $"a new connection (conn {exchange.ConnectionId})");
    }

    /// <summary>Asserts both responses came over the same connection (needs an <see cref="InstrumentedHandler"/>).</summary>
    /// <param name="response">The response.</param>
    /// <param name="other">The other response.</param>
    /// <returns>The response.</returns>
    public static HttpResponseMessage ShouldBeOnSameConnectionAs(this HttpResponseMessage response, HttpResponseMessage other)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(other);
        var mine = response.GetExchange().ConnectionId;
        var theirs = other.GetExchange().ConnectionId;
        return Check(response, mine == theirs, "be on the same connection as the other response", $"conn {theirs}", $"conn {mine}");
    }

    /// <summary>The response as failure context: status line and, when known, its exchange.</summary>
    internal static string Describe(HttpResponseMessage response)
    {
        var text = $"HTTP/{response.Version} {(int)response.StatusCode} {response.ReasonPhrase} for {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}";
        try
        {
            var exchange = response.GetExchange();
            text += $"\n    exchange: call {exchange.CallId}, conn {exchange.ConnectionId} #{exchange.SequenceNumber}, reused={exchange.ConnectionReused}, {exchange.Protocol}, {exchange.Route}";
        }
        catch (InvalidOperationException)
        {
            // Not sent by an InstrumentedHandler: no exchange facts to show.
        }

        return text;
    }

    private static HttpResponseMessage Check(HttpResponseMessage response, bool ok, string assertion, string expected, string actual)
    {
        if (!ok)
        {
            throw AssertionFailure.Create("response", assertion, expected, actual, Describe(response));
        }

        return response;
    }
}

using System.Text;
using MockKit.MockServer;

namespace MockKit.Assertions;

/// <summary>
/// Assertions on a <see cref="RecordedRequest"/>. Each returns the request so they chain:
/// <c>request.ShouldHaveMethod("CONNECT").ShouldHaveSequenceNumber(0)</c>. A failure is a
/// <see cref="Shouldly.ShouldAssertException"/> whose message shows the expected value, the
/// actual one, and the recorded request line, position and headers.
/// </summary>
public static class RecordedRequestAssertions
{
    /// <summary>Asserts the method, e.g. <c>GET</c> (case-sensitive, as sent).</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="method">The expected method.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveMethod(this RecordedRequest request, string method) =>
        Check(request, request.Method == method, "have method", method, request.Method);

    /// <summary>Asserts <see cref="RecordedRequest.Path"/> (path and query).</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="path">The expected path, e.g. <c>/users?page=2</c>.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHavePath(this RecordedRequest request, string path) =>
        Check(request, request.Path == path, "have path", path, request.Path);

    /// <summary>Asserts <see cref="RecordedRequest.PathWithoutQuery"/>: the path alone, whatever the query.</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="path">The expected path, e.g. <c>/users</c> (for <c>/users?page=2</c> too).</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHavePathWithoutQuery(this RecordedRequest request, string path) =>
        Check(request, request?.PathWithoutQuery == path, "have path (without query)", path, request?.PathWithoutQuery);

    /// <summary>
    /// Asserts that the query has a parameter <paramref name="name"/> with the value
    /// <paramref name="value"/>, both compared decoded (percent-decoding, and '+' as a space as in
    /// HTML forms) and ordinal; other parameters, and other values of a repeated one, are allowed.
    /// </summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="name">The parameter's decoded name, e.g. <c>city</c>.</param>
    /// <param name="value">The parameter's decoded value, e.g. <c>São Paulo</c> for <c>S%C3%A3o+Paulo</c>.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveQueryParameter(this RecordedRequest request, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(request);
        var parameters = request.QueryParameters;
        var values = parameters.Where(p => p.Key == name).Select(p => p.Value).ToList();
        var actual = values.Count == 0
            ? (parameters.Count == 0 ? "no query" : $"no parameter {name} (query: {string.Join("&", parameters.Select(p => p.Key + "=" + p.Value))})")
            : string.Join(", ", values.Select(v => $"{name}={v}"));
        return Check(request, values.Contains(value), "have query parameter", $"{name}={value}", actual, showValues: false);
    }

    /// <summary>Asserts the request-target exactly as sent.</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="target">The expected target, e.g. <c>example.com:443</c> for a CONNECT.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveTarget(this RecordedRequest request, string target) =>
        Check(request, request.Target == target, "have target", target, request.Target);

    /// <summary>Asserts the full URL.</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="url">The expected URL.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveUrl(this RecordedRequest request, Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return Check(request, request.Url == url, "have URL", url.ToString(), request.Url?.ToString());
    }

    /// <summary>Asserts a header is present (any value).</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="name">The header name, case-insensitive.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveHeader(this RecordedRequest request, string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Check(request, request.Headers.Contains(name), $"have header {name}", "present", "absent", showValues: false);
    }

    /// <summary>Asserts a header's last value.</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="name">The header name, case-insensitive.</param>
    /// <param name="value">The expected value.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveHeader(this RecordedRequest request, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Check(request, request.Headers[name] == value, $"have header {name}", value, request.Headers[name]);
    }

    /// <summary>Asserts a header is absent.</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="name">The header name, case-insensitive.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldNotHaveHeader(this RecordedRequest request, string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Check(request, !request.Headers.Contains(name), $"not have header {name}", "absent", AssertionFailure.Show(request.Headers[name]), showValues: false);
    }

    /// <summary>Asserts the body decoded as UTF-8.</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="body">The expected text.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveBody(this RecordedRequest request, string body)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Check(request, request.BodyText == body, "have body", body, request.BodyText);
    }

    /// <summary>Asserts the body bytes.</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="body">The expected bytes.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveBody(this RecordedRequest request, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(body);
        return Check(request, request.Body.AsSpan().SequenceEqual(body), "have body", body, request.Body);
    }

    /// <summary>Asserts the full body size as received (retained or not).</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="size">The expected size in bytes.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveBodySize(this RecordedRequest request, long size)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Check(request, request.BodySize == size, "have body size", size, request.BodySize);
    }

    /// <summary>Asserts the chunk sizes of a chunked body.</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="sizes">The expected sizes, in order.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveChunkSizes(this RecordedRequest request, params int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Check(request, request.ChunkSizes.SequenceEqual(sizes), "have chunk sizes", sizes, request.ChunkSizes);
    }

    /// <summary>Asserts the sequence number on its connection (0 for the first).</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="sequenceNumber">The expected number.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveSequenceNumber(this RecordedRequest request, int sequenceNumber)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Check(request, request.SequenceNumber == sequenceNumber, "have sequence number", sequenceNumber, request.SequenceNumber);
    }

    /// <summary>Asserts which accepted socket carried the request (0 for the server's first).</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="connectionIndex">The expected index.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveConnectionIndex(this RecordedRequest request, int connectionIndex)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Check(request, request.ConnectionIndex == connectionIndex, "have connection index", connectionIndex, request.ConnectionIndex);
    }

    /// <summary>Asserts the protocol the request arrived over.</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="protocol">The expected protocol.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveProtocol(this RecordedRequest request, Protocol protocol)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Check(request, request.Protocol == protocol, "have protocol", protocol, request.Protocol);
    }

    /// <summary>Asserts the TLS SNI server name the client asked for.</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="serverName">The expected name.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveTlsServerName(this RecordedRequest request, string serverName)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Check(request, request.Handshake?.ServerName == serverName, "have TLS server name", serverName, request.Handshake is null ? "no TLS" : request.Handshake.ServerName);
    }

    /// <summary>Asserts the ALPN protocol negotiated on the request's connection.</summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="applicationProtocol">The expected protocol id, e.g. <c>h2</c>.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveApplicationProtocol(this RecordedRequest request, string applicationProtocol)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Check(request, request.Handshake?.ApplicationProtocol == applicationProtocol, "have ALPN protocol", applicationProtocol, request.Handshake is null ? "no TLS" : request.Handshake.ApplicationProtocol);
    }

    /// <summary>Asserts the request went normally (no <see cref="RecordedRequest.Failure"/>).</summary>
    /// <param name="request">The recorded request.</param>
    /// <returns>The request.</returns>
    public static RecordedRequest ShouldHaveNoFailure(this RecordedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Check(request, request.Failure is null, "have no failure", "no failure", request.Failure?.Message, showValues: false);
    }

    /// <summary>The request as the context of a failure: line, position, headers, failure.</summary>
    internal static string Describe(RecordedRequest request)
    {
        var text = new StringBuilder();
        text.Append(request.RequestLine.Length == 0 ? "(no request line)" : request.RequestLine)
            .Append(System.Globalization.CultureInfo.InvariantCulture, $" (connection {request.ConnectionIndex}, sequence {request.SequenceNumber})");
        foreach (var (name, value) in request.Headers)
        {
            text.Append("\n    ").Append(name).Append(": ").Append(value);
        }

        if (request.Failure is { } failure)
        {
            text.Append("\n    failure: ").Append(failure.Message);
        }

        return text.ToString();
    }

    private static RecordedRequest Check(RecordedRequest request, bool ok, string assertion, object? expected, object? actual, bool showValues = true)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ok)
        {
            return request;
        }

        throw AssertionFailure.Create(
            "request",
            assertion,
            showValues ? AssertionFailure.Show(expected) : expected?.ToString() ?? "null",
            showValues ? AssertionFailure.Show(actual) : actual?.ToString() ?? "null",
            Describe(request));
    }
}


namespace MockKit.Http1.Tests;

/// <summary>
/// How a message head decides its body's length (RFC 9112 sections 6.1-6.3), for requests (the
/// server reading) and responses (the client reading). Fields are written one per line, "name: value".
/// </summary>
public sealed class Http1BodyFramingTests
{
    // fields, kind (an Http1BodyKind name: the type is internal), length.
    public static TheoryData<string, string, long> RequestFramings => new()
    {
        // 6.3 item 7: neither field, no content.
        { "", "None", -1 },
        { "Host: a\nContent-Type: text/plain", "None", -1 },
        // 6.3 item 6: Content-Length.
        { "Content-Length: 0", "None", -1 },
        { "Content-Length: 5", "ContentLength", 5 },
        { "content-LENGTH:  5 ", "ContentLength", 5 },
        { "Content-Length: 007", "ContentLength", 7 },
        { "Content-Length: 999999999999999999", "ContentLength", 999_999_999_999_999_999 },
        // RFC 9110 section 8.6: a list of identical values may be taken as that value.
        { "Content-Length: 5, 5", "ContentLength", 5 },
        { "Content-Length: 5\nContent-Length: 5", "ContentLength", 5 },
        // 6.3 item 4: chunked as the final coding; 6.1: codings before it are passed through.
        { "Transfer-Encoding: chunked", "Chunked", -1 },
        { "transfer-encoding: CHUNKED", "Chunked", -1 },
        { "Transfer-Encoding: gzip, chunked", "Chunked", -1 },
        { "Transfer-Encoding: gzip\nTransfer-Encoding: chunked", "Chunked", -1 },
        { "Transfer-Encoding: gzip ,, chunked ", "Chunked", -1 },
    };

    // fields, status, a fragment of the message.
    public static TheoryData<string, int, string> RefusedRequests => new()
    {
        // 6.1: a server MAY reject both fields together (then closes); 6.3 item 3: "ought to be handled as an error".
        { "Transfer-Encoding: chunked\nContent-Length: 5", 400, "both Content-Length and Transfer-Encoding" },
        { "Content-Length: 5\nTransfer-Encoding: chunked", 400, "both Content-Length and Transfer-Encoding" },
        { "Content-Length: 0\nTransfer-Encoding: chunked", 400, "both Content-Length and Transfer-Encoding" },
        // 6.3 item 5: differing or invalid Content-Length in a request is a 400.
        { "Content-Length: 5, 6", 400, "Conflicting Content-Length values 5 and 6" },
        { "Content-Length: 5\nContent-Length: 6", 400, "Conflicting Content-Length values 5 and 6" },
        { "Content-Length: -1", 400, "Invalid Content-Length '-1'" },
        { "Content-Length: +5", 400, "Invalid Content-Length '+5'" },
        { "Content-Length: abc", 400, "Invalid Content-Length 'abc'" },
        { "Content-Length: 0x10", 400, "Invalid Content-Length '0x10'" },
        { "Content-Length: 1e3", 400, "Invalid Content-Length '1e3'" },
        { "Content-Length: 5 5", 400, "Invalid Content-Length '5 5'" },
        { "Content-Length: ", 400, "Invalid Content-Length ''" },
        { "Content-Length: 5,", 400, "Invalid Content-Length '5,'" },
        { "Content-Length: 9223372036854775808", 400, "Invalid Content-Length '9223372036854775808'" },
        { "Content-Length: 99999999999999999999999", 400, "Invalid Content-Length" },
        // 6.3 item 4: in a request, chunked must be the final coding, else 400.
        { "Transfer-Encoding: gzip", 400, "does not end with chunked" },
        { "Transfer-Encoding: chunked, gzip", 400, "does not end with chunked" },
        { "Transfer-Encoding: chunked\nTransfer-Encoding: gzip", 400, "does not end with chunked" },
        { "Transfer-Encoding: ", 400, "does not end with chunked" },
        // 6.1: chunked MUST NOT be applied more than once.
        { "Transfer-Encoding: chunked, chunked", 400, "chunked more than once" },
        { "Transfer-Encoding: chunked\nTransfer-Encoding: chunked", 400, "chunked more than once" },
        // 6.1: a server SHOULD answer a coding it does not understand with 501.
        { "Transfer-Encoding: br, chunked", 501, "Unsupported transfer coding 'br'" },
        { "Transfer-Encoding: identity", 501, "Unsupported transfer coding 'identity'" },
    };

    // method, status, fields, kind, length.
    public static TheoryData<string, int, string, string, long> ResponseFramings => new()
    {
        // 6.3 item 1: HEAD, 1xx, 204 and 304 end at the head whatever the fields say.
        { "HEAD", 200, "Content-Length: 5", "None", -1 },
        { "HEAD", 200, "Transfer-Encoding: chunked", "None", -1 },
        { "HEAD", 404, "", "None", -1 },
        { "GET", 100, "", "None", -1 },
        { "GET", 101, "Content-Length: 5", "None", -1 },
        { "GET", 103, "Link: </a>", "None", -1 },
        { "GET", 204, "Content-Length: 5", "None", -1 },
        { "GET", 304, "Content-Length: 5", "None", -1 },
        { "GET", 304, "Transfer-Encoding: chunked", "None", -1 },
        // 6.3 item 2: a 2xx to CONNECT is a tunnel; any other status is an ordinary response.
        { "CONNECT", 200, "Content-Length: 5", "None", -1 },
        { "CONNECT", 299, "Transfer-Encoding: chunked", "None", -1 },
        { "CONNECT", 407, "Content-Length: 5", "ContentLength", 5 },
        // Method names are case-sensitive (RFC 9110 section 9.1): "head" is not HEAD.
        { "head", 200, "Content-Length: 5", "ContentLength", 5 },
        // 6.3 items 3-4: chunked as the final coding; otherwise, read until close (TE overrides CL).
        { "GET", 200, "Transfer-Encoding: chunked", "Chunked", -1 },
        { "GET", 200, "Transfer-Encoding: gzip, chunked", "Chunked", -1 },
        { "GET", 200, "Transfer-Encoding: gzip", "UntilClose", -1 },
        { "GET", 200, "Transfer-Encoding: chunked, gzip", "UntilClose", -1 },
        { "GET", 200, "Transfer-Encoding: gzip\nContent-Length: 5", "UntilClose", -1 },
        // 6.3 item 6: Content-Length.
        { "GET", 200, "Content-Length: 0", "None", -1 },
        { "GET", 200, "Content-Length: 5", "ContentLength", 5 },
        { "GET", 500, "Content-Length: 5, 5", "ContentLength", 5 },
        { "POST", 205, "Content-Length: 0", "None", -1 },
        // 6.3 item 8: neither field, the body runs until the server closes.
        { "GET", 200, "", "UntilClose", -1 },
        { "GET", 404, "Content-Type: text/plain", "UntilClose", -1 },
    };

    // fields, a fragment of the message. The client refuses these responses (the status is
    // the server's concern; a client reports 400-class malformation).
    public static TheoryData<string, string> RefusedResponses => new()
    {
        { "Transfer-Encoding: chunked\nContent-Length: 5", "Response has both Content-Length and Transfer-Encoding" },
        { "Content-Length: 5\nContent-Length: 6", "Conflicting Content-Length values 5 and 6" },
        { "Content-Length: -5", "Invalid Content-Length '-5'" },
        { "Content-Length: 18446744073709551616", "Invalid Content-Length" },
        { "Transfer-Encoding: chunked, chunked", "chunked more than once" },
        { "Transfer-Encoding: zstd-ish, chunked", "Unsupported transfer coding 'zstd-ish'" },
    };

    [Theory]
    [MemberData(nameof(RequestFramings))]
    public void Request_framing_RFC9112_6_3(string fields, string kind, long length) =>
        Http1BodyFraming.ForRequest(Fields(fields)).ShouldBe(new Http1BodyFraming(Enum.Parse<Http1BodyKind>(kind), length));

    [Theory]
    [MemberData(nameof(RefusedRequests))]
    public void Request_with_contradictory_or_invalid_framing_is_refused_RFC9112_6_3(string fields, int status, string message)
    {
        var e = Should.Throw<Http1ParseException>(() => Http1BodyFraming.ForRequest(Fields(fields)));

        e.StatusCode.ShouldBe(status);
        e.Message.ShouldContain(message, Case.Sensitive);
    }

    [Theory]
    [MemberData(nameof(ResponseFramings))]
    public void Response_framing_RFC9112_6_3(string method, int status, string fields, string kind, long length) =>
        Http1BodyFraming.ForResponse(method, status, Fields(fields)).ShouldBe(new Http1BodyFraming(Enum.Parse<Http1BodyKind>(kind), length));

    [Theory]
    [MemberData(nameof(RefusedResponses))]
    public void Response_with_contradictory_or_invalid_framing_is_refused_RFC9112_6_3(string fields, string message)
    {
        var e = Should.Throw<Http1ParseException>(() => Http1BodyFraming.ForResponse("GET", 200, Fields(fields)));

        e.StatusCode.ShouldBe(400);
        e.Message.ShouldContain(message, Case.Sensitive);
    }

    private static List<KeyValuePair<string, string>> Fields(string lines) =>
        [.. lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            return new KeyValuePair<string, string>(line[..colon], line[(colon + 1)..].Trim(' '));
        })];
}

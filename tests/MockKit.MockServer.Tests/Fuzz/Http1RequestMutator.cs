namespace MockKit.MockServer.Tests.Fuzz;

/// <summary>
/// Seeded generator of hostile HTTP/1.1 request bytes: valid requests of several shapes, mutated
/// by the shared <see cref="ByteMutator"/> with request-specific snippets (contradictory framing,
/// obs-fold, huge sizes, long chunk extensions, WebSocket handshake fields and frame bytes). The same seed always yields the same inputs, so
/// a failure is reproducible from its index.
/// </summary>
internal sealed class Http1RequestMutator(int seed)
{
    private static readonly string[] Bases =
    [
        "GET /a?b=c HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
        "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=v\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n",
        "GET http://example.test/abs HTTP/1.1\r\nHost: example.test\r\n\r\n",
        "CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n",
        "GET / HTTP/1.0\r\n\r\n",
        "PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",

        // A WebSocket opening handshake (RFC 6455 section 4.2.1) followed by a masked text frame
        // "hello" (mask 01 02 03 04) and a masked empty close frame, for the upgrade path.
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat\r\n\r\n\u0081\u0085\u0001\u0002\u0003\u0004igohn\u0088\u0080\u0000\u0000\u0000\u0000",
    ];

    private static readonly string[] Snippets =
    [
        "Content-Length: 3\r\n", "Content-Length: 99999999999999999999\r\n", "Transfer-Encoding: chunked\r\n",
        "Transfer-Encoding: gzip\r\n", "Transfer-Encoding: chunked, chunked\r\n", " folded\r\n", "\r\n", "\n", "\r",
        "\0", ":", "X-Empty:\r\n", "FFFFFFFFFFFFFFFFFF\r\n", "1;" + new string('e', 5000) + "\r\n", "Host: y\r\n",
        "Content-Length: -1\r\n", "Content-Length: 1, 2\r\n", "GET / HTTP/1.1\r\n", "\u00ff\u00fe",
        "Upgrade: websocket\r\n", "Connection: Upgrade\r\n", "Sec-WebSocket-Version: 8\r\n", "Sec-WebSocket-Key: c2hvcnQ=\r\n",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "\u0081\u00ff\u00ff\u00ff", "\u0088\u0082\u0000\u0000\u0000\u0000\u0003",
    ];

    private readonly ByteMutator _mutator = new(seed, Bases, Snippets);

    /// <summary>The next input; never empty (an empty connection has nothing to record).</summary>
    public byte[] Next() => _mutator.Next();
}

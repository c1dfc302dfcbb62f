namespace MockKit.Client.Tests.Fuzz;

/// <summary>
/// Seeded generator of hostile HTTP/1.1 responses: valid responses of several shapes (fixed
/// length, chunked with trailers, until-close, 1xx then final, 204/304, HTTP/1.0), mutated by
/// the shared <see cref="ByteMutator"/> with response-specific snippets (bad chunk sizes,
/// contradictory framing, a stray 101, redirects).
/// </summary>
internal sealed class Http1ResponseMutator(int seed)
{
    private static readonly string[] Bases =
    [
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
        "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nold",
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
    ];

    private static readonly string[] Snippets =
    [
        "Content-Length: 3\r\n", "Content-Length: 99999999999999999999\r\n", "Transfer-Encoding: chunked\r\n",
        "Transfer-Encoding: gzip\r\n", " folded\r\n", "\r\n", "\n", "\r", "\0", ":", "Connection: close\r\n",
        "FFFFFFFFFFFFFFFFFF\r\n", "zz\r\n", "1;" + new string('e', 5000) + "\r\n", "HTTP/1.1 200 OK\r\n",
        "Content-Length: -1\r\n", "Content-Length: 1, 2\r\n", "HTTP/1.1 101 Switching Protocols\r\n\r\n",
        "Location: /elsewhere\r\n", "\u00ff\u00fe",
    ];

    private readonly ByteMutator _mutator = new(seed, Bases, Snippets);

    public byte[] Next() => _mutator.Next();

    /// <summary>Whether the server should close after this response (otherwise it keeps the connection for the next request).</summary>
    public bool NextCloses() => _mutator.Random.Next(2) == 0;
}

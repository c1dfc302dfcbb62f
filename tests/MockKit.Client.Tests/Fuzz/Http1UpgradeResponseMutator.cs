namespace MockKit.Client.Tests.Fuzz;

/// <summary>
/// Seeded generator of hostile answers to an upgrade request (a WebSocket opening handshake):
/// proper 101s with WebSocket frames right behind the head, 101s without Upgrade, 1xx before the
/// 101, a refusal with a body, mutated by the shared <see cref="ByteMutator"/> with snippets that
/// confuse the switch (a second status line, framing headers on a 101, a truncated head).
/// </summary>
internal sealed class Http1UpgradeResponseMutator(int seed)
{
    private static readonly string[] Bases =
    [
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n\u0081\u0005hello",
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n\u0088\u0000",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\u0089\u0000",
        "HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nContent-Length: 7\r\n\r\nrefused",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ];

    private static readonly string[] Snippets =
    [
        "HTTP/1.1 101 Switching Protocols\r\n", "Upgrade: websocket\r\n", "Upgrade: \r\n", "Content-Length: 5\r\n",
        "Transfer-Encoding: chunked\r\n", "Connection: close\r\n", "\r\n", "\n", "\0", ":", "HTTP/1.1 200 OK\r\n\r\n",
        "\u0081\u007f" + new string('x', 64), "\u00ff\u00fe",
    ];

    private readonly ByteMutator _mutator = new(seed, Bases, Snippets);

    public byte[] Next() => _mutator.Next();

    /// <summary>Whether the server should close after this response.</summary>
    public bool NextCloses() => _mutator.Random.Next(2) == 0;
}

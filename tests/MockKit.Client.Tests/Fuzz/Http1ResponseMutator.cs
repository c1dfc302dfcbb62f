using System.Text;

namespace MockKit.Client.Tests.Fuzz;

/// <summary>
/// Seeded generator of hostile HTTP/1.1 responses: valid responses of several shapes (fixed
/// length, chunked with trailers, until-close, 1xx then final, 204/304, HTTP/1.0), each mutated
/// one to three times (byte flips, insertions, truncation, duplicated or contradictory framing,
/// bad chunk sizes, obs-fold, bare CR/LF, NUL, huge lengths, random bytes).
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

    private readonly Random _random = new(seed);

    public byte[] Next()
    {
        if (_random.Next(20) == 0)
        {
            var noise = new byte[_random.Next(1, 300)];
            _random.NextBytes(noise);
            return noise;
        }

        var bytes = new List<byte>(Encoding.Latin1.GetBytes(Bases[_random.Next(Bases.Length)]));
        var mutations = _random.Next(1, 4);
        for (var i = 0; i < mutations && bytes.Count > 0; i++)
        {
            var at = _random.Next(bytes.Count);
            switch (_random.Next(7))
            {
                case 0:
                    bytes[at] = (byte)_random.Next(256);
                    break;
                case 1:
                    bytes.Insert(at, (byte)_random.Next(256));
                    break;
                case 2:
                    bytes.RemoveRange(at, Math.Min(_random.Next(1, 8), bytes.Count - at));
                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 4:
                    bytes.InsertRange(LineStart(bytes, at), Encoding.Latin1.GetBytes(Snippets[_random.Next(Snippets.Length)]));
                    break;
                case 5:
                    bytes.InsertRange(at, Encoding.Latin1.GetBytes(Snippets[_random.Next(Snippets.Length)]));
                    break;
                default:
                    var start = LineStart(bytes, at);
                    var end = bytes.IndexOf((byte)'\n', start);
                    if (end > start)
                    {
                        bytes.InsertRange(start, bytes.GetRange(start, end - start + 1));
                    }

                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>Whether the server should close after this response (otherwise it keeps the connection for the next request).</summary>
    public bool NextCloses() => _random.Next(2) == 0;

    private static int LineStart(List<byte> bytes, int at)
    {
        var index = at;
        while (index > 0 && bytes[index - 1] != (byte)'\n')
        {
            index--;
        }

        return index;
    }
}

using System.Text;

namespace MockKit.MockServer.Tests.Fuzz;

/// <summary>
/// Seeded generator of hostile HTTP/1.1 request bytes: valid requests of several shapes, then
/// one to three mutations each (byte flips, insertions, truncation, duplicated or contradictory
/// framing headers, obs-fold, bare LF/CR, NUL, huge sizes, long chunk extensions, random bytes).
/// The same seed always yields the same inputs, so a failure is reproducible from its index.
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
    ];

    private static readonly string[] Snippets =
    [
        "Content-Length: 3\r\n", "Content-Length: 99999999999999999999\r\n", "Transfer-Encoding: chunked\r\n",
        "Transfer-Encoding: gzip\r\n", "Transfer-Encoding: chunked, chunked\r\n", " folded\r\n", "\r\n", "\n", "\r",
        "\0", ":", "X-Empty:\r\n", "FFFFFFFFFFFFFFFFFF\r\n", "1;" + new string('e', 5000) + "\r\n", "Host: y\r\n",
        "Content-Length: -1\r\n", "Content-Length: 1, 2\r\n", "GET / HTTP/1.1\r\n", "\u00ff\u00fe",
    ];

    private readonly Random _random = new(seed);

    /// <summary>The next input; never empty (an empty connection has nothing to record).</summary>
    public byte[] Next()
    {
        while (true)
        {
            var input = Generate();
            if (input.Length > 0)
            {
                return input;
            }
        }
    }

    private byte[] Generate()
    {
        if (_random.Next(20) == 0)
        {
            var noise = new byte[_random.Next(1, 400)];
            _random.NextBytes(noise);
            return noise;
        }

        var bytes = new List<byte>(Encoding.Latin1.GetBytes(Bases[_random.Next(Bases.Length)]));
        var mutations = _random.Next(1, 4);
        for (var i = 0; i < mutations && bytes.Count > 0; i++)
        {
            Mutate(bytes);
        }

        return [.. bytes];
    }

    private void Mutate(List<byte> bytes)
    {
        var at = _random.Next(bytes.Count);
        switch (_random.Next(8))
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
                bytes.RemoveRange(at, bytes.Count - at); // truncate
                break;
            case 4:
                bytes.InsertRange(LineStart(bytes, at), Encoding.Latin1.GetBytes(Snippets[_random.Next(Snippets.Length)]));
                break;
            case 5:
                bytes.InsertRange(at, Encoding.Latin1.GetBytes(Snippets[_random.Next(Snippets.Length)]));
                break;
            case 6:
                // Duplicate a whole line (duplicate Content-Length, Host, chunk…).
                var start = LineStart(bytes, at);
                var end = bytes.IndexOf((byte)'\n', start);
                if (end > start)
                {
                    bytes.InsertRange(start, bytes.GetRange(start, end - start + 1));
                }

                break;
            default:
                // CRLF → LF, or LF → CR: line-ending confusion.
                var lf = bytes.IndexOf((byte)'\n', at);
                if (lf > 0 && bytes[lf - 1] == (byte)'\r')
                {
                    bytes.RemoveAt(lf - 1);
                }
                else if (lf >= 0)
                {
                    bytes[lf] = (byte)'\r';
                }

                break;
        }
    }

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

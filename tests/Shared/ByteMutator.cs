using System.Text;

namespace MockKit.Testing;

/// <summary>
/// The mutation engine shared by the request fuzzer (server side) and the response fuzzer
/// (client side): take a valid message, apply one to three seeded mutations — byte flips,
/// insertions, deletions, truncation, a hostile snippet at a line start or anywhere, a
/// duplicated line — or, now and then, replace it with random bytes. Never returns empty input.
/// </summary>
internal sealed class ByteMutator(int seed, IReadOnlyList<string> bases, IReadOnlyList<string> snippets)
{
    private readonly Random _random = new(seed);

    /// <summary>The seeded source, for callers that make further choices from the same sequence.</summary>
    public Random Random => _random;

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

        var bytes = new List<byte>(Encoding.Latin1.GetBytes(bases[_random.Next(bases.Count)]));
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
                bytes.InsertRange(LineStart(bytes, at), Encoding.Latin1.GetBytes(snippets[_random.Next(snippets.Count)]));
                break;
            case 5:
                bytes.InsertRange(at, Encoding.Latin1.GetBytes(snippets[_random.Next(snippets.Count)]));
                break;
            case 6:
                // Duplicate a whole line (a second Content-Length, Host, chunk…).
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

using System.Text;

namespace MockKit.Http1;

/// <summary>
/// The strings of the previous message head read on one connection, reused when the next head
/// carries the same bytes at the same position. A server answers a client (and a client asks a
/// server) with nearly the same head every time, so after the first exchange a head parses
/// without allocating a string for any repeated name, value or reason phrase. SocketsHttpHandler
/// does the same for a few known headers (Date, Server); position-keyed caching covers them all.
/// The server side caches a request line's method, target and whole line the same way.
/// </summary>
/// <remarks>
/// Not thread-safe: owned by one connection and used only by the exchange that holds it, one
/// head at a time. Only ASCII is reused (a Latin-1 value with other bytes is decoded afresh), so
/// a cached string always decodes back to exactly the bytes it matched. The field list itself is
/// reused too: a head parsed with a cache owns its <c>Headers</c> list only until the next head
/// is parsed with the same cache (the client copies the fields into the response before that; the
/// server serves one exchange at a time per connection and records the raw head bytes, not the list).
/// </remarks>
public sealed class Http1FieldCache
{
    // Heads rarely carry more fields than this; the rest are decoded every time.
    private const int Capacity = 16;

    private readonly string?[] _names = new string?[Capacity];
    private readonly string?[] _values = new string?[Capacity];
    private readonly List<KeyValuePair<string, string>> _fields = new(Capacity);
    private string? _reason;
    private string? _method;
    private string? _target;
    private string? _requestLine;
    private Http1RequestHead? _requestHead;

    /// <summary>Returns the reason phrase for <paramref name="bytes"/>, reusing the previous one when equal.</summary>
    public string Reason(ReadOnlySpan<byte> bytes) => Reuse(ref _reason, bytes);

    /// <summary>Returns the method for <paramref name="bytes"/> (a token, so ASCII), reusing the previous one when equal.</summary>
    public string Method(ReadOnlySpan<byte> bytes) => Reuse(ref _method, bytes);

    /// <summary>Returns the request-target for <paramref name="bytes"/> (checked to be ASCII), reusing the previous one when equal.</summary>
    public string Target(ReadOnlySpan<byte> bytes) => Reuse(ref _target, bytes);

    /// <summary>Returns the whole request line for <paramref name="bytes"/>, reusing the previous one when equal.</summary>
    public string RequestLine(ReadOnlySpan<byte> bytes) => Reuse(ref _requestLine, bytes);

    /// <summary>
    /// Returns the previous request head when it is made of exactly these objects (the strings above, reused,
    /// and this cache's field list), else a new head. Such a head is indistinguishable from a new one: its
    /// strings are the same instances and its list is the one just filled.
    /// </summary>
    public Http1RequestHead RequestHead(string method, string target, Protocol version, string requestLine, List<KeyValuePair<string, string>> headers)
    {
        if (_requestHead is { } last && ReferenceEquals(last.Method, method) && ReferenceEquals(last.Target, target)
            && last.Version == version && ReferenceEquals(last.RequestLine, requestLine) && ReferenceEquals(last.Headers, headers))
        {
            return last;
        }

        return _requestHead = new Http1RequestHead(method, target, version, requestLine, headers);
    }

    /// <summary>Returns the field at <paramref name="index"/>, reusing the previous head's strings where the bytes match.</summary>
    public KeyValuePair<string, string> Field(int index, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (index >= Capacity)
        {
            return new(Encoding.ASCII.GetString(name), Encoding.Latin1.GetString(value));
        }

        return new(Reuse(ref _names[index], name), Reuse(ref _values[index], value));
    }

    /// <summary>Called when a head starts: the connection's field list, emptied, for the head's fields.</summary>
    public List<KeyValuePair<string, string>> StartFields()
    {
        _fields.Clear();
        return _fields;
    }

    private static string Reuse(ref string? cached, ReadOnlySpan<byte> bytes)
    {
        if (cached is not null && Ascii.Equals(bytes, cached))
        {
            return cached;
        }

        var fresh = Encoding.Latin1.GetString(bytes);
        if (Ascii.IsValid(bytes))
        {
            cached = fresh;
        }

        return fresh;
    }
}

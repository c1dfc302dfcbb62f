namespace MockKit.Http1;

/// <summary>
/// Character classes of HTTP field syntax (RFC 9110 section 5), shared by both ends so a
/// name the server rejects is a name the client refuses to send.
/// </summary>
public static class HttpFieldSyntax
{
    // RFC 9110 section 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "."
    //                               / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    private static readonly bool[] TokenChars = BuildTokenTable();

    /// <summary>True when every byte is a <c>tchar</c> and there is at least one (RFC 9110 section 5.6.2 <c>token</c>).</summary>
    public static bool IsToken(ReadOnlySpan<byte> span)
    {
        if (span.IsEmpty)
        {
            return false;
        }

        foreach (var b in span)
        {
            if (!TokenChars[b])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when <paramref name="name"/> is a valid field name (a token).</summary>
    public static bool IsValidFieldName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c > 0x7f || !TokenChars[c])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// True when a field value has no CR, LF or NUL and no other control character but HTAB
    /// (RFC 9110 section 5.5: field-content is VCHAR, obs-text, SP and HTAB). Characters are
    /// sent as Latin-1, so anything above U+00FF is refused too.
    /// </summary>
    public static bool IsValidFieldValue(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Byte-level form of <see cref="IsValidFieldValue(ReadOnlySpan{char})"/>.</summary>
    public static bool IsValidFieldValue(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if ((b < 0x20 && b != '\t') || b == 0x7f)
            {
                return false;
            }
        }

        return true;
    }

    private static bool[] BuildTokenTable()
    {
        var table = new bool[256];
        for (var c = '0'; c <= '9'; c++)
        {
            table[c] = true;
        }

        for (var c = 'a'; c <= 'z'; c++)
        {
            table[c] = true;
            table[c - 32] = true;
        }

        foreach (var c in "!#$%&'*+-.^_`|~")
        {
            table[c] = true;
        }

        return table;
    }
}

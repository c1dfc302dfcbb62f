using MockKit.Http2.Hpack;

namespace MockKit.MockServer.Http2;

/// <summary>
/// Hands back the previous request head when a stream's field section repeats the previous one
/// exactly, as a client's requests on one connection mostly do (the same method, path, authority and
/// fields, their strings taken from the HPACK dynamic table). The head is then neither parsed nor
/// allocated again: no <see cref="Http2RequestHead"/>, field list or array per request.
/// </summary>
/// <remarks>
/// <para>Sharing is safe because <see cref="Http2RequestHead.Parse"/> is a function of the fields alone
/// (the stream id only names the stream in its errors) and a head never changes once parsed (see
/// <see cref="Recording.DeferredHead"/>); every record of a connection materialises it with the same
/// <see cref="Recording.RecordingContext"/>. Only heads that parsed cleanly are kept, and never an
/// extended CONNECT's, whose validity also depends on the server's settings.</para>
/// <para>One per session, used by the reader loop only (not thread-safe). The previous fields are
/// copied into a list kept across blocks, because the decoder's list is reused for the next block.</para>
/// </remarks>
internal sealed class Http2RequestHeadCache
{
    // A list grown by one huge block is not kept for the life of the connection.
    private const int KeptCapacity = 64;

    private readonly List<HpackHeaderField> _previousFields = new(16);
    private Http2RequestHead? _previous;

    /// <summary>Parses <paramref name="fields"/> (see <see cref="Http2RequestHead.Parse"/>), or returns the previous head when they repeat its fields.</summary>
    /// <param name="streamId">The stream (for the error).</param>
    /// <param name="fields">The decoded fields in order.</param>
    /// <param name="partial">What was understood before a violation (the head itself when it is reused).</param>
    /// <param name="connectProtocolEnabled">True when the server sent SETTINGS_ENABLE_CONNECT_PROTOCOL = 1.</param>
    /// <returns>The head.</returns>
    /// <exception cref="MockKit.Http2.Http2StreamException">PROTOCOL_ERROR: the request is malformed.</exception>
    public Http2RequestHead Parse(int streamId, List<HpackHeaderField> fields, out Http2RequestHead partial, bool connectProtocolEnabled)
    {
        if (_previous is { } previous && Repeats(fields))
        {
            partial = previous;
            return previous;
        }

        _previous = null; // Not kept while a parse that may throw is under way.
        var head = Http2RequestHead.Parse(streamId, fields, out partial, connectProtocolEnabled);
        if (head.Protocol is null && fields.Count <= KeptCapacity)
        {
            _previousFields.Clear();
            _previousFields.AddRange(fields);
            _previous = head;
        }

        return head;
    }

    // Names and values compared as strings: the same octets parse to the same head however they were
    // coded (indexed, literal, Huffman), and strings from the dynamic table compare by reference first.
    private bool Repeats(List<HpackHeaderField> fields)
    {
        if (fields.Count != _previousFields.Count)
        {
            return false;
        }

        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            var previous = _previousFields[i];
            if (!string.Equals(field.Name, previous.Name, StringComparison.Ordinal) || !string.Equals(field.Value, previous.Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}

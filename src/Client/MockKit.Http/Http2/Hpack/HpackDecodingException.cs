namespace MockKit.Http2.Hpack;

/// <summary>
/// A field block could not be decoded (RFC 7541 section 2.3.3 and 5/6 rules). The decoding
/// context is lost, so the connection answers with a connection error of type COMPRESSION_ERROR
/// (RFC 9113 section 4.3). This is the only exception type hostile input can make the decoder
/// throw (see also the subclass <see cref="HpackHeaderListTooLargeException"/>).
/// </summary>
public class HpackDecodingException : Exception
{
    /// <summary>Creates the exception with a message naming the problem.</summary>
    public HpackDecodingException(string message)
        : base(message)
    {
    }
}

namespace MockKit.Http2.Hpack;

/// <summary>Receives each field decoded by <see cref="HpackDecoder"/>, in block order.</summary>
public interface IHpackHeaderHandler
{
    /// <summary>Called once per decoded field; <see cref="HpackHeaderField.NeverIndexed"/> tells how it was represented.</summary>
    void OnHeader(in HpackHeaderField field);
}

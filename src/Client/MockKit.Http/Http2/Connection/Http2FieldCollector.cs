using MockKit.Http2.Hpack;

namespace MockKit.Http2.Connection;

/// <summary>
/// Collects the fields of one decoded field block (the decoder reports them one by one). One per
/// connection, reused for every block: the reader loop is its only user, and a role that keeps the
/// fields copies them before the next frame is read.
/// </summary>
public sealed class Http2FieldCollector : IHpackHeaderHandler
{
    // A list grown by one huge block is not kept for the life of the connection.
    private const int KeptCapacity = 64;

    /// <summary>The fields of the block decoded last, in wire order.</summary>
    public List<HpackHeaderField> Fields { get; } = new(16);

    /// <inheritdoc/>
    public void OnHeader(in HpackHeaderField field) => Fields.Add(field);

    /// <summary>Empties the list for the next block (shrinking it after an unusually large one).</summary>
    public void Clear()
    {
        Fields.Clear();
        if (Fields.Capacity > KeptCapacity)
        {
            Fields.Capacity = 16;
        }
    }
}

namespace MockKit.MockServer.Recording;

/// <summary>
/// The parts of a recorded request that most requests do not have (trailers, chunk sizes), kept
/// out of line so an ordinary request does not carry their fields. Immutable.
/// </summary>
internal sealed class RecordedExtras(RecordedHeaders trailers, IReadOnlyList<int> chunkSizes, long chunkCount)
{
    public RecordedHeaders Trailers => trailers;

    public IReadOnlyList<int> ChunkSizes => chunkSizes;

    public long ChunkCount => chunkCount;

    /// <summary>The extras, or null when every part has its default (no trailers, no chunks).</summary>
    public static RecordedExtras? Create(RecordedHeaders? trailers, IReadOnlyList<int> chunkSizes, long chunkCount) =>
        (trailers is null || trailers.Count == 0) && chunkSizes.Count == 0 && chunkCount <= 0
            ? null
            : new RecordedExtras(trailers ?? RecordedHeaders.Empty, chunkSizes, chunkCount < 0 ? chunkSizes.Count : chunkCount);
}

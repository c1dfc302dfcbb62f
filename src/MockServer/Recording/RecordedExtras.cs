namespace MockKit.MockServer.Recording;

/// <summary>
/// The parts of a recorded request that most requests do not have (trailers, chunk sizes, a
/// failure), kept out of line so an ordinary request does not carry their fields. Immutable.
/// </summary>
internal sealed class RecordedExtras(RecordedHeaders trailers, IReadOnlyList<int> chunkSizes, long chunkCount, Exception? failure)
{
    public RecordedHeaders Trailers => trailers;

    public IReadOnlyList<int> ChunkSizes => chunkSizes;

    public long ChunkCount => chunkCount;

    public Exception? Failure => failure;

    /// <summary>The extras, or null when every part has its default (no trailers, no chunks, no failure).</summary>
    public static RecordedExtras? Create(RecordedHeaders? trailers, IReadOnlyList<int> chunkSizes, long chunkCount, Exception? failure) =>
        (trailers is null || trailers.Count == 0) && chunkSizes.Count == 0 && chunkCount <= 0 && failure is null
            ? null
            : new RecordedExtras(trailers ?? RecordedHeaders.Empty, chunkSizes, chunkCount < 0 ? chunkSizes.Count : chunkCount, failure);
}

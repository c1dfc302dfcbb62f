namespace MockKit.MockServer.Recording;

/// <summary>
/// The parts of a recorded request that most requests do not have (a body, trailers, chunk
/// sizes), kept out of line so an ordinary GET does not carry their fields. Immutable.
/// </summary>
internal sealed class RecordedExtras(byte[] body, long bodySize, RecordedHeaders trailers, IReadOnlyList<int> chunkSizes, long chunkCount)
{
    public byte[] Body => body;

    public long BodySize => bodySize;

    public RecordedHeaders Trailers => trailers;

    public IReadOnlyList<int> ChunkSizes => chunkSizes;

    public long ChunkCount => chunkCount;

    /// <summary>The extras, or null when every part has its default (no body, no trailers, no chunks).</summary>
    public static RecordedExtras? Create(byte[] body, long bodySize, RecordedHeaders? trailers, IReadOnlyList<int> chunkSizes, long chunkCount) =>
        body.Length == 0 && bodySize == 0 && (trailers is null || trailers.Count == 0) && chunkSizes.Count == 0 && chunkCount <= 0
            ? null
            : new RecordedExtras(body, bodySize, trailers ?? RecordedHeaders.Empty, chunkSizes, chunkCount < 0 ? chunkSizes.Count : chunkCount);
}

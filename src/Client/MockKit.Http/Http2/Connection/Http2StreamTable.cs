using System.Diagnostics.CodeAnalysis;

namespace MockKit.Http2.Connection;

/// <summary>
/// The open streams of one connection, by id, and the highest id each side has used: what makes
/// a stream idle (RFC 9113 section 5.1.1: ids of a side increase, and an unused id below the
/// highest one is closed, not idle). Client streams are odd, server (pushed) streams even.
/// </summary>
/// <remarks>Not thread-safe: guarded by the connection's stream lock (the role's lock, which the core takes too).</remarks>
/// <typeparam name="TStream">The role's stream type.</typeparam>
public sealed class Http2StreamTable<TStream> : IHttp2StreamTable
    where TStream : class, IHttp2Stream
{
    private readonly Dictionary<int, TStream> _streams = [];

    /// <summary>Creates an empty table for the given end of the connection.</summary>
    public Http2StreamTable(Http2Role role) => Role = role;

    /// <summary>Which end of the connection owns this table.</summary>
    public Http2Role Role { get; }

    /// <summary>The highest stream id the peer opened (0 before any).</summary>
    public int LastPeerStreamId { get; private set; }

    /// <summary>The highest stream id we opened or promised (0 before any).</summary>
    public int LastLocalStreamId { get; private set; }

    /// <summary>
    /// The peer's SETTINGS_INITIAL_WINDOW_SIZE: a stream opened now starts its send window here. Set by
    /// the core under the same lock as it takes the snapshot of open streams to move (section 6.9.2),
    /// so a stream opened meanwhile is either at the new size or in the snapshot, never both.
    /// </summary>
    public int PeerInitialWindowSize { get; set; } = Http2Constants.DefaultInitialWindowSize;

    /// <inheritdoc/>
    public int LocalInitialWindowSize { get; set; } = Http2Constants.DefaultInitialWindowSize;

    /// <summary>How many streams are in the table.</summary>
    public int Count => _streams.Count;

    /// <summary>The streams in the table (enumerate under the lock, or copy).</summary>
    public Dictionary<int, TStream>.ValueCollection Values => _streams.Values;

    /// <summary>True when <paramref name="streamId"/> has the peer's parity (section 5.1.1).</summary>
    public bool IsPeerInitiated(int streamId) => (streamId & 1) == (Role == Http2Role.Server ? 1 : 0);

    /// <inheritdoc/>
    public bool IsIdle(int streamId) =>
        streamId > (IsPeerInitiated(streamId) ? LastPeerStreamId : LastLocalStreamId);

    /// <summary>Takes the next id of our parity (1, 3, … for a client; 2, 4, … for a server) as used.</summary>
    public int NextLocalStreamId()
    {
        var id = LastLocalStreamId == 0 ? (Role == Http2Role.Client ? 1 : 2) : LastLocalStreamId + 2;
        LastLocalStreamId = id;
        return id;
    }

    /// <summary>Records that the peer opened <paramref name="streamId"/>: every lower id of its parity is no longer idle.</summary>
    public void OnPeerStreamOpened(int streamId) => LastPeerStreamId = Math.Max(LastPeerStreamId, streamId);

    /// <summary>Adds an opened stream under its id.</summary>
    public void Add(TStream stream) => _streams.Add(stream.Id, stream);

    /// <summary>Finds a stream in the table.</summary>
    public bool TryGetValue(int streamId, [MaybeNullWhen(false)] out TStream stream) => _streams.TryGetValue(streamId, out stream);

    /// <summary>The stream with this id, or null.</summary>
    public TStream? GetValueOrDefault(int streamId) => _streams.GetValueOrDefault(streamId);

    /// <summary>True when a stream with this id is in the table.</summary>
    public bool ContainsKey(int streamId) => _streams.ContainsKey(streamId);

    /// <summary>Removes a stream; false when it was not in the table.</summary>
    public bool Remove(int streamId) => _streams.Remove(streamId);

    /// <summary>Removes a stream and returns it; false when it was not in the table.</summary>
    public bool Remove(int streamId, [MaybeNullWhen(false)] out TStream stream) => _streams.Remove(streamId, out stream);

    /// <summary>Empties the table (the connection ended).</summary>
    public void Clear() => _streams.Clear();

    /// <inheritdoc/>
    IHttp2Stream? IHttp2StreamTable.Find(int streamId) => _streams.GetValueOrDefault(streamId);

    /// <inheritdoc/>
    IHttp2Stream[] IHttp2StreamTable.Snapshot() => [.. _streams.Values];
}

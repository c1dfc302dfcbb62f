namespace MockKit.Http2.Connection;

/// <summary>
/// Which side reset the recently closed streams, remembered after they leave the stream table,
/// because RFC 9113 section 5.1 ("closed") treats late frames by who sent the RST_STREAM:
/// <list type="bullet">
/// <item>we sent it: "An endpoint MUST ignore frames that it receives on closed streams after it has
/// sent a RST_STREAM frame" (the peer may have sent them before it saw ours);</item>
/// <item>the peer sent it: "An endpoint that receives any frame other than PRIORITY after receiving a
/// RST_STREAM MUST treat that as a stream error (Section 5.4.2) of type STREAM_CLOSED".</item>
/// </list>
/// The first reset decides (crossing resets: ours was on the wire first as far as we know).
/// <see cref="Http2ConnectionCore"/> records the peer's resets as it receives them and applies the rule
/// to late frames; the role records its own as it queues RST_STREAM. Not thread-safe: guarded by the
/// connection's stream lock (the role's lock).
/// </summary>
public sealed class Http2ResetStreams
{
    /// <summary>
    /// Streams remembered; the oldest is forgotten first. A forgotten stream is treated as closed by
    /// END_STREAM (late HEADERS: connection error STREAM_CLOSED), which only costs a very late frame
    /// its leniency or a stream error its precision.
    /// </summary>
    public const int Capacity = 10_000;

    private readonly Dictionary<int, ResetBy> _resets = [];
    private readonly Queue<int> _order = new();

    /// <summary>Who reset a stream.</summary>
    public enum ResetBy
    {
        /// <summary>Not remembered as reset (open, closed by END_STREAM, or long forgotten).</summary>
        Nobody,

        /// <summary>We sent RST_STREAM (or gave up on the stream): late frames are ignored.</summary>
        Us,

        /// <summary>The peer sent RST_STREAM: late frames other than PRIORITY are a stream error STREAM_CLOSED.</summary>
        Peer,
    }

    /// <summary>We reset <paramref name="streamId"/>, unless the peer did first.</summary>
    public void OnResetByUs(int streamId) => Remember(streamId, ResetBy.Us);

    /// <summary>The peer reset <paramref name="streamId"/>, unless we did first.</summary>
    public void OnResetByPeer(int streamId) => Remember(streamId, ResetBy.Peer);

    /// <summary>Who reset <paramref name="streamId"/>, as far as remembered.</summary>
    public ResetBy Of(int streamId) => _resets.GetValueOrDefault(streamId, ResetBy.Nobody);

    private void Remember(int streamId, ResetBy by)
    {
        if (!_resets.TryAdd(streamId, by))
        {
            return;
        }

        _order.Enqueue(streamId);
        if (_order.Count > Capacity)
        {
            _resets.Remove(_order.Dequeue());
        }
    }
}

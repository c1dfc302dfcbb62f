namespace MockKit.Http2.Engine;

/// <summary>
/// What a role does with the frames <see cref="Http2ReadLoop"/> reads: the client connection and
/// the server session each implement it for their stream table and what a field block means to them.
/// </summary>
/// <remarks>Every member runs on the reader loop: it must not block, wait for a write or run user code.</remarks>
public interface IHttp2FrameSink
{
    /// <summary>True once the role wants the loop to stop (e.g. the peer stopped reading and the socket is being closed).</summary>
    bool StopReading { get; }

    /// <summary>Called before each read of the transport (a place for a diagnostic state).</summary>
    void OnReading();

    /// <summary>A frame of a type RFC 9113 defines, after the CONTINUATION sequence check (sections 4.3, 6.10).</summary>
    /// <exception cref="Http2StreamException">Answered with RST_STREAM through <see cref="OnStreamError"/>; the loop goes on.</exception>
    /// <exception cref="Http2ConnectionException">Ends the loop (GOAWAY, see <see cref="Http2ReadLoopEnd"/>).</exception>
    void OnFrame(in Http2Frame frame);

    /// <summary>A frame of an unknown type (section 5.5: ignored, though not necessarily for free).</summary>
    void OnUnknownFrame(in Http2Frame frame);

    /// <summary>A stream error found while reading (section 5.4.2): reset the stream, fail its exchange.</summary>
    void OnStreamError(Http2StreamException exception);
}

using System.Buffers;

namespace MockKit.Http2.Engine;

/// <summary>
/// A frame producer that is an object the role already has (e.g. a stream writing its response),
/// queued with <see cref="Http2FrameQueue.Queue(IHttp2FrameProducer)"/> instead of a delegate, so a
/// hot path queues frames without allocating a closure per frame.
/// </summary>
/// <remarks>Runs on the writer loop, like every producer: it may use the connection's header block encoder.</remarks>
public interface IHttp2FrameProducer
{
    /// <summary>Writes the frames into <paramref name="output"/>.</summary>
    void WriteFrames(IBufferWriter<byte> output);
}

using System.IO.Pipelines;

namespace MockKit.Http2.Engine;

/// <summary>
/// The reader loop of one HTTP/2 connection, for both roles: frames in (framing rules of RFC 9113
/// section 4 through <see cref="Http2FrameReader.TryReadFrame"/>, CONTINUATION contiguity through
/// the assembler), each handed to the role's <see cref="IHttp2FrameSink"/>; stream errors reset
/// their stream and the loop goes on (section 5.4.2).
/// </summary>
/// <remarks>
/// Connection errors, HPACK failures and transport failures leave <see cref="RunAsync"/> as
/// exceptions; the role maps them with <see cref="Http2ReadLoopEnd.From"/> (the one catch ladder).
/// The frame handed to the sink is a slice of the pipe's buffer: copy what must outlive the call.
/// </remarks>
public static class Http2ReadLoop
{
    /// <summary>Reads and dispatches frames until the input ends, the read is canceled or the sink stops it.</summary>
    /// <param name="input">The connection's input (after the preface).</param>
    /// <param name="maxFrameSize">Our SETTINGS_MAX_FRAME_SIZE (section 4.2).</param>
    /// <param name="assembler">The connection's field-block assembler.</param>
    /// <param name="sink">The role.</param>
    /// <param name="cancellationToken">Ends a pending read (an <see cref="OperationCanceledException"/>).</param>
    /// <returns>Why the loop stopped, and how many bytes of an incomplete frame were left.</returns>
    public static async Task<(Http2ReadLoopStop Stop, long Leftover)> RunAsync(
        PipeReader input, uint maxFrameSize, Http2HeaderBlockAssembler assembler, IHttp2FrameSink sink, CancellationToken cancellationToken)
    {
        while (true)
        {
            sink.OnReading();
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                return (Http2ReadLoopStop.Canceled, 0);
            }

            var buffer = result.Buffer;
            try
            {
                while (true)
                {
                    try
                    {
                        if (!Http2FrameReader.TryReadFrame(ref buffer, maxFrameSize, out var frame))
                        {
                            break;
                        }

                        assembler.CheckSequence(frame.Header); // Sections 4.3, 6.10.
                        if (frame.Header.IsKnownType)
                        {
                            sink.OnFrame(frame);
                        }
                        else
                        {
                            sink.OnUnknownFrame(frame);
                        }
                    }
                    catch (Http2StreamException e)
                    {
                        // Section 5.4.2: reset the stream and keep reading (the buffer is already past the frame).
                        sink.OnStreamError(e);
                    }

                    if (sink.StopReading)
                    {
                        return (Http2ReadLoopStop.Stopped, 0);
                    }
                }

                if (result.IsCompleted)
                {
                    return (Http2ReadLoopStop.InputEnded, buffer.Length);
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }
}

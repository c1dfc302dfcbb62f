using MockKit.Http2.Hpack;
using MockKit.Transport;

namespace MockKit.Http2.Engine;

/// <summary>
/// How a connection's reader loop ended, for both roles: the one catch ladder (RFC 9113 section
/// 5.4) as a value. Every exception maps to an outcome; none is a silent stop.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A connection error (<see cref="Http2ConnectionException"/>): GOAWAY with its code
/// (section 5.4.1).</item>
/// <item>An HPACK failure (<see cref="HpackDecodingException"/>): GOAWAY COMPRESSION_ERROR
/// (section 4.3: the compression context can no longer be trusted).</item>
/// <item>The transport went away (<see cref="TransportFailure.IsTransportLoopEnd"/>): a quiet
/// close, no GOAWAY (nobody would read it).</item>
/// <item>Anything else is a bug of ours or a case nobody foresaw: GOAWAY INTERNAL_ERROR (section 7)
/// and <see cref="IsUnexpected"/>, so the role logs it loudly and fails every caller with it
/// instead of leaving them waiting on a reader that is gone.</item>
/// </list>
/// Stream errors (<see cref="Http2StreamException"/>) never get here: the loop answers them with
/// RST_STREAM and goes on (section 5.4.2).
/// </remarks>
/// <param name="GoAway">The GOAWAY code to send, or null for a quiet close.</param>
/// <param name="Failure">What ended the loop (the callers' failure).</param>
/// <param name="IsUnexpected">True when the exception matched no protocol outcome.</param>
public readonly record struct Http2ReadLoopEnd(Http2ErrorCode? GoAway, Exception Failure, bool IsUnexpected)
{
    /// <summary>The outcome of an exception that ended a reader loop.</summary>
    public static Http2ReadLoopEnd From(Exception e) => e switch
    {
        Http2ConnectionException connection => new(connection.ErrorCode, e, false),
        HpackDecodingException => new(Http2ErrorCode.CompressionError, e, false),
        _ when TransportFailure.IsTransportLoopEnd(e) => new(null, e, false),
        _ => new(Http2ErrorCode.InternalError, e, true),
    };
}

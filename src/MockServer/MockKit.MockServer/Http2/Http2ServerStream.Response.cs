using MockKit.MockServer.Exchanges;
using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Http2;

/// <summary>
/// The stream's response framing (<see cref="IResponseFraming"/>): each member is the session's frames
/// for this stream. A pushed stream (RFC 9113 section 8.4) is written through it the same way.
/// </summary>
internal sealed partial class Http2ServerStream : IResponseFraming
{
    TimeProvider IResponseFraming.Time => _session.TimeProvider;

    ISocketEffectTarget IResponseFraming.EffectTarget => this;

    // Queued DATA frames reference the written bytes until the writer loop sends them.
    bool IResponseFraming.BodySinkKeepsWrites => true;

    ValueTask IResponseFraming.WriteInformationalAsync(MockResponse informational, CancellationToken cancellationToken)
    {
        _session.WriteInformational(this, informational);
        return ValueTask.CompletedTask;
    }

    ValueTask IResponseFraming.FlushAsync(CancellationToken cancellationToken) => new(_session.FlushAsync(this, cancellationToken));

    ValueTask IResponseFraming.WriteMalformedAsync(MockResponse response, ResponseContent content, MalformedResponse fault, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        new(_session.WriteMalformedAsync(this, response, content, fault, body, cancellationToken));

    ValueTask IResponseFraming.WriteTrailersOnlyAsync(MockResponse response, ResponseContent content, CancellationToken cancellationToken)
    {
        _session.WriteTrailersOnly(this, response);
        return ValueTask.CompletedTask;
    }

    bool IResponseFraming.CanWriteWhole(MockResponse response, ReadOnlyMemory<byte> body, ResponseContent content) =>
        _session.CanWriteWhole(response, body, content);

    ValueTask IResponseFraming.WriteWholeAsync(MockResponse response, ReadOnlyMemory<byte> body, ResponseContent content, CancellationToken cancellationToken) =>
        _session.WriteWholeAsync(this, response, body, content, cancellationToken);

    ValueTask IResponseFraming.WriteHeadAsync(MockResponse response, ResponseContent content, CancellationToken cancellationToken)
    {
        _session.WriteHead(this, response, content);
        return ValueTask.CompletedTask;
    }

    ValueTask IResponseFraming.WriteBodyAsync(MockResponse response, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        _session.WriteBodyAsync(this, response, body, cancellationToken);

    Stream IResponseFraming.OpenBody(MockResponse response, Throttle? throttle) => _session.OpenBody(this, throttle);

    ValueTask IResponseFraming.EndBodyAsync(Stream body, MockHeaders trailers, CancellationToken cancellationToken) =>
        _session.EndBodyAsync(this, trailers, cancellationToken);

    ValueTask IResponseFraming.WriteDuplexHeadAsync(MockResponse response, CancellationToken cancellationToken)
    {
        _session.WriteDuplexHead(this, response);
        return ValueTask.CompletedTask;
    }

    Stream IResponseFraming.OpenDuplexBody() => _session.OpenTunnelBody(this);

    // RFC 9113 section 8.5 / RFC 8441 section 5: the tunnel is the stream's DATA, the ordinary duplex body.
    ValueTask<(Stream Input, Stream Output)?> IResponseFraming.OpenConnectionTunnelAsync(MockResponse response, CancellationToken cancellationToken) =>
        ValueTask.FromResult<(Stream Input, Stream Output)?>(null);

    ValueTask IResponseFraming.EndConnectionTunnelAsync(CancellationToken cancellationToken) =>
        throw new NotSupportedException("An HTTP/2 tunnel is a stream's DATA, ended as a duplex body.");

    // Section 8.1: a response cut short is a reset stream, never a clean END_STREAM.
    ValueTask IResponseFraming.CutResponseAsync() => _session.ResetStreamAsync(this, Http2ErrorCode.InternalError);
}

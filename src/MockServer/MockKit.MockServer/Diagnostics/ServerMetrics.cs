using System.Diagnostics;
using System.Diagnostics.Metrics;
using MockKit.Http1;

namespace MockKit.MockServer.Diagnostics;

/// <summary>
/// A server's instruments, on one <see cref="Meter"/> named <c>MockKit.MockServer</c>: figures a
/// test can assert on without taking every request (requests by protocol, responses by status,
/// failures by kind, open connections). The meter comes from <see cref="MockWebServer.MeterFactory"/>
/// or is the server's own (scoped to the server, disposed at shutdown). Tags are built only when
/// an instrument is listened to.
/// </summary>
internal sealed class ServerMetrics : IDisposable
{
    public const string MeterName = "MockKit.MockServer";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _responses;
    private readonly Counter<long> _failures;
    private readonly UpDownCounter<long> _openConnections;

    public ServerMetrics(IMeterFactory? meterFactory, object scope)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(new MeterOptions(MeterName)) ?? new Meter(new MeterOptions(MeterName) { Scope = scope });
        _requests = _meter.CreateCounter<long>(
            "mockkit.server.requests", "{request}", "Requests recorded, bookkeeping entries and failed ones included, by protocol and method.");
        _responses = _meter.CreateCounter<long>(
            "mockkit.server.responses", "{response}", "Responses written in full, by status code and protocol.");
        _failures = _meter.CreateCounter<long>(
            "mockkit.server.failures", "{failure}", "Recorded requests that carry a failure (a socket policy, a malformed or reset request, no matching route), by kind.");
        _openConnections = _meter.CreateUpDownCounter<long>(
            "mockkit.server.open_connections", "{connection}", "Accepted connections not yet closed.");
    }

    /// <summary>A connection was accepted.</summary>
    /// <returns>
    /// Whether it was counted: the caller keeps this and passes it to <see cref="ConnectionClosed"/>,
    /// so a listener that starts (or stops) while the connection is open never sees a close (-1)
    /// whose open (+1) it did not see, and the sum never goes negative. The client decides the
    /// same way, at the connection's birth.
    /// </returns>
    public bool ConnectionOpened()
    {
        if (!_openConnections.Enabled)
        {
            return false;
        }

        _openConnections.Add(1);
        return true;
    }

    /// <summary>A connection closed; <paramref name="counted"/> is what <see cref="ConnectionOpened"/> returned for it.</summary>
    public void ConnectionClosed(bool counted)
    {
        if (counted)
        {
            _openConnections.Add(-1);
        }
    }

    public void Recorded(RecordedRequest request)
    {
        if (_requests.Enabled)
        {
            _requests.Add(1, new TagList
            {
                { "network.protocol.version", Version(request.Protocol) },
                { "http.request.method", MethodTag(request.Method) },
            });
        }

        Failed(request);
    }

    /// <summary>Counts the request's failure, if it has one.</summary>
    public void Failed(RecordedRequest request)
    {
        if (request.Failure is { } failure && _failures.Enabled)
        {
            _failures.Add(1, new TagList
            {
                { "network.protocol.version", Version(request.Protocol) },
                { "error.type", failure.GetType().FullName },
            });
        }
    }

    public void ResponseSent(int statusCode, Protocol protocol)
    {
        if (_responses.Enabled)
        {
            _responses.Add(1, new TagList
            {
                { "network.protocol.version", Version(protocol) },
                { "http.response.status_code", statusCode },
            });
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    /// <summary>
    /// The method as the OpenTelemetry semantic conventions bound it (the client's rule, one list):
    /// a method the HTTP specs define by its canonical name, any other as <c>_OTHER</c>, so a
    /// client sending arbitrary tokens cannot grow the meter's series without limit. A bookkeeping
    /// entry (no request read) is <c>_NONE</c>.
    /// </summary>
    internal static string MethodTag(string method) =>
        method.Length == 0 ? "_NONE" : HttpMethodNames.Canonical(method) ?? "_OTHER";

    /// <summary>The protocol as OpenTelemetry's <c>network.protocol.version</c> spells it.</summary>
    internal static string Version(Protocol protocol) => protocol switch
    {
        Protocol.Http10 => "1.0",
        Protocol.Http11 => "1.1",
        _ => "2",
    };
}

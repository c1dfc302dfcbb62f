using System.Runtime.CompilerServices;
using MockKit.MockServer.Connections;
using MockKit.MockServer.Http2;

namespace MockKit.MockServer.Diagnostics;

/// <summary>
/// The text of one traffic-log line, written as an interpolated string at the call site
/// (<c>Log($"stream {id} ended: {e.Message}")</c>) and formatted only when someone listens
/// (<see cref="MockWebServer.TrafficLog"/> or <see cref="MockWebServer.Logger"/>): when nobody
/// does, the compiler-generated appends are skipped and no string, boxing or buffer is made.
/// </summary>
/// <remarks>The connection and stream prefixes are added by <see cref="MockWebServer"/>'s log methods, in one place.</remarks>
[InterpolatedStringHandler]
internal ref struct TrafficLogLine
{
    private DefaultInterpolatedStringHandler _text;

    /// <summary>Starts a line logged by the server itself.</summary>
    public TrafficLogLine(int literalLength, int formattedCount, MockWebServer server, out bool isEnabled)
    {
        IsEnabled = isEnabled = server.IsLogging;
        _text = isEnabled ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
    }

    /// <summary>Starts a line logged by a connection.</summary>
    public TrafficLogLine(int literalLength, int formattedCount, ServerConnection connection, out bool isEnabled)
        : this(literalLength, formattedCount, connection.Server, out isEnabled)
    {
    }

    /// <summary>Starts a line logged by an HTTP/2 session.</summary>
    public TrafficLogLine(int literalLength, int formattedCount, Http2ServerSession session, out bool isEnabled)
        : this(literalLength, formattedCount, session.Server, out isEnabled)
    {
    }

    /// <summary>True when the line is being formatted (someone listens).</summary>
    public readonly bool IsEnabled { get; }

    public void AppendLiteral(string value) => _text.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);

    public void AppendFormatted<T>(T value, string? format) => _text.AppendFormatted(value, format);

    public void AppendFormatted(string? value) => _text.AppendFormatted(value);

    public void AppendFormatted(ReadOnlySpan<char> value) => _text.AppendFormatted(value);

    /// <summary>The formatted text; returns the rented buffer. Call once, only when <see cref="IsEnabled"/>.</summary>
    public string ToStringAndClear() => _text.ToStringAndClear();
}

using System.Runtime.CompilerServices;
using MockKit.MockServer.Diagnostics;

namespace MockKit.MockServer;

// The traffic log: every server line, whoever writes it (the server, a connection, an HTTP/1 or
// HTTP/2 session), comes through these methods, which add the connection/exchange/stream prefix
// and write the same text to TrafficLog and to Logger (a Debug entry, event id 2000). With
// neither set, a line costs one check: the interpolated text is never formatted (TrafficLogLine).
public sealed partial class MockWebServer
{
    /// <summary>True when someone listens to <see cref="TrafficLog"/> or <see cref="Logger"/>; log methods check it before formatting.</summary>
    internal bool IsLogging => TrafficLog is not null || Logger is not null;

    /// <summary>A server-wide line (listening, accept failures, shutdown).</summary>
    internal void Log([InterpolatedStringHandlerArgument("")] ref TrafficLogLine line)
    {
        if (line.IsEnabled)
        {
            WriteTraffic(line.ToStringAndClear());
        }
    }

    /// <summary>A server-wide line already made.</summary>
    internal void Log(string line)
    {
        if (IsLogging)
        {
            WriteTraffic(line);
        }
    }

    /// <summary>A connection's line: <c>[conn N] text</c>.</summary>
    internal void Log(int connection, [InterpolatedStringHandlerArgument("")] ref TrafficLogLine line)
    {
        if (line.IsEnabled)
        {
            WriteTraffic($"[conn {connection}] {line.ToStringAndClear()}");
        }
    }

    /// <summary>A connection's line already made: <c>[conn N] text</c>.</summary>
    internal void Log(int connection, string line)
    {
        if (IsLogging)
        {
            WriteTraffic($"[conn {connection}] {line}");
        }
    }

    /// <summary>An exchange's line: <c>[conn N #S] text</c> (S: its sequence number on the connection).</summary>
    internal void Log(int connection, int sequence, [InterpolatedStringHandlerArgument("")] ref TrafficLogLine line)
    {
        if (line.IsEnabled)
        {
            WriteTraffic($"[conn {connection} #{sequence}] {line.ToStringAndClear()}");
        }
    }

    /// <summary>An HTTP/2 stream's line: <c>[conn N #S stream I] text</c>, or <c>[conn N stream I] text</c> without a sequence number.</summary>
    internal void LogStream(int connection, int? sequence, int stream, [InterpolatedStringHandlerArgument("")] ref TrafficLogLine line)
    {
        if (line.IsEnabled)
        {
            WriteTraffic(sequence is { } s
                ? $"[conn {connection} #{s} stream {stream}] {line.ToStringAndClear()}"
                : $"[conn {connection} stream {stream}] {line.ToStringAndClear()}");
        }
    }

    /// <summary>A protocol session's connection-level line: <c>[conn N h2] text</c>.</summary>
    internal void LogSession(int connection, string protocol, [InterpolatedStringHandlerArgument("")] ref TrafficLogLine line)
    {
        if (line.IsEnabled)
        {
            WriteTraffic($"[conn {connection} {protocol}] {line.ToStringAndClear()}");
        }
    }

    /// <summary>A protocol session's connection-level line already made: <c>[conn N h2] text</c>.</summary>
    internal void LogSession(int connection, string protocol, string line)
    {
        if (IsLogging)
        {
            WriteTraffic($"[conn {connection} {protocol}] {line}");
        }
    }

    /// <summary>The one sink: the same text to <see cref="Logger"/> (Debug, 2000) and <see cref="TrafficLog"/>.</summary>
    private void WriteTraffic(string line)
    {
        if (Logger is { } logger)
        {
            Guard(() => ServerLog.Traffic(logger, line));
        }

        try
        {
            TrafficLog?.Invoke(line);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A failing log sink must not break the server (e.g. ITestOutputHelper after the test ended).
        }
    }
}

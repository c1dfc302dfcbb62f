using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace MockKit.Tool;

/// <summary>
/// Writes the server's traffic log (<see cref="MockServer.MockWebServer.TrafficLog"/>, the same text
/// a test's output shows) to stderr: as is (<c>text</c>), as one JSON object per line (<c>json</c>:
/// time, connection, exchange, stream and the message), or not at all (<c>none</c>). Server threads
/// only post to a channel; one writer task does the I/O, so a slow terminal never stalls a connection
/// and no lock is held across a write.
/// </summary>
internal sealed partial class TrafficLogSink : IAsyncDisposable
{
    private readonly Channel<(DateTimeOffset Time, string Line)> _lines = Channel.CreateUnbounded<(DateTimeOffset, string)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TextWriter _error;
    private readonly LogFormat _format;
    private readonly TimeProvider _time;
    private readonly Task _writer;

    public TrafficLogSink(TextWriter error, LogFormat format, TimeProvider time)
    {
        _error = error;
        _format = format;
        _time = time;
        _writer = WriteAllAsync();
    }

    /// <summary>The callback for <see cref="MockServer.MockWebServer.TrafficLog"/>, or null when nothing is logged.</summary>
    public Action<string>? Callback => _format == LogFormat.None ? null : line => _lines.Writer.TryWrite((_time.GetUtcNow(), line));

    /// <summary>A line of the tool's own (a warning, a shutdown report), in the log's format; written even with <c>none</c>. The only way to stderr while the sink lives.</summary>
    public void Write(string line) => _lines.Writer.TryWrite((_time.GetUtcNow(), line));

    /// <summary>Writes what is queued and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteAllAsync()
    {
        var reader = _lines.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Everything queued goes out in one flush: under load, one write per burst, not per line.
            while (reader.TryRead(out var entry))
            {
                await _error.WriteLineAsync(_format == LogFormat.Json ? ToJson(entry.Time, entry.Line) : entry.Line).ConfigureAwait(false);
            }

            await _error.FlushAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One JSON object per line: <c>{"time", "connection", "exchange", "stream", "scope", "message"}</c>,
    /// the numbers taken from the text's <c>[conn N #S stream I]</c> prefix when it has one.
    /// </summary>
    internal static string ToJson(DateTimeOffset time, string line)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("time", time.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            var match = Prefix().Match(line);
            if (match.Success)
            {
                json.WriteNumber("connection", int.Parse(match.Groups["conn"].ValueSpan, provider: System.Globalization.CultureInfo.InvariantCulture));
                if (match.Groups["seq"].Success)
                {
                    json.WriteNumber("exchange", int.Parse(match.Groups["seq"].ValueSpan, provider: System.Globalization.CultureInfo.InvariantCulture));
                }

                if (match.Groups["stream"].Success)
                {
                    json.WriteNumber("stream", int.Parse(match.Groups["stream"].ValueSpan, provider: System.Globalization.CultureInfo.InvariantCulture));
                }

                if (match.Groups["scope"].Success)
                {
                    json.WriteString("scope", match.Groups["scope"].Value);
                }

                json.WriteString("message", line[match.Length..]);
            }
            else
            {
                json.WriteString("message", line);
            }

            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    [GeneratedRegex(@"^\[conn (?<conn>\d+)(?: #(?<seq>\d+))?(?: stream (?<stream>\d+))?(?: (?<scope>[a-z0-9]+))?\] ")]
    private static partial Regex Prefix();
}

/// <summary>How <c>--log-format</c> writes the traffic log to stderr.</summary>
internal enum LogFormat
{
    /// <summary>The traffic log's own text, one line per event.</summary>
    Text,

    /// <summary>One JSON object per line.</summary>
    Json,

    /// <summary>Nothing (for load tests and benchmarks).</summary>
    None,
}

using Microsoft.Extensions.Logging.Testing;

namespace MockKit.MockServer.Tests.Observability;

/// <summary>
/// The traffic log's one path: every prefix is formatted by the server's log methods, the same text
/// reaches TrafficLog and Logger (event 2000), and nothing is formatted when neither is set.
/// </summary>
public sealed class TrafficLogTests
{
    [Fact]
    public async Task Nothing_is_formatted_when_nobody_listens()
    {
        await using var server = new MockWebServer();
        var probe = new FormatProbe();

        server.Log($"server {probe}");
        server.Log(3, $"connection {probe}");
        server.Log(3, 7, $"exchange {probe}");
        server.LogStream(3, 7, 9, $"stream {probe}");
        server.LogSession(3, "h2", $"session {probe}");

        probe.Formatted.ShouldBe(0);
    }

    [Fact]
    public async Task Each_line_gets_its_prefix_and_reaches_both_sinks_with_the_same_text()
    {
        var logger = new FakeLogger();
        var lines = new List<string>();
        await using var server = new MockWebServer { Logger = logger, TrafficLog = lines.Add };
        var probe = new FormatProbe();

        server.Log($"server {probe}");
        server.Log(3, $"connection {probe}");
        server.Log(3, 7, $"exchange {probe}");
        server.LogStream(3, 7, 9, $"stream {probe}");
        server.LogStream(3, null, 9, $"stream {probe}");
        server.LogSession(3, "h2", $"session {probe}");

        probe.Formatted.ShouldBe(6);
        lines.ShouldBe(
        [
            "server probe",
            "[conn 3] connection probe",
            "[conn 3 #7] exchange probe",
            "[conn 3 #7 stream 9] stream probe",
            "[conn 3 stream 9] stream probe",
            "[conn 3 h2] session probe",
        ]);
        logger.Collector.GetSnapshot().Where(e => e.Id.Id == 2000).Select(e => e.Message).ShouldBe(lines);
    }

    /// <summary>Counts how often it is turned into text.</summary>
    private sealed class FormatProbe
    {
        public int Formatted { get; private set; }

        public override string ToString()
        {
            Formatted++;
            return "probe";
        }
    }
}

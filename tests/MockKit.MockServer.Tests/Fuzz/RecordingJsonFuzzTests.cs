using System.Diagnostics;
using System.Text;
using MockKit.MockServer.Dispatching;
using Xunit.Abstractions;

namespace MockKit.MockServer.Tests.Fuzz;

/// <summary>
/// Feeds seeded, deterministic hostile recordings files to the reader that Dispatcher.Replay uses:
/// malformed JSON, huge numbers, deep nesting, invalid base64, wrong types, header injection,
/// truncation. Every input either reads (and then becomes replay routes without error) or fails with
/// a FormatException whose message names the file; nothing else may escape.
/// </summary>
public sealed class RecordingJsonFuzzTests(ITestOutputHelper output)
{
    private const string Source = "fuzz.json";

    private static readonly string[] Bases =
    [
        """
        {
          "format": "mockkit-recordings/1",
          "exchanges": [
            {
              "request": { "method": "GET", "target": "/forecast?city=Lisbon&access_token=REDACTED",
                           "headers": [ { "name": "Authorization", "value": "REDACTED" } ] },
              "response": { "status": 200, "reason": "Fine", "headers": [ { "name": "Content-Type", "value": "text/plain" } ],
                            "body": "sunny", "trailers": [ { "name": "X-Checksum", "value": "5d41" } ] }
            },
            {
              "request": { "method": "POST", "target": "/alerts", "bodyJson": { "city": "Bergen", "level": [1, 2.5, true, null] } },
              "response": { "status": 201, "headers": [ { "name": "Location", "value": "/alerts/17" } ] }
            }
          ]
        }
        """,
        """
        {
          "format": "mockkit-recordings/1",
          "exchanges": [
            {
              "request": { "method": "PUT", "target": "/blob", "bodyBase64": "AAECAwQF", "bodyTruncated": true, "bodySize": 1000 },
              "response": { "status": 204, "bodyBase64": "iVBORw0KGgo=", "bodyTruncated": true, "bodySize": 99 }
            }
          ]
        }
        """,
    ];

    private static readonly string[] Snippets =
    [
        "\"status\": 99999999999999999999999999,",
        "\"status\": -1,",
        "\"status\": \"200\",",
        "\"status\": 2.5e300,",
        "\"bodySize\": 1e400,",
        "\"bodySize\": -5,",
        "\"bodyTruncated\": \"yes\",",
        "\"bodyBase64\": \"!!not base64!!\",",
        "\"bodyBase64\": 12,",
        "\"body\": { \"a\": 1 },",
        "\"headers\": { \"name\": \"X\" },",
        "\"headers\": [ 5, null, [] ],",
        "{ \"name\": \"X-Evil\", \"value\": \"a\\r\\nSet-Cookie: pwned=1\" },",
        "{ \"name\": \"Bad Name\", \"value\": \"v\" },",
        "{ \"name\": \"\", \"value\": \"v\" },",
        "\"method\": \"GET /x HTTP/1.1\\r\\n\",",
        "\"method\": null,",
        "\"target\": \"/a b\",",
        "\"target\": \"\",",
        "\"exchanges\": {},",
        "\"exchanges\": [ 1, \"two\", null ],",
        "\"format\": \"mockkit-recordings/2\",",
        "\"request\": [],",
        "\"response\": \"ok\",",
        "\"reason\": \"OK\\r\\nX: y\",",
        "\"bodyJson\": " + new string('[', 200) + new string(']', 200) + ",",
        new string('[', 5000),
        new string('{', 100) + "\"a\":",
        "\"\\ud800\"",
        "\u00ff\u00fe",
        "\"a\": 1, \"a\": 2,",
        "}]}",
        "\\u0000",
    ];

    [Fact]
    public void Hostile_recordings_files_fail_only_with_a_FormatException_naming_the_file()
    {
        var inputs = int.TryParse(Environment.GetEnvironmentVariable("MOCKKIT_FUZZ_INPUTS"), out var n) ? n : 100_000;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("MOCKKIT_FUZZ_SEED"), out var s) ? s : 20261207;
        var mutator = new ByteMutator(seed, Bases, Snippets);
        var read = 0;
        var refused = 0;
        var stopwatch = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < inputs; i++)
        {
            var input = mutator.Next();
            try
            {
                var exchanges = RecordingJsonReader.Read(new MemoryStream(input), Source);
                var routes = new RouteDispatcher();
                foreach (var exchange in exchanges)
                {
                    routes.MapRecorded(exchange).Times(1).Respond(exchange.Response);
                }

                read++;
            }
            catch (FormatException e)
            {
                refused++;
                if (!e.Message.StartsWith(Source + ": ", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"seed {seed}, input {i}: the message does not name the file: {e.Message}");
                }
            }
            catch (Exception e)
            {
                throw new InvalidOperationException(
                    $"seed {seed}, input {i}: {e.GetType().Name} escaped the reader for {Encoding.Latin1.GetString(input)}", e);
            }
        }

        output.WriteLine($"{inputs} inputs (seed {seed}): {read} read, {refused} refused with a FormatException, in {stopwatch.Elapsed.TotalSeconds:F1} s ({(Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds:F1} s CPU)");
        (read + refused).ShouldBe(inputs);
        read.ShouldBeGreaterThan(0);
        refused.ShouldBeGreaterThan(0);
    }
}

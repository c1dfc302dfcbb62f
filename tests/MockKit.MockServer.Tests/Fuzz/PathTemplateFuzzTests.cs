using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;
using MockKit.MockServer.Dispatching;

namespace MockKit.MockServer.Tests.Fuzz;

/// <summary>
/// Seeded generated templates and paths (percent-encodings good and bad, dot segments plain and
/// encoded, empty segments, braces, invalid UTF-8, huge inputs) through the template parser and
/// matcher: a template is either parsed or refused with an <see cref="ArgumentException"/> quoting
/// it, a match never throws, and what a parameter binds is never empty, "." or "..".
/// </summary>
public sealed class PathTemplateFuzzTests(ITestOutputHelper output)
{
    private const int Inputs = 100_000;

    private static readonly string[] Pieces =
    [
        "users", "a", "{id}", "{*rest}", "{", "}", "{}", "{*}", "{a/b}", "{x}", "{x}", ".", "..", "...", "%2e", "%2E%2e", "%2f",
        "%2F", "%20", "%", "%2", "%zz", "%C3%A9", "%FF", "%C3", "%ED%A0%80", "%F0%9F%98%80", "é", "?", "#", "*", "~", "+", ";",
        ":", "@", "=", "&", "\u0000", "\uD800", " ", "",
    ];

    [Fact]
    public void Generated_templates_and_paths_never_crash_the_matcher()
    {
        const int Seed = 20261207;
        var random = new Random(Seed);
        var stopwatch = Stopwatch.StartNew();
        int parsed = 0, refused = 0, matched = 0;
        PathTemplate? template = null;
        for (var i = 0; i < Inputs; i++)
        {
            // Every tenth input is a new template; the paths in between run against the last good one.
            if (i % 10 == 0 || template is null)
            {
                var text = Generate(random, i);
                try
                {
                    template = PathTemplate.Parse(text);
                    parsed++;
                }
                catch (ArgumentException e)
                {
                    refused++;
                    e.ParamName.ShouldBe("template", $"input {i} (seed {Seed})");
                    e.Message.ShouldStartWith("The path template", Case.Sensitive, $"input {i} (seed {Seed})");
                }

                continue;
            }

            var path = Generate(random, i);
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            if (template.Match(path, values) is null)
            {
                matched++;
                foreach (var (name, value) in values)
                {
                    if (name != "rest")
                    {
                        value.ShouldNotBeOneOf([string.Empty, ".", ".."], $"input {i} (seed {Seed}): {template.Text} matched {path}");
                    }
                }
            }
        }

        // Every kind of outcome happened, so the generator reaches each path of the code.
        parsed.ShouldBeGreaterThan(100);
        refused.ShouldBeGreaterThan(100);
        matched.ShouldBeGreaterThan(100);
        output.WriteLine($"{Inputs} inputs in {stopwatch.Elapsed.TotalSeconds:0.0} s: {parsed} templates parsed, {refused} refused, {matched} paths matched");
    }

    private static string Generate(Random random, int index)
    {
        var text = new StringBuilder();
        text.Append(random.Next(20) == 0 ? string.Empty : "/");
        var segments = index % 5_000 == 1 ? 20_000 : random.Next(0, 6); // Now and then a huge input.
        for (var s = 0; s < segments; s++)
        {
            if (s > 0)
            {
                text.Append('/');
            }

            var pieces = random.Next(1, 3);
            for (var p = 0; p < pieces; p++)
            {
                text.Append(Pieces[random.Next(Pieces.Length)]);
            }
        }

        return text.ToString();
    }
}

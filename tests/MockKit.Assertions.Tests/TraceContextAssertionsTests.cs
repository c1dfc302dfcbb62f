using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using MockKit.MockServer;

namespace MockKit.Assertions.Tests;

public sealed class TraceContextAssertionsTests
{
    private static readonly ActivityTraceId s_trace = ActivityTraceId.CreateFromString("0af7651916cd43dd8448eb211c80319c");

    [Fact]
    public async Task A_traceparent_in_the_activitys_trace_passes_whatever_its_parent_span()
    {
        using var activity = Activity(s_trace);
        var request = await RecordAsync("traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n");

        request.ShouldHaveTraceParent(activity).ShouldBeSameAs(request);
    }

    [Fact]
    public async Task Another_trace_fails_showing_expected_and_actual_trace_ids()
    {
        using var activity = Activity(s_trace);
        var request = await RecordAsync("traceparent: 00-11111111111111111111111111111111-b7ad6b7169203331-01\r\n");

        var failure = Should.Throw<ShouldAssertException>(() => request.ShouldHaveTraceParent(activity));

        failure.Message.ShouldContain("trace id 0af7651916cd43dd8448eb211c80319c");
        failure.Message.ShouldContain("trace id 11111111111111111111111111111111");
        failure.Message.ShouldContain("GET /traced HTTP/1.1");
    }

    [Theory]
    [InlineData("", "no traceparent header")]
    [InlineData("traceparent: 00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01\r\n", "a malformed traceparent")]
    [InlineData("traceparent: 00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01\r\n", "a malformed traceparent")]
    [InlineData("traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203332-01\r\n", "2 traceparent headers")]
    public async Task Missing_malformed_or_repeated_traceparents_fail(string headers, string problem)
    {
        using var activity = Activity(s_trace);
        var request = await RecordAsync(headers);

        Should.Throw<ShouldAssertException>(() => request.ShouldHaveTraceParent(activity)).Message.ShouldContain(problem);
    }

    private static Activity Activity(ActivityTraceId trace)
    {
        var activity = new Activity("test");
        activity.SetParentId(trace, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        return activity.Start();
    }

    private static async Task<RecordedRequest> RecordAsync(string headers)
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse());
        using var client = new TcpClient();
        await client.ConnectAsync(server.HostName, server.Port);
        await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"GET /traced HTTP/1.1\r\nHost: api.test\r\n{headers}\r\n"));
        return server.TakeRequest();
    }
}

using System.Net;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>
/// Over http, which protocol a request's Version and VersionPolicy get with the default Protocols,
/// side by side with SocketsHttpHandler: an explicit request for 2.0 (Exact or OrHigher) is prior
/// knowledge, anything else HTTP/1.1. This is what lets Grpc.Net.Client run over InstrumentedHandler
/// unchanged.
/// </summary>
public sealed class CleartextVersionPolicyTests
{
    public static TheoryData<string, HttpVersionPolicy, bool> Matrix()
    {
        var data = new TheoryData<string, HttpVersionPolicy, bool>();
        foreach (var version in new[] { "2.0", "1.1" })
        {
            foreach (var policy in new[] { HttpVersionPolicy.RequestVersionExact, HttpVersionPolicy.RequestVersionOrHigher, HttpVersionPolicy.RequestVersionOrLower })
            {
                data.Add(version, policy, true);
                data.Add(version, policy, false);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Default_protocols_choose_what_SocketsHttpHandler_chooses(string version, HttpVersionPolicy policy, bool h2cServer)
    {
        var ours = await OutcomeAsync(new InstrumentedHandler(), version, policy, h2cServer);
        var runtime = await OutcomeAsync(new SocketsHttpHandler(), version, policy, h2cServer);

        ours.ShouldBe(runtime);
        var expected = (version, policy, h2cServer) switch
        {
            ("2.0", not HttpVersionPolicy.RequestVersionOrLower, true) => "2.0",
            ("2.0", not HttpVersionPolicy.RequestVersionOrLower, false) => "failed",
            (_, _, true) => "failed",
            _ => "1.1",
        };
        ours.ShouldBe(expected);
    }

    [Theory]
    [InlineData(HttpVersionPolicy.RequestVersionExact)]
    [InlineData(HttpVersionPolicy.RequestVersionOrHigher)]
    public async Task Http2_alone_or_prior_knowledge_alone_allow_an_explicit_2_0_over_http(HttpVersionPolicy policy)
    {
        (await OutcomeAsync(new InstrumentedHandler { Protocols = [Protocol.Http2] }, "2.0", policy, h2cServer: true)).ShouldBe("2.0");
        (await OutcomeAsync(new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] }, "2.0", policy, h2cServer: true)).ShouldBe("2.0");
        var e = await Should.ThrowAsync<HttpRequestException>(() => SendAsync(new InstrumentedHandler { Protocols = [Protocol.Http11] }, "2.0", policy, h2cServer: true));
        e.HttpRequestError.ShouldBe(HttpRequestError.VersionNegotiationError);
        e.Message.ShouldContain("do not allow Http2 or H2PriorKnowledge (cleartext HTTP/2)");
    }

    private static async Task<string> OutcomeAsync(HttpMessageHandler handler, string version, HttpVersionPolicy policy, bool h2cServer)
    {
        try
        {
            return await SendAsync(handler, version, policy, h2cServer);
        }
        catch (HttpRequestException)
        {
            return "failed";
        }
    }

    private static async Task<string> SendAsync(HttpMessageHandler handler, string version, HttpVersionPolicy policy, bool h2cServer)
    {
        await using var server = new MockWebServer { Dispatcher = Dispatcher.From(_ => new MockResponse("ok")) };
        if (h2cServer)
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
        }

        await server.StartAsync();
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("/")) { Version = Version.Parse(version), VersionPolicy = policy };
        using var response = await client.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return response.Version.ToString();
    }
}

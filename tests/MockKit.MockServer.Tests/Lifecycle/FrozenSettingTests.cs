using MockKit.Tls;

namespace MockKit.MockServer.Tests.Lifecycle;

/// <summary>A setting changed after the start names itself and the remedy, not just "frozen".</summary>
public sealed class FrozenSettingTests
{
    [Fact]
    public async Task A_setting_changed_after_the_start_names_the_setting_and_what_to_do()
    {
        await using var server = new MockWebServer();
        await server.StartAsync();

        Should.Throw<InvalidOperationException>(() => server.UseHttps(HandshakeCertificates.Localhost())).Message.ShouldBe(
            "MockWebServer.UseHttps is frozen once the server has started, and this server has started. "
            + "Set it before StartAsync (or Start), or use a new MockWebServer.");
        Should.Throw<InvalidOperationException>(() => server.Protocols = [Protocol.H2PriorKnowledge]).Message
            .ShouldStartWith("MockWebServer.Protocols is frozen");
        Should.Throw<InvalidOperationException>(server.RequireClientAuth).Message.ShouldStartWith("MockWebServer.RequireClientAuth is frozen");
    }
}

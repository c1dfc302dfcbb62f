using System.Security.Authentication;
using MockKit.Tls;

namespace MockKit.MockServer.Tests.Https;

/// <summary>
/// The classic negative TLS tests: a leaf signed by a fresh, trusted CA but outside its own
/// validity window is served by MockWebServer and rejected by a real client
/// (SocketsHttpHandler configured by <see cref="HandshakeCertificates"/>) for its dates.
/// </summary>
public sealed class CertificateValidityTests
{
    public static TheoryData<string, int, int> Windows => new()
    {
        { "expired", -30, -1 },
        { "not yet valid", 1, 30 },
    };

    [Theory]
    [MemberData(nameof(Windows))]
    public async Task A_leaf_outside_its_validity_window_is_rejected_by_a_real_client(string name, int fromDays, int toDays)
    {
        var now = DateTimeOffset.UtcNow;
        var root = new HeldCertificate.Builder().CommonName("fresh root").CertificateAuthority(0).Build();
        var leaf = new HeldCertificate.Builder()
            .CommonName(name)
            .AddSubjectAlternativeName("localhost")
            .AddSubjectAlternativeName("127.0.0.1")
            .SignedBy(root)
            .ValidityInterval(now.AddDays(fromDays), now.AddDays(toDays))
            .Build();
        await using var server = new MockWebServer();
        server.UseHttps(new HandshakeCertificates.Builder().HeldCertificate(leaf).Build());
        server.Enqueue(new MockResponse("must not be read"));
        var trust = new HandshakeCertificates.Builder().AddTrustedCertificate(root.Certificate).Build();
        using var client = new HttpClient(trust.CreateSocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };

        var e = await Should.ThrowAsync<HttpRequestException>(() => client.GetStringAsync(server.Url("/")));

        // The platform's chain status for a certificate outside its window, expired or not yet
        // valid alike, is X509ChainStatusFlags.NotTimeValid; nothing else is wrong with this chain.
        var authentication = e.InnerException.ShouldBeOfType<AuthenticationException>();
        authentication.Message.ShouldContain("NotTimeValid");
        authentication.Message.ShouldNotContain("UntrustedRoot");
        server.PendingResponseCount.ShouldBe(1);
    }

    [Fact]
    public async Task The_same_chain_inside_its_window_is_accepted()
    {
        // The control: only the dates differ from the rejected cases.
        var root = new HeldCertificate.Builder().CommonName("fresh root").CertificateAuthority(0).Build();
        var leaf = new HeldCertificate.Builder().AddSubjectAlternativeName("127.0.0.1").SignedBy(root).Build();
        await using var server = new MockWebServer();
        server.UseHttps(new HandshakeCertificates.Builder().HeldCertificate(leaf).Build());
        server.Enqueue(new MockResponse("trusted"));
        var trust = new HandshakeCertificates.Builder().AddTrustedCertificate(root.Certificate).Build();
        using var client = new HttpClient(trust.CreateSocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };

        (await client.GetStringAsync(server.Url("/"))).ShouldBe("trusted");
    }
}

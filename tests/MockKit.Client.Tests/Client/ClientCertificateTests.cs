using MockKit.Client.Tests.Support;
using MockKit.MockServer;
using MockKit.Tls;

namespace MockKit.Client.Tests.Client;

public sealed class ClientCertificateTests
{
    [Fact]
    public async Task The_held_certificate_of_Certificates_is_presented_to_a_server_that_requires_one()
    {
        var root = new HeldCertificate.Builder().CommonName("test root").CertificateAuthority(0).Build();
        var serverCertificate = new HeldCertificate.Builder().CommonName("localhost").AddSubjectAlternativeName("localhost").SignedBy(root).Build();
        var clientCertificate = new HeldCertificate.Builder().CommonName("test client").SignedBy(root).Build();
        var serverSide = new HandshakeCertificates.Builder().HeldCertificate(serverCertificate).AddTrustedCertificate(root.Certificate).Build();
        var clientSide = new HandshakeCertificates.Builder().HeldCertificate(clientCertificate).AddTrustedCertificate(root.Certificate).Build();
        var handler = ClientHarness.HandlerWithRoutes(1);
        handler.Certificates = clientSide;
        await using var h = await ClientHarness.StartAsync(handler, server =>
        {
            server.UseHttps(serverSide);
            server.RequireClientAuth();
        });
        h.Server.Enqueue(new MockResponse("mutual"));

        using var response = await h.Client.GetAsync(h.LocalhostUrl("/"));

        (await response.Content.ReadAsStringAsync()).ShouldBe("mutual");
        response.GetExchange().Handshake!.LocalCertificates[0].Thumbprint.ShouldBe(clientCertificate.Certificate.Thumbprint);
        h.Server.TakeRequest().Handshake!.PeerCertificates[0].Thumbprint.ShouldBe(clientCertificate.Certificate.Thumbprint);
    }
}

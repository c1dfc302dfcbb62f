using System.Diagnostics;
using MockKit.Tls;

namespace MockKit.Client.Tests.Tls;

/// <summary>An independent X.509 implementation checks the chains we build.</summary>
public sealed class OpenSslVerifyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mockkit-tls-").FullName;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Openssl_verifies_a_three_level_chain_with_its_intermediate(bool rsa)
    {
        var (root, intermediate, leaf) = WriteChain(rsa);

        // -x509_strict adds RFC 5280 profile checks (AKI present, CA extensions critical, ...).
        var (exitCode, output) = await OpenSslAsync("verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", root, "-untrusted", intermediate, leaf);

        exitCode.ShouldBe(0, output);
        output.ShouldContain($"{leaf}: OK");
    }

    [Fact]
    public async Task Openssl_rejects_the_chain_without_its_intermediate()
    {
        var (root, _, leaf) = WriteChain(rsa: false);

        var (exitCode, output) = await OpenSslAsync("verify", "-CAfile", root, leaf);

        exitCode.ShouldNotBe(0);
        output.ShouldContain("unable to get local issuer certificate");
    }

    private (string Root, string Intermediate, string Leaf) WriteChain(bool rsa)
    {
        var root = new HeldCertificate.Builder().CommonName("openssl root").CertificateAuthority(1).Build();
        var intermediate = new HeldCertificate.Builder().CommonName("openssl intermediate").CertificateAuthority(0).SignedBy(root).Build();
        var leafBuilder = new HeldCertificate.Builder().CommonName("openssl leaf").AddSubjectAlternativeName("localhost").SignedBy(intermediate);
        var leaf = (rsa ? leafBuilder.Rsa2048() : leafBuilder).Build();
        return (Write("root.pem", root), Write("intermediate.pem", intermediate), Write("leaf.pem", leaf));
    }

    private string Write(string name, HeldCertificate held)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, held.CertificatePem());
        return path;
    }

    private static async Task<(int ExitCode, string Output)> OpenSslAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

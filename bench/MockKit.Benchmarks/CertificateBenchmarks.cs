using BenchmarkDotNet.Attributes;
using MockKit.Tls;

namespace MockKit.Benchmarks;

/// <summary>
/// What a test pays for certificates: a leaf per test is only reasonable if ECDSA issuance
/// costs about a millisecond; RSA is here for comparison (key generation dominates).
/// </summary>
[MemoryDiagnoser]
public class CertificateBenchmarks
{
    private HeldCertificate _ecdsaRoot = null!;

    [GlobalSetup]
    public void Setup() =>
        _ecdsaRoot = new HeldCertificate.Builder().CommonName("bench root").CertificateAuthority(0).Duration(TimeSpan.FromDays(2)).Build();

    [Benchmark(Baseline = true)]
    public HeldCertificate EcdsaLeafSignedByCa() =>
        new HeldCertificate.Builder().AddSubjectAlternativeName("localhost").SignedBy(_ecdsaRoot).Build();

    [Benchmark]
    public HeldCertificate RsaLeafSignedByCa() =>
        new HeldCertificate.Builder().AddSubjectAlternativeName("localhost").Rsa2048().SignedBy(_ecdsaRoot).Build();

    [Benchmark]
    public HandshakeCertificates LocalhostFromScratch() => HandshakeCertificates.CreateLocalhost();
}

using System.Security.Cryptography.X509Certificates;

namespace MockKit.Tls;

/// <summary>
/// The outcome of checking a TLS client's certificate on the server: whether the handshake may
/// go on, the chain as validated (leaf first, for recording in a <see cref="TlsHandshake"/>),
/// and why it failed.
/// </summary>
/// <param name="IsAccepted">Whether the server should accept the client.</param>
/// <param name="Chain">The validated chain, leaf first; the presented leaf alone when rejected; empty when none was presented.</param>
/// <param name="Failure">Why the client was rejected; null when accepted.</param>
public sealed record ClientCertificateValidation(bool IsAccepted, IReadOnlyList<X509Certificate2> Chain, string? Failure);

using System.Security.Cryptography.X509Certificates;

namespace MockKit.Client.Tests.Tls;

/// <summary>Reads extensions and name attributes off a certificate for assertions.</summary>
internal static class CertificateInspection
{
    public const string CommonNameOid = "2.5.4.3";
    public const string OrganizationalUnitOid = "2.5.4.11";
    public const string AuthorityKeyIdentifierOid = "2.5.29.35";

    public static T Extension<T>(this X509Certificate2 certificate)
        where T : X509Extension =>
        certificate.Extensions.OfType<T>().SingleOrDefault()
        ?? throw new ShouldAssertException($"{certificate.Subject} has no {typeof(T).Name}.");

    public static X509AuthorityKeyIdentifierExtension? AuthorityKeyIdentifier(this X509Certificate2 certificate)
    {
        var raw = certificate.Extensions[AuthorityKeyIdentifierOid];
        return raw is null ? null : new X509AuthorityKeyIdentifierExtension(raw.RawData, raw.Critical);
    }

    /// <summary>The values of one attribute type in the subject, in encoding order.</summary>
    public static string?[] SubjectAttribute(this X509Certificate2 certificate, string oid) =>
        [.. certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.GetSingleElementType().Value == oid)
            .Select(rdn => rdn.GetSingleElementValue())];
}

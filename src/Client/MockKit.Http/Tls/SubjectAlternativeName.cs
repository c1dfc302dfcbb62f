using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MockKit.Tls;

/// <summary>
/// One subjectAltName entry (RFC 5280 section 4.2.1.6): exactly one of a dNSName or an
/// iPAddress. Parsing is strict on purpose: a string that merely looks numeric ("127.1",
/// "010.0.0.1") is rejected rather than guessed at, because a certificate that silently names
/// the wrong address makes for a confusing test failure much later.
/// </summary>
internal readonly record struct SubjectAlternativeName(string? DnsName, IPAddress? Address)
{
    /// <summary>RFC 1035 section 2.3.4: a label is at most 63 octets, a name at most 255 (253 as text).</summary>
    private const int MaxLabelLength = 63;
    private const int MaxNameLength = 253;

    /// <summary>Parses a DNS name, a <c>*.</c> wildcard DNS name, or an IPv4/IPv6 literal.</summary>
    /// <exception cref="ArgumentException">The value is none of those.</exception>
    internal static SubjectAlternativeName Parse(string value, string paramName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, paramName);
        if (value.Contains(':', StringComparison.Ordinal))
        {
            return new(null, ParseIPv6(value, paramName));
        }

        if (value.AsSpan().IndexOfAnyExcept(DottedDecimalCharacters) < 0)
        {
            return new(null, ParseIPv4(value, paramName));
        }

        ValidateDnsName(value, paramName);
        return new(value, null);
    }

    /// <inheritdoc />
    public override string ToString() => DnsName ?? Address!.ToString();

    private static IPAddress ParseIPv6(string value, string paramName)
    {
        // A certificate's iPAddress is the bare 16 octets: there is no room for a URI's
        // brackets or a zone index, and accepting them would hide a copy-paste mistake.
        if (value.StartsWith('[') || value.Contains('%', StringComparison.Ordinal)
            || !IPAddress.TryParse(value, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException(
                $"'{value}' is not an IPv6 literal usable as a subject alternative name (write it without brackets or zone index, e.g. \"::1\").",
                paramName);
        }

        return address;
    }

    private static IPAddress ParseIPv4(string value, string paramName)
    {
        // Only the four-part dotted-decimal form: IPAddress.Parse would also accept "127.1"
        // and read "010" as octal.
        var parts = value.Split('.');
        var octets = new byte[4];
        var valid = parts.Length == 4;
        for (var i = 0; valid && i < 4; i++)
        {
            var part = parts[i];
            valid = part.Length is >= 1 and <= 3
                && (part.Length == 1 || part[0] != '0')
                && byte.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out octets[i]);
        }

        return valid
            ? new IPAddress(octets)
            : throw new ArgumentException($"'{value}' is not a dotted-decimal IPv4 literal (four parts 0-255, e.g. \"127.0.0.1\").", paramName);
    }

    private static void ValidateDnsName(string value, string paramName)
    {
        // RFC 6125 section 6.4.3: a wildcard is only honoured as the complete left-most label.
        var name = value.StartsWith("*.", StringComparison.Ordinal) ? value[2..] : value;
        var problem = name.Length > MaxNameLength ? $"longer than {MaxNameLength} characters" : null;
        foreach (var label in name.Split('.'))
        {
            if (problem is not null)
            {
                break;
            }

            problem = label.Length switch
            {
                0 => "an empty label",
                > MaxLabelLength => $"a label longer than {MaxLabelLength} characters",
                _ when label[0] == '-' || label[^1] == '-' => $"the label '{label}' starting or ending with '-'",
                _ when label.AsSpan().IndexOfAnyExcept(DnsLabelCharacters) >= 0 => $"the label '{label}' containing characters other than ASCII letters, digits, '-' and '_'",
                _ => null,
            };
        }

        if (problem is not null)
        {
            throw new ArgumentException(
                $"'{value}' is not a DNS name, '*.' wildcard name or IP literal: it has {problem}.", paramName);
        }
    }

    private static readonly System.Buffers.SearchValues<char> DottedDecimalCharacters =
        System.Buffers.SearchValues.Create("0123456789.");

    // Underscores are not legal host name characters, but container and service names use
    // them and TLS stacks match them literally, so a test tool should not refuse them.
    private static readonly System.Buffers.SearchValues<char> DnsLabelCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
}

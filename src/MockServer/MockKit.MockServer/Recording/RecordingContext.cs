namespace MockKit.MockServer.Recording;

/// <summary>
/// What every request recorded on one connection shares: the connection's index, its TLS
/// handshake and the server's own authority (for URLs of requests that sent no Host). One
/// instance per connection (a new one after a TLS upgrade), referenced by each
/// <see cref="RecordedRequest"/> instead of copied into it. Immutable.
/// </summary>
/// <param name="ConnectionIndex">The server-wide index of the connection.</param>
/// <param name="Handshake">The TLS handshake, or null while cleartext.</param>
/// <param name="FallbackAuthority">The server's <c>host:port</c>.</param>
internal sealed record RecordingContext(int ConnectionIndex, TlsHandshake? Handshake, string FallbackAuthority)
{
    /// <summary>The scheme of URLs built for origin-form targets: https once TLS is up.</summary>
    public string Scheme => Handshake is null ? "http" : "https";
}

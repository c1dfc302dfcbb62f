namespace MockKit.MockServer.Policies;

/// <summary>How a server answers <c>Expect: 100-continue</c> (RFC 9110 section 10.1.1).</summary>
internal enum ContinueMode
{
    /// <summary>Never sends 100 Continue; the client's own timeout decides when it sends the body.</summary>
    None,

    /// <summary>Sends 100 Continue before reading the body when the request expects it.</summary>
    WhenExpected,

    /// <summary>Sends 100 Continue before reading the body even when not asked to.</summary>
    Always,
}

/// <summary>
/// The (trigger, effect) pairs and protocol switches a named <see cref="SocketPolicy"/>
/// stands for. Explicit trigger properties on <see cref="MockResponse"/> override these.
/// </summary>
internal sealed record PolicyTriggers
{
    public static PolicyTriggers None { get; } = new();

    public SocketEffect? OnRequestStart { get; init; }

    public SocketEffect? OnRequestBody { get; init; }

    public SocketEffect? OnResponseStart { get; init; }

    public SocketEffect? OnResponseBody { get; init; }

    /// <summary>Bytes of response body written before <see cref="OnResponseBody"/> fires; -1 for half the body.</summary>
    public long OnResponseBodyAfterBytes { get; init; } = -1;

    public SocketEffect? OnResponseEnd { get; init; }

    public bool UpgradeToSslAtEnd { get; init; }

    public bool FailHandshake { get; init; }

    public bool DoNotReadRequestBody { get; init; }

    public ContinueMode Continue { get; init; }
}

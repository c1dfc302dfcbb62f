namespace MockKit.MockServer;

/// <summary>
/// What <see cref="ForwardingDispatcher.SaveRecordings(string, RecordingOptions)"/> leaves out of a
/// recordings file. By default the values of the credential headers (<see cref="DefaultRedactedHeaders"/>)
/// and of the query parameters that carry credentials by convention (<see cref="DefaultRedactedQueryParameters"/>)
/// are written as <c>REDACTED</c>; name more with <see cref="RedactHeaders"/> and
/// <see cref="RedactQueryParameters"/>. A redacted query parameter still replays:
/// <see cref="Dispatcher.Replay"/> matches it on its presence, any value. Immutable.
/// </summary>
public sealed class RecordingOptions
{
    /// <summary>
    /// The headers redacted by default: <c>Authorization</c>, <c>Proxy-Authorization</c>, <c>Cookie</c>
    /// (whole value) and <c>Set-Cookie</c> (the cookie's value; its name and attributes stay).
    /// </summary>
    public static IReadOnlyList<string> DefaultRedactedHeaders { get; } = ["Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"];

    /// <summary>
    /// The query parameters redacted by default: <c>access_token</c> (the OAuth bearer token in a URI,
    /// RFC 6750 section 2.3), <c>refresh_token</c>, <c>id_token</c>, <c>client_secret</c>, <c>api_key</c>
    /// and <c>password</c>. Names compare case-insensitively.
    /// </summary>
    public static IReadOnlyList<string> DefaultRedactedQueryParameters { get; } =
        ["access_token", "refresh_token", "id_token", "client_secret", "api_key", "password"];

    /// <summary>More header names whose values are redacted, in addition to the defaults (case-insensitive). Default: none.</summary>
    public IReadOnlyCollection<string> RedactHeaders { get; init; } = [];

    /// <summary>More query parameter names whose values are redacted, in addition to the defaults (case-insensitive). Default: none.</summary>
    public IReadOnlyCollection<string> RedactQueryParameters { get; init; } = [];

    /// <summary>
    /// True to keep the default credential headers and query parameters as sent (the names in
    /// <see cref="RedactHeaders"/> and <see cref="RedactQueryParameters"/> are still redacted). Default:
    /// false. A file written with it holds live credentials: keep it out of version control.
    /// </summary>
    public bool IncludeSecrets { get; init; }
}

using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace MockKit.MockServer.WebSockets;

/// <summary>
/// The server's side of the WebSocket opening handshake, for both ways in: the HTTP/1.1 upgrade
/// of RFC 6455 section 4.2 and the HTTP/2 extended CONNECT of RFC 8441 section 5. It validates
/// what the client sent and works out what the server answers; it writes nothing itself.
/// </summary>
/// <remarks>
/// A bad handshake is a <see cref="ProtocolViolationException"/> naming the problem, with the
/// status to answer (400, or 426 for a version other than 13, RFC 6455 section 4.4). Framing after
/// the handshake is the runtime's (<see cref="System.Net.WebSockets.WebSocket.CreateFromStream(Stream, System.Net.WebSockets.WebSocketCreationOptions)"/>).
/// </remarks>
internal static class WebSocketHandshake
{
    /// <summary>The only version RFC 6455 defines (section 4.1: "The value of this header field MUST be 13").</summary>
    public const string Version = "13";

    // RFC 6455 section 1.3: the GUID appended to the key before hashing for Sec-WebSocket-Accept.
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    // RFC 4648 section 4: the base64 alphabet and its padding.
    private static readonly System.Buffers.SearchValues<char> s_base64 =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");

    /// <summary>
    /// Validates an HTTP/1.1 upgrade request (RFC 6455 section 4.2.1) and returns the subprotocol
    /// the server selects (the scripted <c>Sec-WebSocket-Protocol</c>), or null for none.
    /// </summary>
    /// <exception cref="WebSocketHandshakeException">The request is not a valid opening handshake.</exception>
    public static string? ValidateUpgrade(string method, Protocol version, IReadOnlyList<KeyValuePair<string, string>> request, MockResponse response)
    {
        // Section 4.2.1 items 1-6, in order.
        if (method != "GET")
        {
            throw new WebSocketHandshakeException(400, $"A WebSocket opening handshake must be a GET (RFC 6455 section 4.2.1), not {method}.");
        }

        if (version != Protocol.Http11)
        {
            throw new WebSocketHandshakeException(400, "A WebSocket opening handshake needs HTTP/1.1 or later (RFC 6455 section 4.2.1).");
        }

        if (!HasToken(request, "Upgrade", "websocket"))
        {
            throw new WebSocketHandshakeException(400, "The request has no 'Upgrade: websocket' header field (RFC 6455 section 4.2.1 item 3).");
        }

        if (!HasToken(request, "Connection", "upgrade"))
        {
            throw new WebSocketHandshakeException(400, "The request's Connection header field does not include 'Upgrade' (RFC 6455 section 4.2.1 item 4).");
        }

        // Item 2 (and RFC 9112 section 3.2): exactly one Host, naming the server's authority.
        if (Single(request, "Host") is null)
        {
            throw new WebSocketHandshakeException(400, "The request has no Host header field, or more than one (RFC 6455 section 4.2.1 item 2).");
        }

        var key = Single(request, "Sec-WebSocket-Key");
        if (key is null)
        {
            throw new WebSocketHandshakeException(400, "The request has no Sec-WebSocket-Key header field (RFC 6455 section 4.2.1 item 5).");
        }

        if (!IsValidKey(key))
        {
            throw new WebSocketHandshakeException(400, $"Sec-WebSocket-Key '{key}' is not the base64 encoding of 16 bytes (RFC 6455 section 4.2.1 item 5).");
        }

        CheckVersion(request);
        return SelectSubprotocol(request, response);
    }

    /// <summary>
    /// Validates an RFC 8441 extended CONNECT (section 5: <c>:protocol websocket</c>, version 13,
    /// no key) and returns the selected subprotocol, or null for none.
    /// </summary>
    /// <exception cref="WebSocketHandshakeException">The request is not a valid WebSocket bootstrap.</exception>
    public static string? ValidateExtendedConnect(string method, string? protocol, IReadOnlyList<KeyValuePair<string, string>> request, MockResponse response)
    {
        if (method != "CONNECT" || protocol is null)
        {
            throw new WebSocketHandshakeException(400,
                $"A WebSocket over HTTP/2 is an extended CONNECT with :protocol websocket (RFC 8441 section 4), not {method}{(protocol is null ? " without :protocol" : string.Empty)}.");
        }

        if (!protocol.Equals("websocket", StringComparison.Ordinal))
        {
            throw new WebSocketHandshakeException(400, $"The extended CONNECT asks for :protocol '{protocol}'; this response serves 'websocket' (RFC 8441 section 5).");
        }

        CheckVersion(request);
        return SelectSubprotocol(request, response);
    }

    /// <summary>The Sec-WebSocket-Accept value for a key (RFC 6455 section 4.2.2 item 5.4).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "RFC 6455 section 4.2.2 prescribes SHA-1 for the accept hash; it is a handshake check, not security.")]
    public static string Accept(string key)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(Encoding.ASCII.GetBytes(key.Trim() + AcceptGuid), hash);
        return Convert.ToBase64String(hash);
    }

    /// <summary>The client's key, trimmed (call after <see cref="ValidateUpgrade"/>).</summary>
    public static string Key(IReadOnlyList<KeyValuePair<string, string>> request) => Single(request, "Sec-WebSocket-Key")!.Trim();

    private static void CheckVersion(IReadOnlyList<KeyValuePair<string, string>> request)
    {
        var version = Single(request, "Sec-WebSocket-Version");
        if (version?.Trim() != Version)
        {
            // Section 4.4: answer with the versions the server understands.
            throw new WebSocketHandshakeException(426, version is null
                ? "The request has no Sec-WebSocket-Version header field; the server speaks version 13 (RFC 6455 section 4.4)."
                : $"Sec-WebSocket-Version '{version}' is not supported; the server speaks version 13 (RFC 6455 section 4.4).");
        }
    }

    /// <summary>
    /// Section 4.2.2 item 5.3: the server selects one of the client's offered subprotocols or none.
    /// The test scripts the choice as the response's Sec-WebSocket-Protocol; a choice the client did
    /// not offer would make a conforming client fail the connection, so it is a scripting error.
    /// </summary>
    private static string? SelectSubprotocol(IReadOnlyList<KeyValuePair<string, string>> request, MockResponse response)
    {
        var scripted = response.Headers.GetValues("Sec-WebSocket-Protocol").ToList();
        if (scripted.Count == 0)
        {
            return null;
        }

        if (scripted.Count > 1 || scripted[0].Contains(',', StringComparison.Ordinal))
        {
            throw new WebSocketHandshakeException(400, $"The scripted response selects more than one subprotocol ({string.Join(", ", scripted)}); RFC 6455 section 4.2.2 allows one.");
        }

        var selected = scripted[0].Trim();
        var offered = new List<string>();
        foreach (var (name, value) in request)
        {
            if (name.Equals("Sec-WebSocket-Protocol", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var token in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    offered.Add(token);
                }
            }
        }

        if (!offered.Contains(selected, StringComparer.Ordinal))
        {
            throw new WebSocketHandshakeException(400, offered.Count == 0
                ? $"The scripted response selects subprotocol '{selected}' but the client offered none (RFC 6455 section 4.2.2)."
                : $"The scripted response selects subprotocol '{selected}', which the client did not offer (offered: {string.Join(", ", offered)}; RFC 6455 section 4.2.2).");
        }

        return selected;
    }

    // Section 4.2.1 item 5: "a base64-encoded value that, when decoded, is 16 bytes in length":
    // 24 characters of the RFC 4648 alphabet ending in "==". Checked character by character first,
    // because Convert.TryFromBase64String skips whitespace anywhere in its input.
    private static bool IsValidKey(string key)
    {
        var trimmed = key.AsSpan().Trim();
        Span<byte> decoded = stackalloc byte[18];
        return trimmed.Length == 24
            && !trimmed.ContainsAnyExcept(s_base64)
            && Convert.TryFromBase64Chars(trimmed, decoded, out var written) && written == 16;
    }

    private static string? Single(IReadOnlyList<KeyValuePair<string, string>> fields, string name)
    {
        string? found = null;
        foreach (var (key, value) in fields)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                if (found is not null)
                {
                    return null; // Section 11.3: these fields must not appear more than once.
                }

                found = value;
            }
        }

        return found;
    }

    private static bool HasToken(IReadOnlyList<KeyValuePair<string, string>> fields, string name, string token)
    {
        foreach (var (key, value) in fields)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase)
                && value.Split(',', StringSplitOptions.TrimEntries).Any(t => t.Equals(token, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }
}

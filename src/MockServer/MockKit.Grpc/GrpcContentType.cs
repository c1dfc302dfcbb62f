namespace MockKit.Grpc;

/// <summary>gRPC's content types (PROTOCOL-HTTP2: "application/grpc" [("+proto" / "+json" / {custom})]).</summary>
internal static class GrpcContentType
{
    public const string Default = "application/grpc";

    /// <summary>True for <c>application/grpc</c> and <c>application/grpc+…</c> (parameters allowed, case-insensitive).</summary>
    public static bool Is(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var media = contentType.AsSpan();
        var semicolon = media.IndexOf(';');
        if (semicolon >= 0)
        {
            media = media[..semicolon];
        }

        media = media.Trim();
        return media.Equals(Default, StringComparison.OrdinalIgnoreCase)
            || (media.Length > Default.Length + 1 && media.StartsWith(Default + "+", StringComparison.OrdinalIgnoreCase));
    }
}

using System.Text;

namespace MockKit.MockServer;

/// <summary>
/// The bytes of a scripted response body. Converts implicitly from <see cref="string"/>
/// (encoded as UTF-8) and from <c>byte[]</c>. Immutable and shareable.
/// </summary>
public sealed class MockBody
{
    private MockBody(ReadOnlyMemory<byte> content) => Content = content;

    /// <summary>An empty body.</summary>
    public static MockBody Empty { get; } = new(ReadOnlyMemory<byte>.Empty);

    /// <summary>The body's bytes.</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>The body's length in bytes.</summary>
    public long Length => Content.Length;

    /// <summary>A body holding <paramref name="text"/> as UTF-8.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The body.</returns>
    public static MockBody FromString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? Empty : new(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>A body holding a copy of <paramref name="bytes"/>.</summary>
    /// <param name="bytes">The bytes.</param>
    /// <returns>The body.</returns>
    public static MockBody FromBytes(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? Empty : new(bytes.ToArray());

    /// <summary>Converts a string to a UTF-8 body.</summary>
    /// <param name="text">The text.</param>
    public static implicit operator MockBody(string text) => FromString(text);

    /// <summary>Converts bytes to a body (copied, so later changes to the array are not sent).</summary>
    /// <param name="bytes">The bytes.</param>
    public static implicit operator MockBody(byte[] bytes) => FromBytes(bytes);

    /// <summary>The body decoded as UTF-8.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Encoding.UTF8.GetString(Content.Span);
}

namespace MockKit.Tool.Stubs;

/// <summary>
/// A stub file, stub text or admin request body that cannot be used: <see cref="Exception.Message"/>
/// is <c>source:line:column: reason</c> (line and column from 1), the shape compilers use, so an editor
/// can jump to it.
/// </summary>
internal sealed class JsonInputException : FormatException
{
    public JsonInputException(string source, int line, int column, string reason)
        : base($"{source}:{line}:{column}: {reason}")
    {
        SourceName = source;
        Line = line;
        Column = column;
        Reason = reason;
    }

    /// <summary>The file path, or a name for text that came from elsewhere (e.g. <c>request body</c>).</summary>
    public string SourceName { get; }

    public int Line { get; }

    public int Column { get; }

    public string Reason { get; }
}

/// <summary>A problem found in a parsed document, at a JSON Pointer; turned into a <see cref="JsonInputException"/> with the position.</summary>
internal sealed class JsonValueException(string pointer, string reason) : Exception(reason)
{
    public string Pointer { get; } = pointer;
}

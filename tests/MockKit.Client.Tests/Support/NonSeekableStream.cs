namespace MockKit.Client.Tests.Support;

/// <summary>A read-only stream of unknown length, so StreamContent cannot compute a Content-Length.</summary>
internal sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
{
    public override bool CanSeek => false;
}

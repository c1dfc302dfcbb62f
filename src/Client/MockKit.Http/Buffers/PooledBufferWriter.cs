using System.Buffers;
using System.Diagnostics;

namespace MockKit.Buffers;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over arrays rented from <see cref="ArrayPool{T}.Shared"/>.
/// The writer owns its array until <see cref="Dispose"/> returns it; views from
/// <see cref="WrittenMemory"/> are valid only until then. Not thread-safe.
/// </summary>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
#if DEBUG
    // Start tiny in debug builds so every test runs the growth path (STYLE rule 6).
    private const int DefaultInitialCapacity = 16;
#else
    private const int DefaultInitialCapacity = 1024;
#endif

    private byte[] _buffer;
    private int _written;

    /// <summary>Creates a writer.</summary>
    /// <param name="initialCapacity">Bytes to rent up front; 0 for the default.</param>
    public PooledBufferWriter(int initialCapacity = 0)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity > 0 ? initialCapacity : DefaultInitialCapacity);
    }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>The number of bytes written.</summary>
    public int WrittenCount => _written;

    /// <inheritdoc />
    public void Advance(int count)
    {
        Debug.Assert(count >= 0 && _written + count <= _buffer.Length, "Advance past the span handed out.");
        _written += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Forgets what was written, keeping the array.</summary>
    public void Clear() => _written = 0;

    /// <summary>Returns the array to the pool.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Ensure(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + needed));
        _buffer.AsSpan(0, _written).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = grown;
    }
}

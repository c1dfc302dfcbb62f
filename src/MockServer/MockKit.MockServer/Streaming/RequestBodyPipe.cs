using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using MockKit.Transport;

namespace MockKit.MockServer.Streaming;

/// <summary>
/// Carries a request body from the session that reads it to an <see cref="IStreamingDispatcher"/>
/// reading <see cref="Reader"/>. On HTTP/1 the session awaits <see cref="FlushAsync"/>, so a slow
/// consumer pushes back through TCP; on HTTP/2 the reader loop must never wait, so it writes with
/// <see cref="TryWrite"/> (the pipe does not pause) and flow control bounds what is buffered:
/// <c>onConsumed</c> reports each byte the consumer took, for the session to give the credit back.
/// </summary>
/// <remarks>
/// Thread-safety: one producer (the session) and one consumer. Once the consumer disposes its
/// stream the pipe accepts nothing more (the producer goes on recording only) and every byte it
/// had not taken is reported as consumed.
/// </remarks>
internal sealed class RequestBodyPipe
{
    private readonly Pipe _pipe;
    private readonly Action<int>? _onConsumed;
    private readonly bool _pauses;
    private long _unconsumed; // Written but not yet taken by the consumer (Interlocked).
    private int _readerDone;
    private int _completed;

    /// <param name="pauses">True to pause the producer at the default threshold (HTTP/1); false never pauses (HTTP/2).</param>
    /// <param name="onConsumed">Called with each count of bytes the consumer took or dropped.</param>
    public RequestBodyPipe(bool pauses, Action<int>? onConsumed)
    {
        _pipe = new Pipe(pauses ? PipeOptions.Default : new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
        _onConsumed = onConsumed;
        _pauses = pauses;
        Reader = new ConsumerStream(this);
    }

    /// <summary>The body as the consumer reads it.</summary>
    public Stream Reader { get; }

    /// <summary>False once the consumer disposed its stream.</summary>
    public bool Accepting => Volatile.Read(ref _readerDone) == 0;

    /// <summary>Buffers <paramref name="data"/> for the consumer (no I/O); false when the consumer is gone.</summary>
    public bool TryWrite(ReadOnlySequence<byte> data)
    {
        if (!Accepting)
        {
            return false;
        }

        foreach (var segment in data)
        {
            _pipe.Writer.Write(segment.Span);
        }

        Interlocked.Add(ref _unconsumed, data.Length);
        if (!_pauses)
        {
            // Without a pause threshold the flush completes at once: never a wait on the reader loop.
            var flush = _pipe.Writer.FlushAsync();
            Debug.Assert(flush.IsCompleted, "A pipe without a pause threshold flushes synchronously.");
            _ = flush.IsCompleted ? flush.Result : default;
        }

        return true;
    }

    /// <summary>Hands buffered bytes to the consumer, waiting while it is behind (HTTP/1 backpressure).</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (Accepting)
        {
            await _pipe.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Ends the body: the consumer reads the end, or <paramref name="failure"/> as an <see cref="IOException"/>.</summary>
    public void Complete(Exception? failure = null)
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _pipe.Writer.Complete(failure is null or IOException ? failure : new IOException(failure.Message, failure));
        }
    }

    private void Consumed(long count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _unconsumed, -count);
            _onConsumed?.Invoke((int)count);
        }
    }

    private void ReaderDisposed()
    {
        if (Interlocked.Exchange(ref _readerDone, 1) == 0)
        {
            _pipe.Reader.Complete();
            Consumed(Interlocked.Read(ref _unconsumed));
        }
    }

    /// <summary>The consumer's read-only view.</summary>
    private sealed class ConsumerStream(RequestBodyPipe owner) : ProtocolStream
    {
        public override bool CanRead => true;

        public override bool CanWrite => false;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(!owner.Accepting, this);

            var reader = owner._pipe.Reader;
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var available = result.Buffer;
            var take = (int)Math.Min(available.Length, buffer.Length);
            available.Slice(0, take).CopyTo(buffer.Span);
            reader.AdvanceTo(available.GetPosition(take));
            owner.Consumed(take);
            return take;
        }

        // The server only reads asynchronously; HttpContent copies asynchronously too.
        protected override string AsyncOnlyMessage => "Read the request body asynchronously.";

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                owner.ReaderDisposed();
            }

            base.Dispose(disposing);
        }
    }
}

using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace MockKit.Client.Connections;

// The wait for a response head the socket does not have yet, for requests without content.
internal sealed partial class Http1Connection
{
    private ResponseHeadWait? _headWait; // Made at the first head read that has to wait; used by one exchange at a time.

    /// <summary>
    /// The wait for a response head, written out instead of an async method: the connection's one
    /// instance is the <see cref="ValueTask{TResult}"/>'s source for each of its exchanges in turn (an
    /// HTTP/1 connection carries one at a time, and the next starts only after the call took this
    /// one's result), so a wait allocates nothing. Each socket read is awaited with
    /// <c>OnCompleted</c>, which flows the caller's <see cref="ExecutionContext"/> into the
    /// continuation (listener callbacks, Activity.Current) as an await does.
    /// </summary>
    private sealed class ResponseHeadWait : IValueTaskSource<(HttpResponseMessage Response, IResponseBody Body)>
    {
        private readonly Http1Connection _connection;
        private readonly Action _onReceived;
        private ManualResetValueTaskSourceCore<(HttpResponseMessage Response, IResponseBody Body)> _core;
        private HttpRequestMessage? _request;
        private Exchange? _exchange;
        private int _informational;
        private ConfiguredValueTaskAwaitable<int>.ConfiguredValueTaskAwaiter _receive;

        public ResponseHeadWait(Http1Connection connection)
        {
            _connection = connection;
            _onReceived = OnReceived;
        }

        /// <summary>Waits for <paramref name="receive"/> (a pending read into the connection's buffer, its timeout armed), then reads heads on.</summary>
        public ValueTask<(HttpResponseMessage Response, IResponseBody Body)> Start(HttpRequestMessage request, Exchange exchange, int informational, ValueTask<int> receive)
        {
            _core.Reset();
            _request = request;
            _exchange = exchange;
            _informational = informational;
            var version = _core.Version; // Before the read can complete (and this wait with it).
            Await(receive);
            return new(this, version);
        }

        public (HttpResponseMessage Response, IResponseBody Body) GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                // The result must not stay reachable from the pooled connection: a response nobody disposes is
                // found by its body's finalizer (leak detection), which a reference from here would prevent.
                _core.Reset();
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        private void Await(ValueTask<int> receive)
        {
            _receive = receive.ConfigureAwait(false).GetAwaiter();
            _receive.OnCompleted(_onReceived);
        }

        // What the async method did after each await: account for the bytes, take a final head or read on.
        private void OnReceived()
        {
            var exchange = _exchange!;
            (HttpResponseMessage Response, IResponseBody Body) result;
            try
            {
                var receive = _receive;
                _receive = default;
                while (true)
                {
                    int read;
                    try
                    {
                        read = receive.GetResult();
                    }
                    finally
                    {
                        exchange.Disarm();
                    }

                    _connection.Received(exchange, read);
                    if (_connection.TryTakeFinalHead(ref _informational, out var final))
                    {
                        result = _connection.CreateFinalResponse(_request!, final, exchange, skippedBody: false);
                        break;
                    }

                    var next = _connection.ReceiveAsync(exchange);
                    if (!next.IsCompleted)
                    {
                        Await(next);
                        return;
                    }

                    receive = next.ConfigureAwait(false).GetAwaiter();
                }
            }
            catch (Exception e)
            {
                Clear();
                _core.SetException(MapFailure(exchange, e, "reading the response headers"));
                return;
            }

            Clear();
            // Last: the caller goes on inline, possibly to this connection's next exchange and its own wait.
            _core.SetResult(result);
        }

        private void Clear()
        {
            _request = null;
            _exchange = null;
        }
    }
}

namespace MockKit.MockServer.Streaming;

/// <summary>
/// The "headers first, body as a stream" dispatch path: a dispatcher implementing this is handed
/// the request as soon as its head is complete, with the body as a <see cref="System.IO.Stream"/>
/// that yields bytes as the client sends them, instead of after the whole body was read.
/// </summary>
/// <remarks>
/// <para>Both sessions honour it (HTTP/1.1 Content-Length and chunked bodies; HTTP/2 DATA, where
/// the stream's flow-control credit goes back only as the dispatcher reads, so a slow consumer
/// pushes back on the client). The session keeps reading the body for the record meanwhile: the
/// <see cref="RecordedRequest"/> is still recorded once, complete (body up to
/// <see cref="MockWebServer.BodyLimit"/>, <see cref="RecordedRequest.BodySize"/> exact), when the
/// body ends, and <see cref="StreamingRequest.Recorded"/> then completes with it.</para>
/// <para>The path is taken only when nothing needs the body read first: no OnRequestBody trigger,
/// no <c>DoNotReadRequestBody</c>, and no response already reserved for the exchange by another
/// dispatcher (a bound claim); otherwise the exchange is dispatched the ordinary way through
/// <see cref="Dispatcher.DispatchAsync"/>.</para>
/// <para>Used today by <see cref="ForwardingDispatcher"/> (request bodies piped to the upstream);
/// meant for the duplex path as well (WebSockets, <c>MockResponse.DuplexHandler</c>), which needs the
/// same early start with the body still arriving.</para>
/// </remarks>
internal interface IStreamingDispatcher
{
    /// <summary>
    /// Returns the response for a request whose body may still be arriving. The implementation must
    /// either read <see cref="StreamingRequest.Body"/> to its end or dispose it (the session stops
    /// feeding it then, and goes on reading the body for the record only).
    /// </summary>
    /// <param name="request">The head, the body stream and the completion of the recording.</param>
    /// <param name="cancellationToken">Cancelled when the exchange ends early or the server shuts down.</param>
    /// <returns>The response to send.</returns>
    ValueTask<MockResponse> DispatchStreamingAsync(StreamingRequest request, CancellationToken cancellationToken);
}

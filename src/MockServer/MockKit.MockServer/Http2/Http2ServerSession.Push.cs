using MockKit.Http2;
using MockKit.Http2.Hpack;
using MockKit.MockServer.Exchanges;
using MockKit.MockServer.Policies;
using MockKit.MockServer.Recording;

namespace MockKit.MockServer.Http2;

/// <summary>Server push (RFC 9113 section 8.4), only when the client's SETTINGS_ENABLE_PUSH allows it.</summary>
internal sealed partial class Http2ServerSession
{
    /// <summary>Section 8.4: PUSH_PROMISE on the request's stream, then the pushed response on the promised even stream.</summary>
    private async Task PushAsync(Http2ServerStream stream, MockResponse response, CancellationToken ct)
    {
        var head = stream.Head!;
        var scheme = head.Scheme ?? _connection.Scheme;
        var authority = head.Authority ?? _fallbackAuthority;
        foreach (var push in response.PushPromises)
        {
            var sequence = _connection.NextSequenceNumber();
            var headers = push.Headers.Select(h => new KeyValuePair<string, string>(h.Key.ToLowerInvariant(), h.Value)).ToList();
            if (!_core.PeerEnablePush)
            {
                // Section 8.4: "A server MUST NOT send a PUSH_PROMISE ... if SETTINGS_ENABLE_PUSH is 0".
                var refused = new InvalidOperationException($"Push of {push.Path} skipped: the client disabled server push (SETTINGS_ENABLE_PUSH = 0).");
                Log(refused.Message);
                _connection.RecordPushed(RecordedRequestFactory.Push(push.Method, push.Path, scheme, authority, headers, _connection.RecordingContext, _protocol, sequence, refused));
                continue;
            }

            Http2ServerStream pushed;
            lock (_lock)
            {
                var id = _streams.NextLocalStreamId();
                var state = new Http2StreamStateMachine(id);
                state.Reserve(local: true);
                pushed = new Http2ServerStream(this, id, sequence, state, _streams.PeerInitialWindowSize, -1, 0) { IsPush = true };
                _streams.Add(pushed);
            }

            _connection.RecordPushed(RecordedRequestFactory.Push(push.Method, push.Path, scheme, authority, headers, _connection.RecordingContext, _protocol, sequence, null));
            List<HpackHeaderField> promised = [new(":method", push.Method), new(":path", push.Path), new(":scheme", scheme), new(":authority", authority)];
            promised.AddRange(headers.Select(h => new HpackHeaderField(h.Key, Latin1(h.Value))));
            Queue(w =>
            {
                if (!_core.TryBeginSend(stream, Http2FrameType.PushPromise, false))
                {
                    return;
                }

                _frames.HeaderBlocks.WritePushPromise(w, stream.Id, pushed.Id, promised, _core.PeerMaxFrameSize);
            });
            try
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, pushed.Lifetime.Token);
                await ResponseWriter.WriteAsync(pushed, push.Method, push.Response, PolicyTriggers.None, linked.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException && !ct.IsCancellationRequested)
            {
                Log($"pushed stream {pushed.Id} ended early: {e.Message}"); // The client may reset a push it does not want.
            }
            finally
            {
                OnExchangeEnded(pushed);
            }
        }
    }
}

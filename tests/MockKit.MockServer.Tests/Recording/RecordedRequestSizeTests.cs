using MockKit.MockServer.Recording;

namespace MockKit.MockServer.Tests.Recording;

/// <summary>
/// A test that never takes its requests keeps every <see cref="RecordedRequest"/>: the object itself
/// is part of the bytes retained per request (bench/README.md), so its size is pinned here.
/// </summary>
public sealed class RecordedRequestSizeTests
{
    [Fact]
    public void A_recorded_GET_is_one_56_byte_object_besides_its_head()
    {
        var head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"u8.ToArray();
        var context = new RecordingContext(0, null, "localhost");
        _ = new RecordedRequest(head, context, [], 0, [], 0, Protocol.Http11, null); // Warm: type loading allocates too.

        var before = GC.GetAllocatedBytesForCurrentThread();
        var recorded = new RecordedRequest(head, context, [], 0, [], 1, Protocol.H2PriorKnowledge, null);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Four references, SequenceNumber, and the protocol and observation flag as bytes: 16 + 40.
        allocated.ShouldBe(56);
        recorded.Protocol.ShouldBe(Protocol.H2PriorKnowledge);
        recorded.SequenceNumber.ShouldBe(1);
    }
}

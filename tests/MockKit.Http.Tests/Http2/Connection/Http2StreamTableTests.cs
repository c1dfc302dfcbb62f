namespace MockKit.Http2.Connection.Tests;

/// <summary>Stream ids by role (RFC 9113 section 5.1.1): parity, increasing ids, and which ids are still idle.</summary>
public sealed class Http2StreamTableTests
{
    [Theory]
    [InlineData(true, 1, 3, 5)]
    [InlineData(false, 2, 4, 6)]
    public void Our_ids_have_our_parity_and_increase(bool client, int first, int second, int third)
    {
        var table = new Http2StreamTable<TestStream>(client ? Http2Role.Client : Http2Role.Server);
        table.NextLocalStreamId().ShouldBe(first);
        table.NextLocalStreamId().ShouldBe(second);
        table.NextLocalStreamId().ShouldBe(third);
        table.LastLocalStreamId.ShouldBe(third);
        table.IsPeerInitiated(first).ShouldBeFalse();
        table.IsPeerInitiated(first + 1).ShouldBeTrue();
    }

    [Fact]
    public void An_id_is_idle_until_its_side_used_it_or_a_higher_one()
    {
        var table = new Http2StreamTable<TestStream>(Http2Role.Server);
        table.IsIdle(1).ShouldBeTrue();
        table.IsIdle(2).ShouldBeTrue();

        table.OnPeerStreamOpened(5);
        table.IsIdle(1).ShouldBeFalse(); // Skipped by the client: closed (section 5.1.1).
        table.IsIdle(5).ShouldBeFalse();
        table.IsIdle(7).ShouldBeTrue();
        table.IsIdle(2).ShouldBeTrue();  // The server's side is independent.

        table.OnPeerStreamOpened(3); // Never lowers the mark.
        table.LastPeerStreamId.ShouldBe(5);
        table.NextLocalStreamId();
        table.IsIdle(2).ShouldBeFalse();
        table.IsIdle(4).ShouldBeTrue();
    }

    [Fact]
    public void Streams_are_found_by_id_until_removed()
    {
        var table = new Http2StreamTable<TestStream>(Http2Role.Client);
        var stream = new TestStream(table.NextLocalStreamId());
        table.Add(stream);
        table.TryGetValue(1, out var found).ShouldBeTrue();
        found.ShouldBeSameAs(stream);
        ((IHttp2StreamTable)table).Find(1).ShouldBeSameAs(stream);
        table.Count.ShouldBe(1);
        table.Remove(1, out var removed).ShouldBeTrue();
        removed.ShouldBeSameAs(stream);
        table.GetValueOrDefault(1).ShouldBeNull();
        table.IsIdle(1).ShouldBeFalse();
    }

    private sealed class TestStream(int id) : IHttp2Stream
    {
        public int Id { get; } = id;

        public Http2StreamStateMachine? State => null;

        public Http2OutboundWindow? SendWindow => null;

        public bool EndStreamQueued { get; set; }
    }
}

using static MockKit.Http2.Tests.FrameTestHelpers;

namespace MockKit.Http2.Tests;

public class Http2SettingsTests
{
    [Fact]
    public void Out_of_range_values_throw_eagerly()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new Http2Settings { HeaderTableSize = -1 });
        Should.Throw<ArgumentOutOfRangeException>(() => new Http2Settings { MaxConcurrentStreams = -1 });
        Should.Throw<ArgumentOutOfRangeException>(() => new Http2Settings { InitialWindowSize = -1 });
        Should.Throw<ArgumentOutOfRangeException>(() => new Http2Settings { MaxFrameSize = 16_383 });
        Should.Throw<ArgumentOutOfRangeException>(() => new Http2Settings { MaxFrameSize = 16_777_216 });
        Should.Throw<ArgumentOutOfRangeException>(() => new Http2Settings { MaxHeaderListSize = -1 });
        new Http2Settings { MaxFrameSize = 16_777_215, InitialWindowSize = int.MaxValue, HeaderTableSize = 0 }.MaxFrameSize.ShouldBe(16_777_215);
    }

    [Fact]
    public void Only_non_null_settings_are_sent()
    {
        Http2SettingsCodec.ToEntries(new Http2Settings()).ShouldBeEmpty();
        Http2SettingsCodec.ToEntries(new Http2Settings { EnablePush = false, InitialWindowSize = 10 })
            .ShouldBe([new Http2Setting(Http2SettingId.EnablePush, 0), new Http2Setting(Http2SettingId.InitialWindowSize, 10)]);
    }

    [Fact]
    public void Peer_settings_start_at_the_RFC_defaults()
    {
        var peer = new Http2PeerSettings();
        peer.HeaderTableSize.ShouldBe(4096u);
        peer.EnablePush.ShouldBeTrue();
        peer.MaxConcurrentStreams.ShouldBe(uint.MaxValue);
        peer.InitialWindowSize.ShouldBe(65_535);
        peer.MaxFrameSize.ShouldBe(16_384);
        peer.MaxHeaderListSize.ShouldBe(uint.MaxValue);
    }

    [Theory]
    [InlineData((ushort)Http2SettingId.EnablePush, 2u, Http2ErrorCode.ProtocolError)]
    [InlineData((ushort)Http2SettingId.InitialWindowSize, 0x8000_0000u, Http2ErrorCode.FlowControlError)]
    [InlineData((ushort)Http2SettingId.MaxFrameSize, 16_383u, Http2ErrorCode.ProtocolError)]
    [InlineData((ushort)Http2SettingId.MaxFrameSize, 16_777_216u, Http2ErrorCode.ProtocolError)]
    public void Illegal_values_are_connection_errors_and_change_nothing(ushort id, uint value, Http2ErrorCode code)
    {
        var peer = new Http2PeerSettings();
        Http2Frame frame = ReadSingle(Write(w => Http2FrameWriter.WriteSettings(w,
            [new Http2Setting(Http2SettingId.HeaderTableSize, 1), new Http2Setting((Http2SettingId)id, value)])));
        Should.Throw<Http2ConnectionException>(() => peer.Apply(frame.Payload)).ErrorCode.ShouldBe(code);
        peer.HeaderTableSize.ShouldBe(4096u, "a rejected frame is not partially applied");
    }

    [Fact]
    public void Unknown_identifiers_are_ignored_and_entries_apply_in_order()
    {
        var peer = new Http2PeerSettings();
        Http2Frame frame = ReadSingle(Write(w => Http2FrameWriter.WriteSettings(w,
        [
            new Http2Setting((Http2SettingId)0x99, 12345),
            new Http2Setting(Http2SettingId.InitialWindowSize, 100),
            new Http2Setting(Http2SettingId.InitialWindowSize, 1000),
            new Http2Setting(Http2SettingId.EnablePush, 0),
        ])));
        peer.Apply(frame.Payload).ShouldBe(1000 - 65_535);
        peer.InitialWindowSize.ShouldBe(1000);
        peer.EnablePush.ShouldBeFalse();
    }

    [Fact]
    public void Settings_payload_split_across_segments_is_read()
    {
        byte[] bytes = Write(w => Http2FrameWriter.WriteSettings(w, new Http2Settings { MaxFrameSize = 20_000, MaxConcurrentStreams = 7 }));
        var buffer = Sequences.FromChunks(Sequences.RandomChunks(bytes, new Random(1), 2));
        Http2FrameReader.TryReadFrame(ref buffer, MaxFrameSize, out Http2Frame frame).ShouldBeTrue();
        var peer = new Http2PeerSettings();
        peer.Apply(frame.Payload);
        peer.MaxFrameSize.ShouldBe(20_000);
        peer.MaxConcurrentStreams.ShouldBe(7u);
    }
}
